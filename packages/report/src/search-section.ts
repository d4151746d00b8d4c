/**
 * The report's "Search" section (experiments with a `search:` block): the optimisation history
 * (the best objective so far against the training steps spent), a parallel-coordinates chart of
 * the trials, and each parameter's importance. Drawn as inline SVG: a few dozen trials need no
 * chart library, and the section reads the same with scripts off.
 *
 * Importance is stated as a rank correlation over the completed trials (pruned ones stopped at
 * different lengths, so their values are not comparable): |Spearman ρ| between a numerical
 * parameter and the objective, and for a choice the correlation ratio η of the objective's ranks
 * between its values (for two values this equals |ρ| with the choice coded 0 and 1). It measures
 * a monotone association of one parameter at a time, not interactions (fANOVA would).
 */
import { escapeHtml } from './escape.ts';
import type { ParamValue } from './types.ts';

export interface SearchTrial {
  trial: number;
  label: string;
  status: string;
  /** The space's parameters the trial had (a conditional one may be absent). */
  params: Record<string, ParamValue>;
  /** The objective: at the end (completed), at the rung that stopped it (pruned); NaN otherwise. */
  value: number;
  /** Training steps it used. */
  steps: number;
  /** When it finished (ISO time), to order the history; null while it runs. */
  finishedAt: string | null;
}

export interface SearchReport {
  metric: string;
  direction: 'minimize' | 'maximize';
  sampler: string;
  /** The space's parameters with their kinds (log_uniform axes are drawn on a log scale). */
  parameters: Array<{ name: string; kind: string; values?: ParamValue[] }>;
  trials: SearchTrial[];
}

/** Average ranks (1-based) of values, ties sharing their mean rank. */
function ranks(values: number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const result = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].value === order[start].value) end++;
    for (let k = start; k <= end; k++) result[order[k].index] = (start + end) / 2 + 1;
    start = end + 1;
  }
  return result;
}

