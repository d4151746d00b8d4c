// One training step of each loss family at batch 128 on the seed's MLP (784-1024-1024, embeddings
// of 64), next to the contrastive pair step, and the loss (with its miner) alone: forward and
// gradient on the batch's embeddings. The loss's share of the step says whether the network's
// products still dominate (the bound: at most 20%).
import { availableBackends, selectBackend, tf } from '@siamese-lab/backend';
import { buildBatchLoss, buildPairLoss, isBatchLossKind } from '@siamese-lab/losses';
import { createStepper, loadRunData, runSpecSchema, type RunSpec } from '@siamese-lab/runner';
import type { BenchOptions, BenchSection } from './bench-section.ts';

const EMBEDDING = 64;
const BATCH = 128;

/** Each loss as an experiment file's `loss` (and `sampler`) would write it, with its defaults. */
export const LOSS_CASES: Array<{ name: string; loss: Record<string, unknown> }> = [
  { name: 'contrastive (pairs)', loss: { kind: 'contrastive', margin: 1 } },
  { name: 'contrastive_all_pairs', loss: { kind: 'contrastive_all_pairs' } },
  { name: 'triplet (all triplets)', loss: { kind: 'triplet' } },
  { name: 'triplet + batch_hard', loss: { kind: 'triplet', miner: 'batch_hard' } },
  { name: 'triplet + semi_hard', loss: { kind: 'triplet', miner: 'semi_hard' } },
  { name: 'multi_similarity + miner', loss: { kind: 'multi_similarity', miner: 'multi_similarity' } },
  { name: 'nt_xent', loss: { kind: 'nt_xent' } },
  { name: 'proxy_anchor', loss: { kind: 'proxy_anchor' } },
];

function caseSpec(loss: Record<string, unknown>, backend: string): RunSpec {
  const batchLoss = isBatchLossKind(String(loss.kind));
  return runSpecSchema.parse({
    backend,
    data: { train_limit: 10_000 },
    model: { embedding_dim: EMBEDDING },
    loss,
    sampler: batchLoss ? { kind: 'class_balanced', batch_size: BATCH, items_per_class: 16 } : { kind: 'epoch', batch_size: BATCH },
    optimizer: { name: 'adam', learning_rate: 0.001 },
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Milliseconds of the loss alone: value and gradient on fixed embeddings of the step's shape. */
function lossAloneMs(spec: RunSpec, rounds: number): number {
  const random = tf.randomNormal([2 * BATCH, EMBEDDING], 0, 1, 'float32', 7);
  const labels = tf.tensor1d(
    Array.from({ length: BATCH }, (_, i) => Math.floor(i / 16)),
    'int32',
  );
  const timings: number[] = [];
  const batchLoss = buildBatchLoss(spec.loss, { numClasses: 10, embeddingSize: EMBEDDING, seed: 1 });
  const pairLoss = batchLoss ? undefined : buildPairLoss(spec.loss);
  const embeddings = tf.variable(
    batchLoss ? random.slice([0, 0], [BATCH, EMBEDDING]) : random,
    true,
    `bench_loss_embeddings_${spec.loss.kind}`,
  );
  const similar = tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 2));
  for (let round = 0; round < rounds + 2; round++) {
    const start = performance.now();
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        if (batchLoss) return batchLoss(embeddings as tf.Variable<tf.Rank.R2>, labels);
        const [left, right] = tf.split(embeddings, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
        return pairLoss!(left, right, similar);
      }, [embeddings, ...(batchLoss?.variables ?? [])]);
      value.dataSync();
      for (const gradient of Object.values(grads)) gradient.dataSync();
    });
    if (round >= 2) timings.push(performance.now() - start);
  }
  tf.dispose([random, labels, embeddings, similar, ...(batchLoss?.variables ?? [])]);
  return median(timings);
}

export interface LossStepTiming {
  name: string;
  loss: Record<string, unknown>;
  step_ms: number;
  loss_ms: number;
  /** The loss (and miner) alone over the whole step. */
  loss_share: number;
}

export const lossStepSection: BenchSection = {
  name: 'loss_step',
  async run(options: BenchOptions) {
    const backend = (await availableBackends()).includes('blas') ? 'blas' : 'cpu';
    await selectBackend(backend);
    const steps = Math.max(10, Math.round(options.steps / 5));
    const results: LossStepTiming[] = [];
    for (const { name, loss } of LOSS_CASES) {
      const spec = caseSpec(loss, backend);
      const stepper = createStepper(spec, loadRunData(spec.data));
      stepper.optimizer.setLearningRate(0.001);
      const times: number[] = [];
      for (let step = 0; step < steps + 3; step++) {
        const start = performance.now();
        stepper.step({ wantDistances: false, applyNonFinite: false });
        if (step >= 3) times.push(performance.now() - start);
      }
      stepper.dispose();
      stepper.model.dispose();
      const stepMs = median(times);
      const lossMs = lossAloneMs(spec, Math.max(5, Math.round(steps / 2)));
      results.push({ name, loss, step_ms: stepMs, loss_ms: lossMs, loss_share: lossMs / stepMs });
      options.log(`  loss_step ${name}: step ${stepMs.toFixed(2)} ms, loss alone ${lossMs.toFixed(2)} ms`);
    }
    const lines = [
      `Training step per loss at batch ${BATCH} (seed MLP 784-1024-1024-${EMBEDDING}, Adam, ${backend}; median of ${steps} steps; the pair step embeds ${2 * BATCH} images, the batch losses ${BATCH}):`,
      ...results.map(
        (result) =>
          `  ${result.name.padEnd(26)} step ${result.step_ms.toFixed(2).padStart(7)} ms   loss+miner alone ${result.loss_ms.toFixed(2).padStart(6)} ms   share ${(100 * result.loss_share).toFixed(1).padStart(5)}%`,
      ),
    ];
    return { lines, json: { loss_step: { backend, batch: BATCH, embedding: EMBEDDING, steps, results } } };
  },
};
