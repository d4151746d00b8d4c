// The `blas` backend: a second BackendWasm on the SAME wasm module as the `wasm` backend,
// with every wasm kernel registered again under the name 'blas' and the matrix products,
// convolutions (oneDNN primitives) and max pooling overridden by the native addon, working
// directly on the wasm heap (no copies).
import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from './tfjs.ts';
import type { BlasAddon, PairLossArgs } from './native-addon.ts';

export const BLAS_BACKEND = 'blas';
/** Custom kernels of the fused dense layer (see dense-layer.ts); registered for 'blas' only. */
export const DENSE_FORWARD_KERNEL = 'SiameseLabDense';
export const DENSE_BACKWARD_KERNEL = 'SiameseLabDenseGrad';
/** Custom kernels of the fused optimizer step (see fused-optimizer.ts); registered for 'blas' only. */
export const OPTIMIZER_UPDATE_KERNEL = 'SiameseLabOptimizerUpdate';
export const ALL_FINITE_KERNEL = 'SiameseLabAllFinite';
/** A copy into a buffer of its own (the fused optimizer's copy-on-write of a shared variable). */
export const OWNED_COPY_KERNEL = 'SiameseLabOwnedCopy';
/** Custom kernels of the fused pair loss (see pair-loss.ts); registered for 'blas' only. */
export const PAIR_LOSS_KERNEL = 'SiameseLabContrastiveLoss';
export const PAIR_LOSS_GRAD_KERNEL = 'SiameseLabContrastiveLossGrad';

const ACTIVATION_CODES: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, elu: 4, sigmoid: 5 };
const BIAS_NONE = 0,
  BIAS_SCALAR = 1,
  BIAS_PER_COLUMN = 2,
  BIAS_FULL_MATRIX = 3;

let registeredAddon: BlasAddon | undefined;

interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: NamedAttrMap;
}

function offsetOf(backend: BackendWasm, tensor: TensorInfo): number {
  return backend.dataIdMap.get(tensor.dataId).memoryOffset;
}

