import { describe, expect, it } from 'vitest';
import type { Claim } from '@siamese-lab/stats';
import { buildCharts } from '../src/charts/index.ts';
import { claimsSectionHtml } from '../src/claims-section.ts';
import { intervalChart } from '../src/charts/intervals.ts';
import { chartSvg } from '../src/render.ts';
import { makeInput, makeRun, xssText } from './helpers.ts';

const anisotropy = { adam: [1.691, 1.598, 1.858, 1.555, 1.457, 1.555], sgd: [1.397, 1.367, 1.302, 1.398, 1.372, 1.306] };

function sweepInput(claims: Claim[]) {
  const runs = (['adam', 'sgd'] as const).flatMap((optimizer) =>
    anisotropy[optimizer].map((value, index) =>
      makeRun({
        runId: `${optimizer}-${index + 1}`,
        params: { 'optimizer.name': optimizer, seed: index + 1 },
        metrics: { anisotropy: value, nn_accuracy: 0.8 + index / 100 },
      }),
    ),
  );
  return makeInput(runs, { sweepKeys: ['optimizer.name', 'seed'], claims });
}

const claim = (higher: string, lower: string): Claim => ({
  metric: 'anisotropy',
  by: 'optimizer.name',
  expect: `${higher} > ${lower}`,
  expectation: { kind: 'order', higher, lower },
});

describe('the "Claims and comparisons" section', () => {
  it('shows each claim with its verdict and numbers', () => {
    const html = claimsSectionHtml(sweepInput([claim('adam', 'sgd'), claim('sgd', 'adam')]));
    expect(html).toContain('<h2>Claims and comparisons</h2>');
    expect(html).toMatch(/<span class="verdict verdict-holds">holds<\/span> <b>anisotropy adam &gt; sgd \(by optimizer.name\)<\/b>/);
    expect(html).toMatch(/<span class="verdict verdict-fails">fails<\/span> <b>anisotropy sgd &gt; adam/);
    expect(html).toContain('1 hold, 1 fail, 0 undecided.');
    expect(html).toContain('p = 0.0047 (Welch), 0.0022 (permutation, exact), n = 6 vs 6');
  });

  it('says when an experiment states no claims, and escapes what it prints', () => {
    expect(claimsSectionHtml(sweepInput([]))).toMatch(/states no claims/);
    const hostile = sweepInput([{ ...claim('adam', 'sgd'), expect: xssText }]);
    expect(claimsSectionHtml(hostile)).not.toContain('<img');
  });

  it('comes first in the report, and its interval plot is the first chart', () => {
    const charts = buildCharts(sweepInput([claim('adam', 'sgd')]), { maxPointsPerRun: 100, maxCurvePointsPerRun: 100 });
    expect(charts[0].id).toBe('intervals');
  });

  it('the interval plot: one panel per swept parameter and metric, a mean and a 95% interval per group', async () => {
    const chart = intervalChart(sweepInput([claim('adam', 'sgd')]));
    expect(chart.emptyReason).toBeUndefined();
    const spec = chart.spec as unknown as {
      vconcat: Array<{
        hconcat: Array<{ title: string; data: { values: Array<{ value: string; mean: number; low: number; high: number; n: number }> } }>;
      }>;
    };
    expect(spec.vconcat).toHaveLength(1);
    expect(spec.vconcat[0].hconcat.map((panel) => panel.title)).toEqual(['anisotropy by optimizer.name', 'nn_accuracy by optimizer.name']);
    const [adam, sgd] = spec.vconcat[0].hconcat[0].data.values;
    expect(adam.value).toBe('adam');
    expect(adam.n).toBe(6);
    // scipy's t interval of the same six values (packages/stats/test/fixtures).
    expect(sgd.low).toBeCloseTo(1.311906005769715, 9);
    expect(sgd.high).toBeCloseTo(1.402093994230285, 9);
    expect(await chartSvg(chart)).toContain('<svg');
  });

  it('has nothing to draw when no parameter has two values', () => {
    const single = makeInput([makeRun({ runId: '1', params: { seed: 1 }, metrics: { anisotropy: 1.2 } })], { sweepKeys: ['seed'] });
    expect(intervalChart(single).emptyReason).toMatch(/no swept parameter/);
  });
});
