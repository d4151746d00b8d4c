import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, tf } from '@siamese-lab/backend';
import { loadRunData, parseExperimentFile, runExperiment, runSpecSchema, trainRun, type NanDetail } from '@siamese-lab/runner';
import { openRunStore } from '@siamese-lab/store';
import { tempFolder } from './helpers.ts';

/** Runs an experiment written inline into a fresh database; returns its runs with their metrics. */
async function runInline(yaml: string) {
  const folder = tempFolder();
  const file = join(folder, 'experiment.yaml');
  writeFileSync(file, yaml);
  const experiment = parseExperimentFile(file);
  const store = openRunStore(join(folder, 'runs.sqlite'));
  try {
    await runExperiment(experiment, { store });
    return store.listRuns({ experiment: experiment.name }).map((run) => ({ ...run, metrics: store.getFinalMetrics(run.id) }));
  } finally {
    store.close();
  }
}

const smallTower = `
  backend: blas
  model: { tower_a: { hidden: [32] } }
  evaluation: { test_limit: 500, verification_pairs: 200, store_checkpoint: false, store_embeddings: false }`;

describe("the seed's claims, on small real runs", () => {
  it('eps = 0 with identical pairs reaches NaN; eps = 1e-6 on the same pairs does not', async () => {
    // 8 training images, 8 pairs a batch drawn with replacement: image-with-itself pairs (d = 0) come within a few steps.
    const runs = await runInline(`name: epsilon-claim
base:${smallTower}
  data: { train_limit: 8 }
  sampler: { kind: with_replacement, batch_size: 8 }
  training: { steps: 20, log_every: 5 }
sweep:
  grid:
    loss.epsilon: [0, 1.0e-6]
`);
    const [exact, stabilised] = runs;
    expect(exact.params['loss.epsilon']).toBe(0);
    expect(exact.status).toBe('nan');
    expect(exact.firstNanStep).not.toBeNull();
    const zeroPairs = (exact.nanDetail as NanDetail).zeroDistancePairs;
    expect(zeroPairs.length).toBeGreaterThan(0);
    expect(zeroPairs.some((pair) => pair.leftIndex === pair.rightIndex)).toBe(true);

    // Same seed, so the same pairs: the stabilised run trained through the batch that poisoned the exact one.
    expect(stabilised.params['loss.epsilon']).toBe(1e-6);
    expect(stabilised.status).toBe('completed');
    expect(stabilised.nanSteps).toBe(0);
    expect(stabilised.stepsDone).toBe(20);
    expect(stabilised.metrics.non_finite).toBe(0);
  });

  /*
   * Floor from measurement (packages/regression/measurements/nn-floor.yaml, eight seeds, blas and
   * cpu identical to 0.004): after 1 step the 1-NN accuracy on 500 MNIST test images is 0.13-0.22,
   * after 300 steps 0.278-0.458. The floor 0.25 is above every untrained value and below every
   * trained one (chance is 0.1).
   */
  const floor = 0.25;
  const steps = 300;
  it(`1-NN accuracy on MNIST test beats ${floor} after ${steps} steps of the seed's SGD (and not after 1 step)`, async () => {
    const runs = await runInline(`name: floor-claim
base:${smallTower}
  data: { train_limit: 1000 }
  sampler: { batch_size: 32 }
  training: { log_every: 50 }
sweep:
  grid:
    training.steps: [1, ${steps}]
  seeds: [1, 2]
`);
    const accuracy = (stepsDone: number) => runs.filter((run) => run.stepsDone === stepsDone).map((run) => run.metrics.nn_accuracy!);
    expect(accuracy(steps)).toHaveLength(2);
    for (const value of accuracy(steps)) expect(value).toBeGreaterThan(floor);
    for (const value of accuracy(1)) expect(value).toBeLessThan(floor);
  });

  describe('shared weights', () => {
    beforeAll(async () => {
      await selectBackend('blas');
    });

    async function trained(shareWeights: boolean) {
      const spec = runSpecSchema.parse({
        seed: 3,
        data: { train_limit: 500 },
        model: { share_weights: shareWeights, tower_a: { hidden: [32] } },
        sampler: { batch_size: 32 },
        training: { steps: 30, log_every: 10 },
      });
      const data = loadRunData(spec.data);
      return { model: (await trainRun(spec, data)).model, images: data.test.images.subarray(0, 64 * 784) };
    }

    it('embeds both inputs of an identical pair to the same point, after training', async () => {
      const { model, images } = await trained(true);
      const batch = tf.tensor2d(images, [64, 784]);
      const sides = tf.tidy(() => model.embedPair(batch, batch));
      const [left, right] = sides.map((side) => side.dataSync() as Float32Array);
      tf.dispose([batch, ...sides]);
      expect(Array.from(left)).toEqual(Array.from(right));
      expect(new Set(left).size).toBeGreaterThan(10); // not a degenerate constant embedding
      expect(Array.from(model.embedAll(images, 64, 'b'))).toEqual(Array.from(model.embedAll(images, 64, 'a')));
      model.dispose();
    });

    it('does not, with separate weights (so the test above can fail)', async () => {
      const { model, images } = await trained(false);
      const left = model.embedAll(images, 64, 'a');
      const right = model.embedAll(images, 64, 'b');
      expect(Array.from(left)).not.toEqual(Array.from(right));
      model.dispose();
    });
  });
});
