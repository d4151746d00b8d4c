// The batch losses are tfjs graphs: they must run, with their gradients, on every backend the lab
// trains on (the blas backend is wasm's kernels plus native matrix products; wasm lacks some of
// cpu's kernels, e.g. the UnsortedSegmentSum of a gather's gradient), and agree with cpu.
import { describe, expect, test } from 'vitest';
import { availableBackends, selectBackend, tf } from '@siamese-lab/backend';
import { buildBatchLoss, lossSettingsSchema } from '../src/index.ts';
import { labelsOf, seededMatrix } from './gradient-check.ts';

const backends = (await availableBackends()).filter((name) => name === 'blas' || name === 'wasm');

const specs = [
  { kind: 'contrastive_all_pairs' },
  { kind: 'contrastive_all_pairs', distance: 'cosine', miner: 'multi_similarity' },
  { kind: 'triplet' },
  { kind: 'triplet', miner: 'batch_hard', normalize: false },
  { kind: 'triplet', miner: 'semi_hard', margin: 0.3 },
  { kind: 'multi_similarity' },
  { kind: 'multi_similarity', miner: 'multi_similarity' },
  { kind: 'nt_xent' },
  { kind: 'proxy_anchor' },
];

/** Loss, gradient in the embeddings and (proxy_anchor) in the proxies, on `backend`. */
async function evaluate(backend: string, spec: object): Promise<Float32Array[]> {
  await selectBackend(backend as 'cpu');
  const loss = buildBatchLoss(lossSettingsSchema.parse(spec), { numClasses: 3, embeddingSize: 5, seed: 4 })!;
  const x = tf.variable(seededMatrix(12, 5, 8), true);
  const labels = labelsOf([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
  const variables = [x, ...(loss.variables ?? [])];
  const { value, grads } = tf.variableGrads(() => loss(x, labels), variables);
  const results = [value, ...variables.map((v) => grads[v.name])].map((t) => t.dataSync() as Float32Array);
  tf.dispose([value, ...Object.values(grads), labels, ...variables]);
  return results;
}

describe.skipIf(backends.length === 0)('batch losses on the lab backends', () => {
  for (const spec of specs) {
    test(`${JSON.stringify(spec)}: value and gradients as on cpu (${backends.join(', ')})`, async () => {
      const expected = await evaluate('cpu', spec);
      for (const backend of backends) {
        const actual = await evaluate(backend, spec);
        expect(actual.length).toBe(expected.length);
        actual.forEach((values, k) => {
          const scale = Math.max(...Array.from(expected[k], Math.abs));
          values.forEach((v, i) =>
            expect(Math.abs(v - expected[k][i]), `${backend}, tensor ${k}`).toBeLessThanOrEqual(1e-4 * Math.max(scale, 1e-3)),
          );
        });
      }
    });
  }
});
