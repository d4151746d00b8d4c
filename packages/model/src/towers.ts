import { denseLayer, tf } from '@siamese-lab/backend';
import { ModelInputError } from './input-error.ts';

import type { Activation } from './tower-kinds.ts';

/** The seed's sister: a multi-layer perceptron. Hidden sizes exclude the embedding layer. */
export interface MlpTowerSpec {
  kind: 'mlp';
  hidden: number[];
  activation: Activation;
  init_stddev: number;
  bias_init: number;
  /** Pins this tower's output size; must equal the model's `embedding_dim` (checked). */
  embedding_dim?: number;
}

/**
 * A small LeNet-style sister: per entry of `channels`, a k x k convolution ('same' padding) →
 * activation → 2x2 max-pool (odd sides are cropped), then the `hidden` dense layers and a linear
 * embedding layer. Input images come flattened; their shape is the dataset's rows x cols x channels (HWC).
 */
export interface CnnTowerSpec {
  kind: 'cnn';
  channels: number[];
  /** Odd kernel side. */
  kernel_size: number;
  hidden: number[];
  activation: Activation;
  /** Truncated-normal standard deviation of every weight; when absent, He scaling sqrt(2 / fan_in) per layer. */
  init_stddev?: number;
  bias_init: number;
  embedding_dim?: number;
}

export type TowerSpec = MlpTowerSpec | CnnTowerSpec;

/** Image shape of a tower's flattened input, row-major HWC. */
export interface ImageShape {
  rows: number;
  cols: number;
  /** Values per pixel (default 1: grayscale). */
  channels?: number;
}

/** The number of values in one flattened image. */
const valuesPerImage = (image: ImageShape): number => image.rows * image.cols * (image.channels ?? 1);

