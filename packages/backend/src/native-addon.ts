import type { QueryRanking } from '@siamese-lab/core';
import { createRequire } from 'node:module';

/** The GEMM libraries the addon can be built with, in its order of preference. */
export const GEMM_PROVIDERS = ['onednn', 'openblas', 'portable'] as const;
export type GemmProviderName = (typeof GEMM_PROVIDERS)[number];

/** The GEMM provider in use: e.g. { name: 'onednn', version: 'oneDNN 2.6.3', kernel: 'avx512_core_bf16', threading: 'OpenMP', threads: 2 }. */
export interface GemmProviderInfo {
  name: GemmProviderName;
  version: string;
  /** The instruction set / kernel family it dispatched to on this CPU (oneDNN's ISA, OpenBLAS's core name). */
  kernel: string;
  threading: string;
  threads: number;
  /** How the addon splits the library's products across its threads (absent for the portable GEMM, which tiles its own). */
  partition?: string;
}

/** Where the addon computes a convolution: oneDNN's primitives, or the fixed-order loops of native/convolution.cc. */
export type ConvPath = 'onednn' | 'portable';

export interface ConvInfo {
  /** The path now: onednn when oneDNN is built in and the GEMM provider is a library; portable otherwise. */
  provider: ConvPath;
  /** "oneDNN 2.6.3", or the portable loops' own version. */
  version: string;
  /** oneDNN's effective ISA ("avx512_core_amx"...), or "fixed-order". */
  kernel: string;
  /** How a convolution is cut for the threads, in words: neither way does the thread count change a bit. */
  partition: string;
  onednnCalls: number;
  portableCalls: number;
  /** oneDNN's implementations used so far, e.g. "brgconv:avx512_core". */
  implementations: string[];
}

/** Optimizer kinds of the fused update (native/optimizer_update.h). */
export const OPTIMIZER_KIND = { sgd: 0, momentum: 1, nesterov: 2, adam: 3, adagrad: 4 } as const;

/** The leading arguments of both contrastive-loss functions: the pairs, their shape and the loss's settings. */
export type PairLossArgs = [
  memory: ArrayBuffer,
  aOffset: number,
  bOffset: number,
  similarOffset: number,
  rows: number,
  dim: number,
  margin: number,
  epsilon: number,
  mean: boolean,
];

