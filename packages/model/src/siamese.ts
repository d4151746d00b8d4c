import { stackedHalves, tf } from '@siamese-lab/backend';
import { ModelInputError } from './input-error.ts';
import { createTower, towerParameterCount, type ImageShape, type Tower, type TowerSpec } from './towers.ts';

export interface ModelSpec {
  /** One set of weights for both sisters (the seed), or one per sister. */
  share_weights: boolean;
  embedding_dim: number;
  tower_a: TowerSpec;
  /**
   * Only when share_weights is false; defaults to tower_a's architecture with its own weights.
   * May be another architecture (e.g. a CNN beside an MLP) as long as the embedding sizes match.
   * null means none (lets a sweep switch between shared and distinct arms).
   */
  tower_b?: TowerSpec | null;
}

export interface SiameseModel {
  readonly spec: ModelSpec;
  readonly towers: readonly Tower[];
  readonly trainableVariables: tf.Variable[];
  /** Embeddings of the left and right inputs of a batch of pairs. */
  embedPair(left: tf.Tensor2D, right: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D];
  /**
   * Embeddings of inputs stacked in one tensor, `batchSize` left rows then `batchSize` right rows
   * (both sides must have the same input size), stacked the same way. A shared tower embeds the
   * whole stack in one pass: no joining of two uploads before it, no slicing after it.
   */
  embedStacked(stacked: tf.Tensor2D, batchSize: number): tf.Tensor2D;
  /** Embeds many inputs through one side, in chunks, outside any gradient tape. */
  embedAll(inputs: Float32Array, count: number, side: 'a' | 'b', chunkSize?: number): Float32Array;
  /** Weights by name, for checkpoints. */
  exportWeights(): Array<{ name: string; shape: number[]; values: Float32Array }>;
  dispose(): void;
}

export interface ModelInputs {
  /** Flattened input size of each side, rows x cols x channels (784 for MNIST; differs for two-source data). */
  inputSizeA: number;
  inputSizeB: number;
  /** Image shape of each side, for convolutional towers (square images are inferred when absent). */
  imageShapeA?: ImageShape;
  imageShapeB?: ImageShape;
  seed: number;
}

/** A tower may pin its own embedding size; it must agree with the model's (the distance compares the two; the settings schema checks it). */
function checkEmbeddingSize(spec: ModelSpec, tower: TowerSpec, name: string): void {
  if (tower.embedding_dim !== undefined && tower.embedding_dim !== spec.embedding_dim) {
    throw new Error(`${name} outputs ${tower.embedding_dim}-dimensional embeddings but the model's embedding_dim is ${spec.embedding_dim}`);
  }
}

/** Shared weights are one tower: both inputs must have its input size (bad input: the data decides). */
function checkSharedInputs(spec: ModelSpec, inputs: Omit<ModelInputs, 'seed'>): void {
  const sameImages =
    inputs.imageShapeA === undefined ||
    inputs.imageShapeB === undefined ||
    (inputs.imageShapeA.rows === inputs.imageShapeB.rows &&
      inputs.imageShapeA.cols === inputs.imageShapeB.cols &&
      (inputs.imageShapeA.channels ?? 1) === (inputs.imageShapeB.channels ?? 1));
  if (spec.share_weights && (inputs.inputSizeA !== inputs.inputSizeB || (spec.tower_a.kind === 'cnn' && !sameImages))) {
    throw new ModelInputError(
      `shared weights need both inputs of the same size, got ${inputs.inputSizeA} and ${inputs.inputSizeB}`,
      'share_weights',
      'set share_weights: false to give each sister its own weights',
    );
  }
}

/** How many numbers each tower's weights hold (tower B: 0 when the weights are shared), without building the model. */
export function modelParameterCount(spec: ModelSpec, inputs: Omit<ModelInputs, 'seed'>): { towerA: number; towerB: number } {
  checkSharedInputs(spec, inputs);
  const towerA = towerParameterCount(spec.tower_a, inputs.inputSizeA, spec.embedding_dim, 'tower_a', inputs.imageShapeA);
  if (spec.share_weights) return { towerA, towerB: 0 };
  const towerB = spec.tower_b ?? spec.tower_a;
  return { towerA, towerB: towerParameterCount(towerB, inputs.inputSizeB, spec.embedding_dim, 'tower_b', inputs.imageShapeB) };
}

export function createSiameseModel(spec: ModelSpec, inputs: ModelInputs): SiameseModel {
  checkSharedInputs(spec, inputs);
  if (spec.share_weights && spec.tower_b != null) throw new Error('tower_b is only used when share_weights is false');
  checkEmbeddingSize(spec, spec.tower_a, 'tower_a');
  if (spec.tower_b != null) checkEmbeddingSize(spec, spec.tower_b, 'tower_b');
  const towerA = createTower(spec.tower_a, inputs.inputSizeA, spec.embedding_dim, inputs.seed, 'tower_a', inputs.imageShapeA);
  const towerB = spec.share_weights
    ? towerA
    : createTower(
        spec.tower_b ?? spec.tower_a,
        inputs.inputSizeB,
        spec.embedding_dim,
        inputs.seed + 1_000_003,
        'tower_b',
        inputs.imageShapeB,
      );
  const towers = spec.share_weights ? [towerA] : [towerA, towerB];

  return {
    spec,
    towers,
    trainableVariables: towers.flatMap((tower) => tower.variables),
    embedPair(left, right) {
      if (!spec.share_weights) return [towerA.apply(left), towerB.apply(right)];
      // Shared weights: one pass over a batch of both inputs makes each matrix product twice as
      // tall, which BLAS runs faster than two half-size products.
      return stackedHalves(towerA.apply(tf.concat2d([left, right], 0)));
    },
    embedStacked(stacked, batchSize) {
      if (inputs.inputSizeA !== inputs.inputSizeB || stacked.shape[0] !== 2 * batchSize) {
        // A caller's bug, not a setting at fault: samplers stack only batches of one input size.
        throw new Error(
          `embedStacked needs ${2 * batchSize} rows of one input size; got ${stacked.shape[0]} rows, input sizes ${inputs.inputSizeA} and ${inputs.inputSizeB}`,
        );
      }
      if (spec.share_weights) return towerA.apply(stacked);
      const [left, right] = stackedHalves(stacked);
      return tf.concat2d([towerA.apply(left), towerB.apply(right)], 0);
    },
    embedAll(data, count, side, chunkSize = 2000) {
      const tower = side === 'a' ? towerA : towerB;
      const out = new Float32Array(count * tower.embeddingDim);
      for (let start = 0; start < count; start += chunkSize) {
        const rows = Math.min(chunkSize, count - start);
        const chunk = tf.tidy(() => {
          const x = tf.tensor2d(data.subarray(start * tower.inputSize, (start + rows) * tower.inputSize), [rows, tower.inputSize]);
          return tower.apply(x);
        });
        out.set(chunk.dataSync(), start * tower.embeddingDim);
        chunk.dispose();
      }
      return out;
    },
    exportWeights() {
      return towers.flatMap((tower) =>
        tower.variables.map((variable) => ({
          name: `${tower.name}/${variable.name.split('/').slice(1).join('/')}`,
          shape: variable.shape.slice(),
          values: variable.dataSync() as Float32Array,
        })),
      );
    },
    dispose() {
      for (const tower of towers) tower.dispose();
    },
  };
}