/** One sister network: maps a batch of flattened inputs to embeddings. */
export interface Tower {
  readonly name: string;
  readonly kind: TowerSpec['kind'];
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
 * A truncated normal (|x| < 2σ, as TensorFlow's initializer) drawn with the given seed, so the
 * same seed gives the same initial network on every backend.
 */
function seededVariable(shape: number[], stddev: number, seed: number, name: string): tf.Variable {
  // tf.variable copies its initial value; tidy frees the initial tensor.
  return tf.tidy(() => tf.variable(tf.truncatedNormal(shape, 0, stddev, 'float32', seed), true, name));
}

function constantVariable(size: number, value: number, name: string): tf.Variable {
  return tf.tidy(() => tf.variable(tf.fill([size], value), true, name));
}

/** Dense layers sizes[0] → sizes[1] → ...; the last is linear (the embedding). */
function createDenseStack(
  sizes: number[],
  activation: Activation,
  stddevOf: (fanIn: number) => number,
  biasInit: number,
  seed: number,
  prefix: string,
  seedOffset = 0,
): DenseParameters[] {
  const layers: DenseParameters[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const isLast = i + 2 === sizes.length;
    const weights = seededVariable(
      [sizes[i], sizes[i + 1]],
      stddevOf(sizes[i]),
      seed * 7919 + (i + seedOffset) * 104729 + 1,
      `${prefix}/dense_${i}/weights`,
    );
    const bias = constantVariable(sizes[i + 1], biasInit, `${prefix}/dense_${i}/bias`);
    layers.push({ weights, bias, activation: isLast ? 'linear' : activation });
  }
  return layers;
}

/** One dense layer with its activation: ReLU is fused into the (native, on `blas`) product. */
function applyDense(x: tf.Tensor2D, layer: DenseParameters, inputNeedsGradient: boolean): tf.Tensor2D {
  const fused = layer.activation === 'relu' ? 'relu' : 'linear';
  const y = denseLayer(x, layer.weights, layer.bias, { activation: fused, inputNeedsGradient });
  if (layer.activation === 'tanh') return tf.tanh(y);
  if (layer.activation === 'sigmoid') return tf.sigmoid(y);
  return y;
}

export function createMlpTower(spec: MlpTowerSpec, inputSize: number, embeddingDim: number, seed: number, name = 'tower'): Tower {
  const prefix = `${name}_${++towerCount}`;
  const layers = createDenseStack(
    [inputSize, ...spec.hidden, embeddingDim],
    spec.activation,
    () => spec.init_stddev,
    spec.bias_init,
    seed,
    prefix,
  );
  return {
    name,
    kind: 'mlp',
    inputSize,
    embeddingDim,
    variables: layers.flatMap((layer) => [layer.weights, layer.bias]),
    apply(input, inputIsData = true) {
      let x = input;
      layers.forEach((layer, index) => {
        x = applyDense(x, layer, index > 0 || !inputIsData);
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

/**
 * The gradient of a stride-1 'same' convolution with respect to its kernel, itself computed as a
 * convolution (the wasm and blas backends have no Conv2DBackpropFilter kernel, but a fast
 * forward conv2d): with the input channels as the batch and the batch as the channels, sliding
 * the output gradient over the padded input sums x * dy over batch and positions per kernel tap.
 */
function kernelGradient(x: tf.Tensor4D, dy: tf.Tensor4D, kernelSize: number): tf.Tensor4D {
  const pad = (kernelSize - 1) / 2;
  const padded =
    pad > 0
      ? tf.pad(x, [
          [0, 0],
          [pad, pad],
          [pad, pad],
          [0, 0],
        ])
      : x;
  const inputsAsBatch = tf.transpose(padded, [3, 1, 2, 0]); // [in, rows + 2p, cols + 2p, batch]
  const gradientAsFilter = tf.transpose(dy, [1, 2, 0, 3]); // [rows, cols, batch, out]
  return tf.transpose(tf.conv2d(inputsAsBatch, gradientAsFilter, 1, 'valid'), [1, 2, 0, 3]); // [k, k, in, out]
}

/** The gradient with respect to the input: the output gradient convolved with the flipped, transposed kernel. */
function inputGradient(dy: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  const flipped = tf.transpose<tf.Tensor4D>(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]);
  return tf.conv2d(dy, flipped, 1, 'same');
}

/**
 * A stride-1 'same' k x k convolution (odd k) whose gradients are convolutions too, so it trains
 * on every backend. `inputNeedsGradient` false treats `x` as data and skips the input gradient.
 */
function convolution(x: tf.Tensor4D, kernel: tf.Variable, kernelSize: number, inputNeedsGradient: boolean): tf.Tensor4D {
  if (!inputNeedsGradient) {
    const withKernel = tf.customGrad<tf.Tensor4D>(((w: tf.Tensor4D, save: tf.GradSaveFunc) => {
      save([w]);
      return { value: tf.conv2d(x, w, 1, 'same'), gradFunc: (dy: tf.Tensor4D) => [kernelGradient(x, dy, kernelSize)] };
    }) as never);
    return withKernel(kernel);
  }
  const withBoth = tf.customGrad<tf.Tensor4D>(((input: tf.Tensor4D, w: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([input, w]);
    return {
      value: tf.conv2d(input, w, 1, 'same'),
      gradFunc: (dy: tf.Tensor4D, [savedInput, savedKernel]: tf.Tensor[]) => [
        inputGradient(dy, savedKernel as tf.Tensor4D),
        kernelGradient(savedInput as tf.Tensor4D, dy, kernelSize),
      ],
    };
  }) as never);
  return withBoth(x, kernel);
}

function activate(x: tf.Tensor4D, activation: Activation): tf.Tensor4D {
  if (activation === 'relu') return tf.relu(x);
  if (activation === 'tanh') return tf.tanh(x);
  if (activation === 'sigmoid') return tf.sigmoid(x);
  return x;
}

/** A CNN tower's convolution kernels ([k, k, in, out] each) and the flattened size they leave for the dense layers. */
function cnnLayout(
  spec: CnnTowerSpec,
  image: ImageShape,
  name: string,
): { kernels: Array<[number, number, number, number]>; flatSize: number } {
  const k = spec.kernel_size;
  if (!Number.isInteger(k) || k < 1 || k % 2 === 0) {
    throw new Error(`kernel_size must be an odd whole number, got ${k}`);
  }
  const kernels: Array<[number, number, number, number]> = [];
  let rows = image.rows,
    cols = image.cols,
    channels = image.channels ?? 1;
  for (const outChannels of spec.channels) {
    if (rows < 2 || cols < 2) {
      throw new ModelInputError(
        `${name}: ${image.rows}x${image.cols} images are too small for ${spec.channels.length} convolution + pooling stages`,
        `${name}.channels`,
        'use fewer convolution layers',
      );
    }
    kernels.push([k, k, channels, outChannels]);
    rows = Math.floor(rows / 2);
    cols = Math.floor(cols / 2);
    channels = outChannels;
  }
  return { kernels, flatSize: rows * cols * channels };
}

/** Weights and biases of dense layers sizes[0] → sizes[1] → ... */
function denseParameterCount(sizes: number[]): number {
  let count = 0;
  for (let i = 0; i + 1 < sizes.length; i++) count += sizes[i] * sizes[i + 1] + sizes[i + 1];
  return count;
}

/**
 * How many numbers a tower's weights hold, without building it (a model too large for memory
 * can be refused before anything is allocated).
 */
export function towerParameterCount(spec: TowerSpec, inputSize: number, embeddingDim: number, name: string, image?: ImageShape): number {
  if (spec.kind === 'mlp') return denseParameterCount([inputSize, ...spec.hidden, embeddingDim]);
  const { kernels, flatSize } = cnnLayout(spec, image ?? inferImageShape(inputSize), name);
  const convolutions = kernels.reduce((sum, [rows, cols, inputs, outputs]) => sum + rows * cols * inputs * outputs + outputs, 0);
  return convolutions + denseParameterCount([flatSize, ...spec.hidden, embeddingDim]);
}

export function createCnnTower(spec: CnnTowerSpec, image: ImageShape, embeddingDim: number, seed: number, name = 'tower'): Tower {
  const k = spec.kernel_size;
  const { kernels, flatSize } = cnnLayout(spec, image, name);
  const prefix = `${name}_${++towerCount}`;
  const stddevOf = (fanIn: number) => spec.init_stddev ?? Math.sqrt(2 / fanIn);
  const convLayers: DenseParameters[] = kernels.map((shape, i) => ({
    weights: seededVariable(shape, stddevOf(k * k * shape[2]), seed * 7919 + i * 104729 + 3, `${prefix}/conv_${i}/kernel`),
    bias: constantVariable(shape[3], spec.bias_init, `${prefix}/conv_${i}/bias`),
    activation: spec.activation,
  }));
  const denseLayers = createDenseStack(
    [flatSize, ...spec.hidden, embeddingDim],
    spec.activation,
    stddevOf,
    spec.bias_init,
    seed,
    prefix,
    spec.channels.length,
  );
  const layers = [...convLayers, ...denseLayers];
  return {
    name,
    kind: 'cnn',
    inputSize: valuesPerImage(image),
    embeddingDim,
    variables: layers.flatMap((layer) => [layer.weights, layer.bias]),
    apply(input, inputIsData = true) {
      const batch = input.shape[0];
      let x = tf.reshape<tf.Rank.R4>(input, [batch, image.rows, image.cols, image.channels ?? 1]);
      convLayers.forEach((layer, index) => {
        const convolved = tf.add<tf.Tensor4D>(convolution(x, layer.weights, k, index > 0 || !inputIsData), layer.bias);
        // 'valid' pooling drops an odd last row or column (7x7 becomes 3x3).
        x = tf.maxPool(activate(convolved, layer.activation), 2, 2, 'valid');
      });
      let flat = tf.reshape<tf.Rank.R2>(x, [batch, flatSize]);
      for (const layer of denseLayers) flat = applyDense(flat, layer, true);
      return flat;
    },
    dispose() {
      for (const layer of layers) {
        layer.weights.dispose();
        layer.bias.dispose();
      }
    },
  };
}

/** A square image of `inputSize` pixels, when no shape is given. */
function inferImageShape(inputSize: number): ImageShape {
  const side = Math.round(Math.sqrt(inputSize));
  if (side * side !== inputSize) {
    throw new Error(`a convolutional tower needs image inputs, but ${inputSize} features are not a square image (pass the image shape)`);
  }
  return { rows: side, cols: side };
}

export function createTower(
  spec: TowerSpec,
  inputSize: number,
  embeddingDim: number,
  seed: number,
  name: string,
  image?: ImageShape,
): Tower {
  switch (spec.kind) {
    case 'mlp':
      return createMlpTower(spec, inputSize, embeddingDim, seed, name);
    case 'cnn': {
      const shape = image ?? inferImageShape(inputSize);
      if (valuesPerImage(shape) !== inputSize) {
        throw new Error(`image ${shape.rows}x${shape.cols}x${shape.channels ?? 1} does not hold ${inputSize} features`);
      }
      return createCnnTower(spec, shape, embeddingDim, seed, name);
    }
  }
}
