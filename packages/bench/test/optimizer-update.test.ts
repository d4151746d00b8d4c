import { expect, test } from 'vitest';
import { availableBackends } from '@siamese-lab/backend';
import { DEFAULT_BENCH_OPTIONS } from '../src/index.ts';
import { optimizerUpdateSection, seedParameterShapes, UPDATE_ARRAYS } from '../src/optimizer-update.ts';

test("the update is measured over the seed's parameters: 784*1024+1024 + 1024*1024+1024 + 1024*2+2", () => {
  const count = seedParameterShapes().reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
  expect(count).toBe(784 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 2 + 2);
  // SGD reads the value and the gradient and writes the value; Adam reads both moments too and writes them.
  expect(UPDATE_ARRAYS.sgd.read + UPDATE_ARRAYS.sgd.written).toBe(3);
  expect(UPDATE_ARRAYS.adam.read + UPDATE_ARRAYS.adam.written).toBe(7);
});

test.skipIf(!(await availableBackends()).includes('blas'))(
  'the section reports the update and the triad of one run, and their ratio, in its JSON',
  async () => {
    const report = await optimizerUpdateSection.run({ ...DEFAULT_BENCH_OPTIONS, blasThreads: 1, log: () => {} });
    const ratio = report.json.optimizer_update_ratio_to_triad as { sgd: number; adam: number; threads: number };
    expect(ratio.threads).toBe(1);
    for (const kind of ['sgd', 'adam'] as const) expect(ratio[kind]).toBeGreaterThan(0);
    const { results } = report.json.optimizer_update as { results: Array<{ adam: { ratio_to_triad: number; update_gb_per_s: number } }> };
    expect(results).toHaveLength(1); // one thread asked for: no second measurement
    expect(results[0].adam.ratio_to_triad).toBe(ratio.adam);
    expect(report.lines.join('\n')).toMatch(/triad .* GB\/s/);
  },
  60_000,
);
