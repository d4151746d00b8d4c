/**
 * A sister network as plain data: what it takes and the layers it applies, in the terms and
 * layouts of the model that trained it (tfjs: images NHWC, dense weights [in, out], convolution
 * kernels [k, k, in, out]). No tfjs here: weights are plain Float32Arrays.
 */

export type LayerActivation = 'relu' | 'tanh' | 'sigmoid' | 'linear';

/** Multiply every value by `factor` (e.g. bytes to [0, 1]). */
export interface ScaleLayer {
  kind: 'scale';
  factor: number;
}

/** (value - mean[c]) / std[c] for channel c, as torchvision's Normalize. */
export interface NormalizeLayer {
  kind: 'normalize';
  mean: number[];
  std: number[];
}

/** A quarter turn clockwise: pixel (r, c) of a rows x cols image lands at (c, rows - 1 - r). */
export interface Rotate90Layer {
  kind: 'rotate90';
}

/** 1 - value. */
export interface InvertLayer {
  kind: 'invert';
}

/** `size` x `size` windows, stride `size`, no padding (an odd last row or column is dropped). */
export interface PoolLayer {
  kind: 'max_pool' | 'average_pool';
  size: number;
}

/** A stride-1 'same' convolution with an odd square kernel, then its bias and activation. */
export interface ConvLayer {
  kind: 'conv';
  /** [k, k, in, out], row-major (tfjs' layout). */
  kernel: Float32Array;
  kernelShape: [number, number, number, number];
  bias: Float32Array;
  activation: LayerActivation;
}

/** x W + b, then the activation. An image input is flattened first, in NHWC order (as tfjs' reshape does). */
export interface DenseLayer {
  kind: 'dense';
  /** [in, out], row-major. */
  weights: Float32Array;
  weightsShape: [number, number];
  bias: Float32Array;
  activation: LayerActivation;
}

export type SisterLayer = ScaleLayer | NormalizeLayer | Rotate90Layer | InvertLayer | PoolLayer | ConvLayer | DenseLayer;

/** One sister: its input's name and image shape, its layers in order, its output's name. */
export interface SisterDescription {
  inputName: string;
  /** One image of the input: rows x cols, with `channels` values per pixel (last, as NHWC). */
  image: { rows: number; cols: number; channels: number };
  layers: SisterLayer[];
  outputName: string;
  /** Name of the symbolic batch dimension of the input and output. */
  batchName?: string;
}

export interface ModelDescription {
  /** One sister (shared weights), or both (distinct weights): one graph, one input and output each. */
  sisters: SisterDescription[];
  graphName: string;
  producerVersion: string;
  docString?: string;
  /** Stored as the model's metadata_props. */
  metadata?: Record<string, string>;
}
