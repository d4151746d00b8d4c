// The `blas` backend: a second BackendWasm on the SAME wasm module as the `wasm` backend,
// with every wasm kernel registered again under the name 'blas' and the matrix products
// overridden by OpenBLAS sgemm working in place on the wasm heap (no copies).
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
 * data ids), so sharing it, as tfjs' cpu backend and wasm's own Reshape do, is safe.
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

/**
 * Inputs value{i}, gradient{i} and slot{s}_{i} for every variable i; attrs kind, constants,
 * variables, slots. Outputs every new value, then every new slot (slot 0 of all variables, then
 * slot 1), then a [1] flag: 1 when every gradient element is finite, else 0. One native pass.
 */
function makeOptimizerUpdateKernel(addon: BlasAddon): KernelFunc {
  return ((args: KernelArgs) => {
    const { backend, attrs } = args;
    const inputs = args.inputs as Record<string, TensorInfo>;
    const count = Number(attrs.variables),
      slots = Number(attrs.slots);
    const plan = new Float64Array(count * 8);
    const newValues: TensorInfo[] = [];
    const newSlots: TensorInfo[][] = Array.from({ length: slots }, () => []);
    for (let i = 0; i < count; i++) {
      const value = inputs[`value${i}`],
        gradient = inputs[`gradient${i}`];
      // A gradient nothing else holds may take the new value in place: one buffer less to fill
      // (a quarter of an SGD update's memory traffic) and to allocate.
      const inPlace = attrs.consumeGradients === true && backend.refCount(gradient.dataId) === 1;
      if (inPlace) backend.incRef(gradient.dataId);
      const newValue = inPlace
        ? { dataId: gradient.dataId, shape: value.shape, dtype: 'float32' as const }
        : backend.makeOutput(value.shape, 'float32');
      newValues.push(newValue);
      const row = [
        tf.util.sizeFromShape(value.shape),
        offsetOf(backend, value),
        offsetOf(backend, gradient),
        offsetOf(backend, newValue),
        0,
        0,
        0,
        0,
      ];
      for (let s = 0; s < slots; s++) {
        const newSlot = backend.makeOutput(value.shape, 'float32');
        newSlots[s].push(newSlot);
        row[4 + 2 * s] = offsetOf(backend, inputs[`slot${s}_${i}`]);
        row[5 + 2 * s] = offsetOf(backend, newSlot);
      }
      plan.set(row, i * 8);
    }
    const flag = backend.makeOutput([1], 'float32');
    // Outputs are allocated first: an allocation may grow (and replace) the wasm memory.
    const finite = addon.optimizerUpdate(heapOf(backend), Number(attrs.kind), Float64Array.from(attrs.constants as number[]), plan);
    backend.typedArrayFromHeap(flag).set([finite ? 1 : 0]);
    return [...newValues, ...newSlots.flat(), flag];
  }) as unknown as KernelFunc;
}

/** Inputs x0 … x{n-1}; a [1] output: 1 when no element of any input is NaN or infinite, else 0. */
function makeAllFiniteKernel(addon: BlasAddon): KernelFunc {
  return ((args: KernelArgs) => {
    const { backend } = args;
    const inputs = Object.values(args.inputs as Record<string, TensorInfo>);
    const flag = backend.makeOutput([1], 'float32');
    const heap = heapOf(backend);
    const finite = inputs.every((x) => addon.allFinite(heap, offsetOf(backend, x), tf.util.sizeFromShape(x.shape)));
    backend.typedArrayFromHeap(flag).set([finite ? 1 : 0]);
    return flag;
  }) as unknown as KernelFunc;
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
  }
  for (const kernel of tf.getKernelsForBackend('wasm')) {
    const copy: KernelConfig = { ...kernel, backendName: BLAS_BACKEND, kernelFunc: overrides.get(kernel.kernelName) ?? kernel.kernelFunc };
    tf.registerKernel(copy);
  }
  tf.registerKernel({ kernelName: DENSE_FORWARD_KERNEL, backendName: BLAS_BACKEND, kernelFunc: makeDenseForwardKernel(addon) });
  tf.registerKernel({ kernelName: DENSE_BACKWARD_KERNEL, backendName: BLAS_BACKEND, kernelFunc: makeDenseBackwardKernel(addon) });
  tf.registerKernel({ kernelName: OPTIMIZER_UPDATE_KERNEL, backendName: BLAS_BACKEND, kernelFunc: makeOptimizerUpdateKernel(addon) });
  tf.registerKernel({ kernelName: ALL_FINITE_KERNEL, backendName: BLAS_BACKEND, kernelFunc: makeAllFiniteKernel(addon) });
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