/** The functions of native/blas_addon.cc. Offsets are byte offsets into `memory` (the wasm heap). */
export interface BlasAddon {
  batchedMatMul(
    memory: ArrayBuffer,
    transposeA: boolean,
    transposeB: boolean,
    batch: number,
    m: number,
    n: number,
    k: number,
    aOffset: number,
    aBatches: number,
    bOffset: number,
    bBatches: number,
    outOffset: number,
    biasOffset: number,
    biasMode: number,
    activation: number,
    leakyreluAlpha: number,
  ): void;
  denseForward(
    memory: ArrayBuffer,
    xOffset: number,
    weightsOffset: number,
    biasOffset: number,
    outOffset: number,
    rows: number,
    inputs: number,
    outputs: number,
    relu: boolean,
  ): void;
  denseBackward(
    memory: ArrayBuffer,
    dyOffset: number,
    outOffset: number,
    xOffset: number,
    weightsOffset: number,
    dxOffset: number,
    dWeightsOffset: number,
    dBiasOffset: number,
    rows: number,
    inputs: number,
    outputs: number,
    relu: boolean,
  ): void;
  /**
   * One step's update of every variable, in place: plan rows [size, value, gradient, slot0, slot1]
   * (byte offsets); the values and slots are read and written where they are.
   */
  optimizerUpdate(memory: ArrayBuffer, kind: number, constants: Float64Array, plan: Float64Array): void;
  /** Whether no element of any tensor is NaN or infinite: plan rows [offset, count], one threaded pass. */
  allFinite(memory: ArrayBuffer, plan: Float64Array): boolean;
  /** STREAM's triad a[i] = b[i] + s c[i] over `count` floats, on the update's chunks and threads. */
  triad(memory: ArrayBuffer, aOffset: number, bOffset: number, cOffset: number, count: number, s: number): void;
  /**
   * One 2-D convolution on tfjs' layouts (NHWC, filters [kh, kw, in, out]): direction 0 (x, filter)
   * -> y, 1 (dy, filter) -> dx, 2 (x, dy) -> dfilter. shape: [batch, inHeight, inWidth, inChannels,
   * filterHeight, filterWidth, outChannels, outHeight, outWidth, strideHeight, strideWidth,
   * dilationHeight, dilationWidth, padTop, padLeft]. Returns the path taken.
   */
  conv2d(memory: ArrayBuffer, direction: number, shape: Int32Array, aOffset: number, bOffset: number, outOffset: number): ConvPath;
  /** The path convolutions take now, how it splits them across threads, and what ran so far. */
  convInfo(): ConvInfo;
  /**
   * 2-D max pooling on NHWC float32 (tfjs cpu's definition: a window's first maximum). shape:
   * [batch, inHeight, inWidth, channels, outHeight, outWidth, filterHeight, filterWidth,
   * strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft].
   */
  maxPool(memory: ArrayBuffer, shape: Int32Array, xOffset: number, yOffset: number): void;
  /** dx: each dy element added at its window's first maximum of x. */
  maxPoolGrad(memory: ArrayBuffer, shape: Int32Array, xOffset: number, dyOffset: number, dxOffset: number): void;
  /** The seed's contrastive loss (euclidean, margin, epsilon; mean or sum) of embeddings a, b [rows, dim], written at outOffset. */
  contrastiveLoss(...args: [...PairLossArgs, outOffset: number]): void;
  /** Its gradient with respect to a and b, given the loss's gradient dy (a scalar at dyOffset). */
  contrastiveLossGrad(...args: [...PairLossArgs, dyOffset: number, daOffset: number, dbOffset: number]): void;
  /** Nearest-neighbour ranking of every query (AP@R and hit@1 each), on the addon's threads. */
  rankQueries(...args: Parameters<QueryRanking>): void;
  /** Threads of every pool the addon uses (OpenBLAS's and OpenMP's); returns the count in force. */
  setNumThreads(threads: number): number;
  getNumThreads(): number;
  /** Providers compiled in, in order of preference. */
  providers(): string[];
  setProvider(name: string): boolean;
  providerInfo(): GemmProviderInfo | null;
  /** OpenBLAS's build configuration and core name (empty strings without OpenBLAS). */
  getConfig(): { config: string; corename: string };
  /** Time inside sgemm and inside all native kernels since the last reset (ms). */
  timers(reset?: boolean): { gemmMs: number; gemmCalls: number; kernelMs: number; kernelCalls: number };
  /** The step's matrix products alone on the provider in use: best and mean ms per step. */
  gemmBound(rows: number, layers: number[], iterations: number): { bestMs: number; meanMs: number };
}

export type BlasAddonLoader = () => BlasAddon;

export const addonPath = new URL('../build/Release/siamese_lab_blas.node', import.meta.url);

const defaultLoader: BlasAddonLoader = () => createRequire(import.meta.url)(addonPath.pathname) as BlasAddon;

let loader: BlasAddonLoader = defaultLoader;
let cached: { addon?: BlasAddon; problem?: string } | undefined;

/**
 * Replaces how the addon is loaded (tests simulate a missing addon with a loader that
 * throws); call without an argument to restore the real loader.
 */
export function setBlasAddonLoader(replacement?: BlasAddonLoader): void {
  loader = replacement ?? defaultLoader;
  cached = undefined;
}

/** The addon, or why it is not available (never throws). */
export function loadBlasAddon(): { addon?: BlasAddon; problem?: string } {
  if (process.env.SIAMESE_LAB_DISABLE_BLAS === '1') return { problem: 'disabled by SIAMESE_LAB_DISABLE_BLAS=1' };
  if (!cached) {
    try {
      cached = { addon: loader() };
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      cached = {
        problem: /Cannot find module|ENOENT/.test(reason) ? 'the native addon is not built' : `the native addon does not load (${reason})`,
      };
    }
  }
  return cached;
}
