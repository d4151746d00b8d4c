import { createRequire } from 'node:module';

/** The functions of native/blas_addon.cc. Offsets are byte offsets into `memory` (the wasm heap). */
export interface BlasAddon {
  batchedMatMul(
    memory: ArrayBuffer, transposeA: boolean, transposeB: boolean, batch: number, m: number, n: number, k: number,
    aOffset: number, aBatches: number, bOffset: number, bBatches: number, outOffset: number,
    biasOffset: number, biasMode: number, activation: number, leakyreluAlpha: number,
  ): void;
  denseForward(
    memory: ArrayBuffer, xOffset: number, weightsOffset: number, biasOffset: number, outOffset: number,
    rows: number, inputs: number, outputs: number, relu: boolean,
  ): void;
  denseBackward(
    memory: ArrayBuffer, dyOffset: number, outOffset: number, xOffset: number, weightsOffset: number,
    dxOffset: number, dWeightsOffset: number, dBiasOffset: number, rows: number, inputs: number, outputs: number,
    relu: boolean,
  ): void;
  setNumThreads(threads: number): number;
  getNumThreads(): number;
  getConfig(): { config: string; corename: string };
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
      cached = { problem: /Cannot find module|ENOENT/.test(reason) ? 'the OpenBLAS addon is not built' : `the OpenBLAS addon does not load (${reason})` };
    }
  }
  return cached;
}

/** "OpenBLAS 0.3.21" from the library's build configuration string. */
export function openBlasVersion(addon: BlasAddon): string {
  const match = /OpenBLAS\s+[\d.]+/.exec(addon.getConfig().config);
  return match ? match[0] : 'OpenBLAS';
}
