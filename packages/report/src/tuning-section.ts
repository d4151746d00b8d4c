/**
 * The report's "Tuned ranking" section (experiments with a `tuning:` rule): in each group (e.g. a
 * loss on a dataset) the setting chosen on validation scores, ranked by its test metric's mean
 * with a t-interval over seeds. Groups are ranked within each value of the other `per`
 * parameters (e.g. per dataset), so a loss is compared with the others on the same data.
 */
import { formatInterval, formatParameter, formatStatistic, parameterKey, selectTuned, tunedScores } from '@siamese-lab/stats';
import { escapeHtml } from './escape.ts';
import type { ReportInput } from './types.ts';

export function tuningSectionHtml(input: ReportInput): string {
  const rule = input.tuning;
  if (!rule) return '';
  const reported = rule.report ?? rule.metric.replace(/^validation_/, '');
  const rows = tunedScores(selectTuned(input.runs, rule), rule, reported);
  // The last `per` parameter is what is ranked (e.g. loss.kind); the others make the panels (e.g. data.dataset).
  const ranked = rule.per[rule.per.length - 1];
  const panelKeys = rule.per.slice(0, -1);
  const panels = new Map<string, typeof rows>();
  for (const row of rows) {
    const key = panelKeys.map((name) => parameterKey(row.group[name])).join('|');
    panels.set(key, [...(panels.get(key) ?? []), row]);
  }
  const sign = rule.direction === 'maximize' ? -1 : 1;
  const tables = [...panels.values()].map((panelRows) => {
    const sorted = [...panelRows].sort(
      (a, b) =>
        sign * ((Number.isNaN(a.scored.mean) ? -Infinity : a.scored.mean) - (Number.isNaN(b.scored.mean) ? -Infinity : b.scored.mean)),
    );
    const title = panelKeys.map((name) => `${name} = ${formatParameter(panelRows[0].group[name])}`).join(', ');
    const body = sorted
      .map((row, index) => {
        const chosen =
          Object.entries(row.chosen)
            .map(([name, value]) => `${name} = ${formatParameter(value)}`)
            .join(', ') || '(one setting)';
        const candidates = row.candidates
          .map(
            (candidate) =>
              `${
                Object.values(candidate.setting)
                  .map((value) => formatParameter(value))
                  .join(', ') || '-'
              }: ${formatStatistic(candidate.mean)}`,
          )
          .join('; ');
        return `<tr><td>${index + 1}</td><td><b>${escapeHtml(formatParameter(row.group[ranked]))}</b></td><td>${escapeHtml(chosen)}</td><td title="${escapeHtml(candidates)}">${escapeHtml(formatStatistic(row.value))} (n = ${row.n})</td><td><b>${escapeHtml(formatStatistic(row.scored.mean))}</b> ${escapeHtml(formatInterval(row.scored.interval))} (n = ${row.scored.n})</td></tr>`;
      })
      .join('\n');
    return `${title ? `<h3>${escapeHtml(title)}</h3>` : ''}<table class="tuned"><thead><tr><th>rank</th><th>${escapeHtml(ranked)}</th><th>chosen on validation</th><th>${escapeHtml(rule.metric)}</th><th>${escapeHtml(reported)} (test, 95% interval)</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
  });
  return [
    '<section id="section-tuning">',
    '<h2>Tuned ranking</h2>',
    `<p class="how">Each ${escapeHtml(rule.per.join(' and '))} keeps the setting of its other parameters with the ${rule.direction === 'maximize' ? 'highest' : 'lowest'} mean <code>${escapeHtml(rule.metric)}</code> over seeds (held-out training images, never the test set); its test <code>${escapeHtml(reported)}</code> is then given with a t-interval over seeds. Hover a validation value for every candidate's mean. The claims above are decided on these settings' runs.</p>`,
    ...tables,
    '</section>',
  ].join('\n');
}

export const tuningStyles = `
table.tuned { border-collapse: collapse; margin: 6px 0 14px; font-size: 13px; }
table.tuned th, table.tuned td { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; }
`;