/** The heap as it is now: memory may have grown (and been replaced) since the last call. */
function heapOf(backend: BackendWasm): ArrayBuffer {
  return (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer as ArrayBuffer;
}

interface MatMulPlan {
  m: number;
  n: number;
  k: number;
  batch: number;
  aBatches: number;
  bBatches: number;
  outShape: number[];
}

/** Shapes of a batched product, or undefined when the batch dims need general broadcasting. */
function planMatMul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulPlan | undefined {
  const aRank = a.shape.length,
    bRank = b.shape.length;
  if (aRank < 2 || bRank < 2) return undefined;
  const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const kB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  if (k !== kB) return undefined;
  const outerA = a.shape.slice(0, -2),
    outerB = b.shape.slice(0, -2);
  const aBatches = tf.util.sizeFromShape(outerA),
    bBatches = tf.util.sizeFromShape(outerB);
  let outer: number[];
  try {
    outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return undefined;
  }
  const batch = tf.util.sizeFromShape(outer);
  // Batch i uses a[i % aBatches] and b[i % bBatches]: right when one side is unbatched or both match.
  if (!(aBatches === bBatches || aBatches === 1 || bBatches === 1) || batch !== Math.max(aBatches, bBatches)) return undefined;
  return { m, n, k, batch, aBatches, bBatches, outShape: [...outer, m, n] };
}

function biasModeOf(bias: TensorInfo | undefined, plan: MatMulPlan): number | undefined {
  if (bias === undefined) return BIAS_NONE;
  if (bias.dtype !== 'float32' || bias.shape.length > plan.outShape.length) return undefined;
  const size = tf.util.sizeFromShape(bias.shape);
  const last = bias.shape[bias.shape.length - 1];
  if (size === 1) return BIAS_SCALAR;
  if (size === plan.n && last === plan.n) return BIAS_PER_COLUMN;
  if (size === plan.m * plan.n && bias.shape.length >= 2 && bias.shape[bias.shape.length - 2] === plan.m && last === plan.n) {
    return BIAS_FULL_MATRIX;
  }
  return undefined;
}

function makeMatMulKernel(addon: BlasAddon, fallback: KernelFunc, fused: boolean): KernelFunc {
  return ((args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const { a, b, bias, preluActivationWeights } = inputs as Record<string, TensorInfo | undefined>;
    const transposeA = Boolean(attrs.transposeA),
      transposeB = Boolean(attrs.transposeB);
    const activation = fused && typeof attrs.activation === 'string' ? attrs.activation : 'linear';
    const activationCode = ACTIVATION_CODES[activation];
    const plan = a && b && a.dtype === 'float32' && b.dtype === 'float32' ? planMatMul(a, b, transposeA, transposeB) : undefined;
    const biasMode = plan ? biasModeOf(bias ?? undefined, plan) : undefined;
    if (!plan || biasMode === undefined || activationCode === undefined || preluActivationWeights) {
      return fallback(args); // shapes or options sgemm does not cover: tfjs' own wasm kernel
    }
    const out = backend.makeOutput(plan.outShape, 'float32');
    addon.batchedMatMul(
      heapOf(backend),
      transposeA,
      transposeB,
      plan.batch,
      plan.m,
      plan.n,
      plan.k,
      offsetOf(backend, a!),
      plan.aBatches,
      offsetOf(backend, b!),
      plan.bBatches,
      offsetOf(backend, out),
      bias ? offsetOf(backend, bias) : 0,
      biasMode,
      activationCode,
      Number(attrs.leakyreluAlpha ?? 0.2),
    );
    return out;
  }) as unknown as KernelFunc;
}

/**
 * tfjs clones a tensor (Identity) for every tensor saved for the backward pass, weights
 * included; wasm copies the data each time. Tensor data is immutable (Variable.assign swaps
 * data ids), so sharing it, as tfjs' cpu backend and wasm's own Reshape do, is safe. The one
 * writer in place, the fused optimizer update, writes only buffers that a single tensor holds
 * (it copies a shared variable first), so a clone or reshape of a variable keeps its values.
 */
function makeSharingIdentityKernel(fallback: KernelFunc): KernelFunc {
  return ((args: KernelArgs) => {
    const { x } = args.inputs as Record<string, TensorInfo>;
    if (x.dtype === 'string') return fallback(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  }) as unknown as KernelFunc;
}

function makeDenseForwardKernel(addon: BlasAddon): KernelFunc {
  return ((args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const { x, weights, bias } = inputs as Record<string, TensorInfo>;
    const [rows, inputSize] = x.shape;
    const outputSize = weights.shape[1];
    const out = backend.makeOutput([rows, outputSize], 'float32');
    addon.denseForward(
      heapOf(backend),
      offsetOf(backend, x),
      offsetOf(backend, weights),
      offsetOf(backend, bias),
      offsetOf(backend, out),
      rows,
      inputSize,
      outputSize,
      attrs.activation === 'relu',
    );
    return out;
  }) as unknown as KernelFunc;
}

/** Outputs [dWeights, dBias] or, with attrs.inputGradient, [dx, dWeights, dBias]. */
function makeDenseBackwardKernel(addon: BlasAddon): KernelFunc {
  return ((args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const { dy, out, x, weights } = inputs as Record<string, TensorInfo>;
    const [rows, inputSize] = x.shape;
    const outputSize = weights.shape[1];
    const dx = attrs.inputGradient ? backend.makeOutput([rows, inputSize], 'float32') : undefined;
    const dWeights = backend.makeOutput([inputSize, outputSize], 'float32');
    const dBias = backend.makeOutput([outputSize], 'float32');
    addon.denseBackward(
      heapOf(backend),
      offsetOf(backend, dy),
      offsetOf(backend, out),
      offsetOf(backend, x),
      offsetOf(backend, weights),
      dx ? offsetOf(backend, dx) : -1,
      offsetOf(backend, dWeights),
      offsetOf(backend, dBias),
      rows,
      inputSize,
      outputSize,
      attrs.activation === 'relu',
    );
    return dx ? [dx, dWeights, dBias] : [dWeights, dBias];
  }) as unknown as KernelFunc;
}

/** Whether `tensor`'s buffer is held by that one tensor alone, so that writing it changes no other tensor. */
export function ownsBuffer(tensor: TensorInfo): boolean {
  return tf.backend().refCount(tensor.dataId) === 1;
}

/**
 * Inputs value{i}, gradient{i} and slot{s}_{i} for every variable i; attrs kind, constants,
 * variables, slots. Writes the new values over value{i} and the new state over slot{s}_{i}, in
 * one native pass; no outputs. Every value and slot must own its buffer (see ownsBuffer): the
 * kernel refuses otherwise, since writing a shared buffer would change the other tensors too.
 */
function makeOptimizerUpdateKernel(addon: BlasAddon): KernelFunc {
  return ((args: KernelArgs) => {
    const { backend, attrs } = args;
    const inputs = args.inputs as Record<string, TensorInfo>;
    const count = Number(attrs.variables),
      slots = Number(attrs.slots);
    const plan = new Float64Array(count * 5);
    const owned = (tensor: TensorInfo, what: string): number => {
      if (backend.refCount(tensor.dataId) !== 1)
        throw new Error(`${OPTIMIZER_UPDATE_KERNEL}: ${what} shares its buffer with another tensor`);
      return offsetOf(backend, tensor);
    };
    for (let i = 0; i < count; i++) {
      const value = inputs[`value${i}`],
        gradient = inputs[`gradient${i}`];
      const size = tf.util.sizeFromShape(value.shape);
      if (tf.util.sizeFromShape(gradient.shape) !== size)
        throw new Error(`${OPTIMIZER_UPDATE_KERNEL}: gradient ${i} does not fit its variable`);
      plan[i * 5] = size;
      plan[i * 5 + 1] = owned(value, `variable ${i}`);
      plan[i * 5 + 2] = offsetOf(backend, gradient);
      for (let s = 0; s < slots; s++) plan[i * 5 + 3 + s] = owned(inputs[`slot${s}_${i}`], `slot ${s} of variable ${i}`);
    }
    addon.optimizerUpdate(heapOf(backend), Number(attrs.kind), Float64Array.from(attrs.constants as number[]), plan);
    return [];
  }) as unknown as KernelFunc;
}

/** Input x; a new buffer with x's bits (a real copy, unlike Identity, which shares x's buffer). */
function makeOwnedCopyKernel(): KernelFunc {
  return ((args: KernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs as Record<string, TensorInfo>;
    const out = backend.makeOutput(x.shape, x.dtype);
    const bytes = tf.util.sizeFromShape(x.shape) * tf.util.bytesPerElement(x.dtype);
    const heap = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8; // after the allocation, which may grow the heap
    heap.copyWithin(offsetOf(backend, out), offsetOf(backend, x), offsetOf(backend, x) + bytes);
    return out;
  }) as unknown as KernelFunc;
}

/** The addon's conv2d shape array from tfjs' convolution info (NHWC). */
function convShapeOf(info: ReturnType<typeof tf.backend_util.computeConv2DInfo>): Int32Array {
  return Int32Array.from([
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ]);
}

type ConvAttrs = {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
};

const CONV_DIRECTION = { forward: 0, backwardData: 1, backwardFilter: 2 } as const;

/**
 * Conv2D (inputs x, filter), Conv2DBackpropInput (dy, filter; attrs.inputShape) and
 * Conv2DBackpropFilter (x, dy; attrs.filterShape) through the addon: oneDNN's primitives, or its
 * fixed-order loops on the `portable` provider (native/convolution.cc). NHWC float32 only; the
 * rest (NCHW) goes to tfjs' wasm kernel where there is one.
 */
function makeConvKernel(addon: BlasAddon, direction: keyof typeof CONV_DIRECTION, fallback: KernelFunc | undefined): KernelFunc {
  return ((args: KernelArgs) => {
    const { backend } = args;
    const attrs = args.attrs as unknown as ConvAttrs;
    const inputs = args.inputs as Record<string, TensorInfo>;
    const [a, b] =
      direction === 'forward'
        ? [inputs.x, inputs.filter]
        : direction === 'backwardData'
          ? [inputs.dy, inputs.filter]
          : [inputs.x, inputs.dy];
    const xShape = (direction === 'backwardData' ? attrs.inputShape : a.shape) as [number, number, number, number];
    const filterShape = (direction === 'backwardFilter' ? attrs.filterShape : b.shape) as [number, number, number, number];
    const supported = (attrs.dataFormat ?? 'NHWC') === 'NHWC' && a.dtype === 'float32' && b.dtype === 'float32' && xShape.length === 4;
    if (!supported) {
      if (fallback) return fallback(args);
      throw new Error(`${direction === 'backwardFilter' ? 'Conv2DBackpropFilter' : 'Conv2D'} on blas: only NHWC float32 tensors`);
    }
    const info = tf.backend_util.computeConv2DInfo(
      xShape,
      filterShape,
      attrs.strides,
      direction === 'forward' ? (attrs.dilations ?? 1) : 1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const outShape = direction === 'forward' ? info.outShape : direction === 'backwardData' ? info.inShape : info.filterShape;
    const out = backend.makeOutput(outShape, 'float32');
    addon.conv2d(
      heapOf(backend),
      CONV_DIRECTION[direction],
      convShapeOf(info),
      offsetOf(backend, a),
      offsetOf(backend, b),
      offsetOf(backend, out),
    );
    return out;
  }) as unknown as KernelFunc;
}

/** The addon's pooling shape array from tfjs' pooling info (NHWC). */
function poolShapeOf(info: ReturnType<typeof tf.backend_util.computePool2DInfo>): Int32Array {
  return Int32Array.from([
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ]);
}

type PoolAttrs = {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/**
 * MaxPool (input x) and MaxPoolGrad (inputs dy, input, output) through the addon's loops, threaded
 * by images, as tfjs' cpu kernels define them: a window's first maximum, its gradient to that
 * element only. (tfjs' wasm kernels differ at the edges: XNNPACK's forward gives -Infinity for a
 * window that starts with NaN, and wasm's gradient goes to the last of tied maxima and is dropped
 * for a window with no element above 1.2e-38, e.g. one of ReLU's zeros or of tanh's negatives.)
 */
function makeMaxPoolKernel(addon: BlasAddon, gradient: boolean, fallback: KernelFunc): KernelFunc {
  return ((args: KernelArgs) => {
    const { backend } = args;
    const attrs = args.attrs as unknown as PoolAttrs;
    const inputs = args.inputs as Record<string, TensorInfo>;
    const x = gradient ? inputs.input : inputs.x;
    if (x.dtype !== 'float32' || x.shape.length !== 4 || (gradient && inputs.dy.dtype !== 'float32')) return fallback(args);
    const info = tf.backend_util.computePool2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const shape = poolShapeOf(info);
    if (!gradient) {
      const y = backend.makeOutput(info.outShape, 'float32');
      addon.maxPool(heapOf(backend), shape, offsetOf(backend, x), offsetOf(backend, y));
      return y;
    }
    const dx = backend.makeOutput(x.shape, 'float32');
    addon.maxPoolGrad(heapOf(backend), shape, offsetOf(backend, x), offsetOf(backend, inputs.dy), offsetOf(backend, dx));
    return dx;
  }) as unknown as KernelFunc;
}

/** Inputs x0 … x{n-1}; a [1] output: 1 when no element of any input is NaN or infinite, else 0 (one threaded pass). */
function makeAllFiniteKernel(addon: BlasAddon): KernelFunc {
  return ((args: KernelArgs) => {
    const { backend } = args;
    const inputs = Object.values(args.inputs as Record<string, TensorInfo>);
    const flag = backend.makeOutput([1], 'float32');
    const plan = new Float64Array(inputs.length * 2);
    inputs.forEach((x, i) => {
      plan[2 * i] = offsetOf(backend, x);
      plan[2 * i + 1] = tf.util.sizeFromShape(x.shape);
    });
    const finite = addon.allFinite(heapOf(backend), plan);
    backend.typedArrayFromHeap(flag).set([finite ? 1 : 0]);
    return flag;
  }) as unknown as KernelFunc;
}

/**
 * STREAM's triad a[i] = b[i] + s c[i] on three float32 tensors of the blas backend, written over
 * a's buffer (which a must own), on the optimizer update's chunks and threads: the bench's
 * yardstick for the update's bandwidth. Not a tfjs op: a is changed in place.
 */
export function streamTriad(a: TensorInfo, b: TensorInfo, c: TensorInfo, s: number): void {
  const backend = tf.backend() as unknown as BackendWasm;
  if (!registeredAddon || tf.getBackend() !== BLAS_BACKEND) throw new Error('streamTriad runs on the blas backend only');
  const count = tf.util.sizeFromShape(a.shape);
  if ([b, c].some((x) => tf.util.sizeFromShape(x.shape) !== count) || [a, b, c].some((x) => x.dtype !== 'float32')) {
    throw new Error('streamTriad: three float32 tensors of one size');
  }
  if (!ownsBuffer(a)) throw new Error('streamTriad: a shares its buffer with another tensor');
  registeredAddon.triad(heapOf(backend), offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, c), count, s);
}

/** The addon's leading pair-loss arguments from a kernel's inputs a, b [rows, dim], similar [rows] and attrs margin, epsilon, mean. */
/**
 * The loss's operands: a and b, or `stacked` (a's rows, then b's: the embeddings of a batch that
 * went through a shared tower in one pass), whose halves are addressed in place.
 */
function pairLossArgs(args: KernelArgs): PairLossArgs {
  const { backend, attrs } = args;
  const { a, b, stacked, similar } = args.inputs as Record<string, TensorInfo | undefined>;
  const rows = stacked ? stacked.shape[0] / 2 : a!.shape[0];
  const dim = (stacked ?? a)!.shape[1];
  const aOffset = offsetOf(backend, (stacked ?? a)!);
  return [
    heapOf(backend),
    aOffset,
    stacked ? aOffset + rows * dim * 4 : offsetOf(backend, b!),
    offsetOf(backend, similar!),
    rows,
    dim,
    Number(attrs.margin),
    Number(attrs.epsilon),
    Boolean(attrs.mean),
  ];
}

/** Inputs a, b [rows, dim] (or stacked [2 rows, dim]), similar [rows]; attrs margin, epsilon, mean; a scalar output. */
function makePairLossKernel(addon: BlasAddon): KernelFunc {
  return ((args: KernelArgs) => {
    const out = args.backend.makeOutput([], 'float32');
    addon.contrastiveLoss(...pairLossArgs(args), offsetOf(args.backend, out));
    return out;
  }) as unknown as KernelFunc;
}

/** Inputs dy (scalar), a, b (or stacked), similar; outputs [da, db] (or the stacked gradient). */
function makePairLossGradKernel(addon: BlasAddon): KernelFunc {
  return ((args: KernelArgs) => {
    const { backend } = args;
    const { dy, a, b, stacked } = args.inputs as Record<string, TensorInfo | undefined>;
    const lossArgs = pairLossArgs(args);
    if (stacked) {
      const gradient = backend.makeOutput(stacked.shape, 'float32');
      const offset = offsetOf(backend, gradient);
      const halfBytes = (stacked.shape[0] / 2) * stacked.shape[1] * 4;
      addon.contrastiveLossGrad(...lossArgs, offsetOf(backend, dy!), offset, offset + halfBytes);
      return [gradient];
    }
    const da = backend.makeOutput(a!.shape, 'float32');
    const db = backend.makeOutput(b!.shape, 'float32');
    addon.contrastiveLossGrad(...lossArgs, offsetOf(backend, dy!), offsetOf(backend, da), offsetOf(backend, db));
    return [da, db];
  }) as unknown as KernelFunc;
}

/**
 * Registers the 'blas' backend and its kernels (once). Must run after the wasm kernels are
 * registered (importing tfjs.ts does that) and before the first tf.setBackend('blas'),
 * which is when tfjs runs the kernels' setup functions for the new backend.
 */
export function registerBlasBackend(addon: BlasAddon): void {
  if (registeredAddon) return;
  registeredAddon = addon;
  const overrides = new Map<string, KernelFunc>();
  for (const kernel of tf.getKernelsForBackend('wasm')) {
    if (kernel.kernelName === tf.BatchMatMul) overrides.set(kernel.kernelName, makeMatMulKernel(addon, kernel.kernelFunc, false));
    if (kernel.kernelName === tf._FusedMatMul) overrides.set(kernel.kernelName, makeMatMulKernel(addon, kernel.kernelFunc, true));
    if (kernel.kernelName === tf.Identity) overrides.set(kernel.kernelName, makeSharingIdentityKernel(kernel.kernelFunc));
    if (kernel.kernelName === tf.Conv2D) overrides.set(kernel.kernelName, makeConvKernel(addon, 'forward', kernel.kernelFunc));
    if (kernel.kernelName === tf.Conv2DBackpropInput)
      overrides.set(kernel.kernelName, makeConvKernel(addon, 'backwardData', kernel.kernelFunc));
    if (kernel.kernelName === tf.MaxPool) overrides.set(kernel.kernelName, makeMaxPoolKernel(addon, false, kernel.kernelFunc));
    if (kernel.kernelName === tf.MaxPoolGrad) overrides.set(kernel.kernelName, makeMaxPoolKernel(addon, true, kernel.kernelFunc));
  }
  for (const kernel of tf.getKernelsForBackend('wasm')) {
    const copy: KernelConfig = { ...kernel, backendName: BLAS_BACKEND, kernelFunc: overrides.get(kernel.kernelName) ?? kernel.kernelFunc };
    tf.registerKernel(copy);
  }
  tf.registerKernel({ kernelName: DENSE_FORWARD_KERNEL, backendName: BLAS_BACKEND, kernelFunc: makeDenseForwardKernel(addon) });
  tf.registerKernel({ kernelName: DENSE_BACKWARD_KERNEL, backendName: BLAS_BACKEND, kernelFunc: makeDenseBackwardKernel(addon) });
  tf.registerKernel({ kernelName: OPTIMIZER_UPDATE_KERNEL, backendName: BLAS_BACKEND, kernelFunc: makeOptimizerUpdateKernel(addon) });
  tf.registerKernel({ kernelName: ALL_FINITE_KERNEL, backendName: BLAS_BACKEND, kernelFunc: makeAllFiniteKernel(addon) });
  tf.registerKernel({ kernelName: OWNED_COPY_KERNEL, backendName: BLAS_BACKEND, kernelFunc: makeOwnedCopyKernel() });
  // wasm has no Conv2DBackpropFilter: on blas, tf.conv2d's own gradient now runs whole.
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: BLAS_BACKEND,
    kernelFunc: makeConvKernel(addon, 'backwardFilter', undefined),
  });
  tf.registerKernel({ kernelName: PAIR_LOSS_KERNEL, backendName: BLAS_BACKEND, kernelFunc: makePairLossKernel(addon) });
  tf.registerKernel({ kernelName: PAIR_LOSS_GRAD_KERNEL, backendName: BLAS_BACKEND, kernelFunc: makePairLossGradKernel(addon) });

  // Priority below wasm and cpu: 'blas' is only ever chosen on purpose, through selectBackend.
  tf.registerBackend(
    BLAS_BACKEND,
    () => {
      const wasmBackend = tf.findBackend('wasm') as BackendWasm | null;
      if (!wasmBackend) throw new Error("the 'wasm' backend must be initialized before 'blas'");
      const backend = new BackendWasm(wasmBackend.wasm);
      // Both backends register tensor ids in the one wasm module, so they must draw ids from one counter.
      Object.defineProperty(backend, 'dataIdNextNumber', {
        get: () => (wasmBackend as unknown as { dataIdNextNumber: number }).dataIdNextNumber,
        set: (value: number) => {
          (wasmBackend as unknown as { dataIdNextNumber: number }).dataIdNextNumber = value;
        },
      });
      // The wasm module belongs to the 'wasm' backend, which must outlive this one: never tear it down here.
      backend.dispose = () => {};
      return backend;
    },
    -1,
  );
}