function pearson(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** The correlation ratio η of `y` between the groups of `groups`. */
function correlationRatio(groups: string[], y: number[]): number {
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const total = y.reduce((sum, v) => sum + (v - mean) ** 2, 0);
  if (total === 0) return NaN;
  const byGroup = new Map<string, number[]>();
  groups.forEach((group, i) => byGroup.set(group, [...(byGroup.get(group) ?? []), y[i]]));
  let between = 0;
  for (const members of byGroup.values()) {
    const m = members.reduce((a, b) => a + b, 0) / members.length;
    between += members.length * (m - mean) ** 2;
  }
  return Math.sqrt(between / total);
}

/** Each parameter's importance over the completed trials with a finite objective (see the module's note). */
export function parameterImportance(search: SearchReport): Array<{ name: string; importance: number; n: number }> {
  const scored = search.trials.filter((t) => t.status === 'completed' && Number.isFinite(t.value));
  return search.parameters.map(({ name, kind }) => {
    const having = scored.filter((t) => t.params[name] !== undefined && t.params[name] !== null);
    if (having.length < 3) return { name, importance: NaN, n: having.length };
    const objectiveRanks = ranks(having.map((t) => t.value));
    const importance =
      kind === 'choice'
        ? correlationRatio(
            having.map((t) => String(t.params[name])),
            objectiveRanks,
          )
        : Math.abs(pearson(ranks(having.map((t) => Number(t.params[name]))), objectiveRanks));
    return { name, importance, n: having.length };
  });
}

/** The best objective so far against the cumulative training steps, trials in the order they finished. */
export function optimisationHistory(
  search: SearchReport,
): Array<{ steps: number; best: number; value: number; status: string; label: string }> {
  const finished = search.trials
    .filter((t) => t.finishedAt !== null)
    .sort((a, b) => (a.finishedAt! < b.finishedAt! ? -1 : a.finishedAt! > b.finishedAt! ? 1 : a.trial - b.trial));
  let spent = 0;
  let best = NaN;
  return finished.map((t) => {
    spent += t.steps;
    if (t.status === 'completed' && Number.isFinite(t.value)) {
      if (Number.isNaN(best) || (search.direction === 'maximize' ? t.value > best : t.value < best)) best = t.value;
    }
    return { steps: spent, best, value: t.value, status: t.status, label: t.label };
  });
}

const format = (value: number) => (Number.isFinite(value) ? Number(value.toPrecision(4)).toString() : '–');

function historySvg(search: SearchReport): string {
  const points = optimisationHistory(search);
  const values = points.flatMap((p) => [p.value, p.best]).filter(Number.isFinite);
  if (points.length === 0 || values.length === 0) return '<p class="how">No trial has finished yet.</p>';
  const [w, h, left, bottom] = [640, 260, 56, 34];
  const maxSteps = points[points.length - 1].steps;
  let low = Math.min(...values);
  let high = Math.max(...values);
  if (low === high) [low, high] = [low - 0.5, high + 0.5];
  const x = (steps: number) => left + ((w - left - 12) * steps) / maxSteps;
  const y = (value: number) => 10 + (h - bottom - 10) * (1 - (value - low) / (high - low));
  let path = '';
  for (const p of points) {
    if (!Number.isFinite(p.best)) continue;
    path += path ? ` H${x(p.steps).toFixed(1)} V${y(p.best).toFixed(1)}` : `M${x(p.steps).toFixed(1)},${y(p.best).toFixed(1)}`;
  }
  if (path) path += ` H${x(maxSteps).toFixed(1)}`;
  const dots = points
    .filter((p) => Number.isFinite(p.value))
    .map(
      (p) =>
        `<circle cx="${x(p.steps).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3.5" class="${p.status === 'completed' ? 'done' : 'pruned'}"><title>${escapeHtml(`${p.label}: ${p.status}, ${format(p.value)} after ${p.steps} steps in all`)}</title></circle>`,
    )
    .join('');
  return `<svg class="search-chart" viewBox="0 0 ${w} ${h}" role="img" aria-label="best ${escapeHtml(search.metric)} so far against training steps spent">
<line x1="${left}" y1="${h - bottom}" x2="${w - 12}" y2="${h - bottom}" class="axis"/><line x1="${left}" y1="10" x2="${left}" y2="${h - bottom}" class="axis"/>
<text x="${left - 6}" y="${y(high) + 4}" text-anchor="end">${format(high)}</text><text x="${left - 6}" y="${y(low) + 4}" text-anchor="end">${format(low)}</text>
<text x="${left}" y="${h - bottom + 16}">0</text><text x="${w - 12}" y="${h - bottom + 16}" text-anchor="end">${maxSteps} steps</text>
<text x="${(w + left) / 2}" y="${h - 4}" text-anchor="middle">training steps spent by the search</text>
<path d="${path}" class="best"/>${dots}
</svg>`;
}

function parallelSvg(search: SearchReport): string {
  const trials = search.trials.filter((t) => Number.isFinite(t.value));
  if (trials.length === 0) return '';
  const axes = [...search.parameters, { name: search.metric, kind: 'objective' as string, values: undefined }];
  const [w, h, top, bottom] = [Math.max(480, 150 * axes.length), 280, 28, 30];
  const xAt = (i: number) => 60 + ((w - 120) * i) / (axes.length - 1);
  const scale = (axis: (typeof axes)[number]): ((value: ParamValue | undefined) => number | undefined) => {
    const span = h - top - bottom;
    if (axis.kind === 'choice') {
      const values = axis.values ?? [...new Set(trials.map((t) => t.params[axis.name]))];
      return (v) => (v === undefined ? undefined : top + (span * (values.indexOf(v) + 0.5)) / values.length);
    }
    const read = (t: SearchTrial) => (axis.kind === 'objective' ? t.value : Number(t.params[axis.name]));
    const log = axis.kind === 'log_uniform';
    const numbers = trials
      .map(read)
      .filter((v) => Number.isFinite(v) && (!log || v > 0))
      .map((v) => (log ? Math.log10(v) : v));
    let low = Math.min(...numbers);
    let high = Math.max(...numbers);
    if (!(high > low)) [low, high] = [low - 1, high + 1];
    return (v) => {
      if (v === undefined || v === null) return undefined;
      const n = log ? Math.log10(Number(v)) : Number(v);
      return Number.isFinite(n) ? top + span * (1 - (n - low) / (high - low)) : undefined;
    };
  };
  const scales = axes.map(scale);
  const lines = trials
    .sort((a, b) => (a.status === 'completed' ? 1 : 0) - (b.status === 'completed' ? 1 : 0))
    .map((t) => {
      const ys = axes.map((axis, i) => scales[i](axis.kind === 'objective' ? t.value : t.params[axis.name]));
      const d = ys
        .map((yv, i) => (yv === undefined ? '' : `${i === 0 || ys[i - 1] === undefined ? 'M' : 'L'}${xAt(i).toFixed(1)},${yv.toFixed(1)}`))
        .join(' ');
      const values = search.parameters.map((p) => `${p.name}=${t.params[p.name] ?? '–'}`).join(', ');
      return `<path d="${d}" class="${t.status === 'completed' ? 'done' : 'pruned'}"><title>${escapeHtml(`${t.label} (${t.status}): ${values}; ${search.metric} ${format(t.value)}`)}</title></path>`;
    })
    .join('');
  const axisMarks = axes
    .map((axis, i) => {
      const ticks =
        axis.kind === 'choice'
          ? (axis.values ?? [])
              .map((v) => `<text x="${xAt(i) + 5}" y="${(scales[i](v) ?? 0) + 4}">${escapeHtml(String(v))}</text>`)
              .join('')
          : '';
      return `<line x1="${xAt(i)}" y1="${top}" x2="${xAt(i)}" y2="${h - bottom}" class="axis"/><text x="${xAt(i)}" y="${h - 10}" text-anchor="middle">${escapeHtml(axis.name)}${axis.kind === 'log_uniform' ? ' (log)' : ''}</text>${ticks}`;
    })
    .join('');
  return `<svg class="search-chart" viewBox="0 0 ${w} ${h}" role="img" aria-label="parallel coordinates of the trials">${lines}${axisMarks}</svg>`;
}

export function searchSectionHtml(search: SearchReport | undefined): string {
  if (!search) return '';
  const counts = new Map<string, number>();
  for (const t of search.trials) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  const importance = parameterImportance(search).sort(
    (a, b) => (Number.isNaN(b.importance) ? -1 : b.importance) - (Number.isNaN(a.importance) ? -1 : a.importance),
  );
  const importanceRows = importance
    .map(
      (row) =>
        `<tr><td>${escapeHtml(row.name)}</td><td>${format(row.importance)}</td><td><span class="bar" style="width:${Number.isFinite(row.importance) ? Math.round(row.importance * 160) : 0}px"></span></td><td>${row.n}</td></tr>`,
    )
    .join('');
  const better = search.direction === 'maximize' ? 'highest' : 'lowest';
  return [
    '<section id="section-search">',
    '<h2>Search</h2>',
    `<p class="how">${search.trials.length} trials (${[...counts].map(([status, n]) => `${n} ${escapeHtml(status)}`).join(', ')}) sampled by ${escapeHtml(search.sampler)}, optimising <code>${escapeHtml(search.metric)}</code> (${better} is best; held-out training images, never the test set). Pruned trials were stopped at a rung by ASHA and are drawn grey with their value there.</p>`,
    '<h3>Optimisation history</h3>',
    `<p class="how">The ${better} objective of a completed trial so far (line) against the training steps the search had spent when each trial ended (all trials' steps, pruned ones included); dots are each trial's own value.</p>`,
    historySvg(search),
    '<h3>Trials</h3>',
    '<p class="how">One line per trial through its parameters and objective; completed trials in colour, pruned ones grey. Hover a line for its values.</p>',
    parallelSvg(search),
    '<h3>Parameter importance</h3>',
    `<p class="how">Over the completed trials: |Spearman ρ| between a numerical parameter and <code>${escapeHtml(search.metric)}</code>, and for a choice the correlation ratio η of the objective's ranks between its values (for two values, |ρ| with the choice coded 0/1). One parameter at a time: interactions are not measured. Fewer than 3 completed trials give –.</p>`,
    `<table class="importance"><thead><tr><th>parameter</th><th>importance</th><th></th><th>trials</th></tr></thead><tbody>${importanceRows}</tbody></table>`,
    '</section>',
  ].join('\n');
}

export const searchStyles = `
svg.search-chart { width: 100%; max-width: 900px; height: auto; font-size: 11px; }
svg.search-chart .axis { stroke: #888; stroke-width: 1; }
svg.search-chart path.best { fill: none; stroke: #1f77b4; stroke-width: 2; }
svg.search-chart circle.done { fill: #1f77b4; } svg.search-chart circle.pruned { fill: #bbb; }
svg.search-chart path.done { fill: none; stroke: #d62728; stroke-opacity: 0.7; stroke-width: 1.5; }
svg.search-chart path.pruned { fill: none; stroke: #bbb; stroke-opacity: 0.6; }
table.importance { border-collapse: collapse; font-size: 13px; } table.importance td, table.importance th { padding: 2px 10px; text-align: left; }
table.importance .bar { display: inline-block; height: 10px; background: #1f77b4; }
`;
