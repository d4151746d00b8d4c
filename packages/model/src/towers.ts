import { denseLayer, tf } from '@siamese-lab/backend';

export const activations = ['relu', 'tanh', 'sigmoid', 'linear'] as const;
export type Activation = (typeof activations)[number];

/** The seed's sister: a multi-layer perceptron. Hidden sizes exclude the embedding layer. */
export interface MlpTowerSpec {
  kind: 'mlp';
  hidden: number[];
  activation: Activation;
  init_stddev: number;
  bias_init: number;
}

export type TowerSpec = MlpTowerSpec;

/** One sister network: maps a batch of flattened inputs to embeddings. */
export interface Tower {
  readonly name: string;
  readonly inputSize: number;
  readonly embeddingDim: number;
  readonly variables: tf.Variable[];
  /** `inputIsData`: the input needs no gradient (saves the first layer's input-gradient product). */
  apply(input: tf.Tensor2D, inputIsData?: boolean): tf.Tensor2D;
  dispose(): void;
}

interface DenseParameters {
  weights: tf.Variable;
  bias: tf.Variable;
  activation: Activation;
}

let towerCount = 0;

/**
 * Weights are drawn from a truncated normal (|x| < 2σ, as TensorFlow's initializer) with the
 * given seed, so the same seed gives the same initial network on every backend.
 */
export function createMlpTower(spec: MlpTowerSpec, inputSize: number, embeddingDim: number, seed: number, name = 'tower'): Tower {
  const sizes = [inputSize, ...spec.hidden, embeddingDim];
  const prefix = `${name}_${++towerCount}`;
  const layers: DenseParameters[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const isLast = i + 2 === sizes.length;
    // tf.variable copies its initial value; tidy frees the initial tensors.
    const weights = tf.tidy(() =>
      tf.variable(tf.truncatedNormal([sizes[i], sizes[i + 1]], 0, spec.init_stddev, 'float32', seed * 7919 + i * 104729 + 1), true, `${prefix}/dense_${i}/weights`),
    );
    const bias = tf.tidy(() => tf.variable(tf.fill([sizes[i + 1]], spec.bias_init), true, `${prefix}/dense_${i}/bias`));
    layers.push({ weights, bias, activation: isLast ? 'linear' : spec.activation });
  }
  return {
    name,
    inputSize,
    embeddingDim,
    variables: layers.flatMap((layer) => [layer.weights, layer.bias]),
    apply(input, inputIsData = true) {
      let x = input;
      layers.forEach((layer, index) => {
        const fused = layer.activation === 'relu' ? 'relu' : 'linear';
        let y = denseLayer(x, layer.weights as tf.Variable<tf.Rank.R2>, layer.bias as tf.Variable<tf.Rank.R1>, {
          activation: fused,
          inputNeedsGradient: index > 0 || !inputIsData,
        });
        if (layer.activation === 'tanh') y = tf.tanh(y);
        if (layer.activation === 'sigmoid') y = tf.sigmoid(y);
        x = y;
      });
      return x;
    },
    dispose() {
      for (const layer of layers) {
        layer.weights.dispose();
        layer.bias.dispose();
      }
    },
  };
}

export function createTower(spec: TowerSpec, inputSize: number, embeddingDim: number, seed: number, name: string): Tower {
  switch (spec.kind) {
    case 'mlp':
      return createMlpTower(spec, inputSize, embeddingDim, seed, name);
  }
}
