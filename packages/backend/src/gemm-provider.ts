import { GEMM_PROVIDERS, loadBlasAddon, type BlasAddon, type GemmProviderInfo, type GemmProviderName } from './native-addon.ts';
import type { QueryRanking } from '@siamese-lab/core';

const LIBRARY_OF: Record<GemmProviderName, string> = {
  onednn: 'oneDNN (libdnnl-dev)',
  openblas: 'OpenBLAS (libopenblas-dev)',
  portable: 'the portable GEMM',
};

/**
 * Picks the GEMM provider of the `blas` backend and sets its threads. The order is fixed
 * (oneDNN, then OpenBLAS; see native/gemm.cc for why), so a machine always computes with the
 * same library; SIAMESE_LAB_GEMM=onednn|openblas|portable overrides it (`portable`, always built
 * in: the same bits on every machine and thread count, several times slower). Says in one line (through `warn`)
 * when the provider used is not the first choice because a library is missing.
 */
export function chooseGemmProvider(addon: BlasAddon, threads: number, warn: (line: string) => void): GemmProviderInfo {
  const present = addon.providers();
  if (present.length === 0) throw new Error('the native addon was built without any GEMM provider');
  const requested = process.env.SIAMESE_LAB_GEMM?.trim();
  let choice = present[0];
  if (requested) {
    if (present.includes(requested)) {
      choice = requested;
    } else {
      const known = (GEMM_PROVIDERS as readonly string[]).includes(requested);
      warn(
        `SIAMESE_LAB_GEMM=${requested}: ${known ? `${LIBRARY_OF[requested as GemmProviderName]} is not in this build` : `unknown provider (use ${GEMM_PROVIDERS.join(' or ')})`}; using ${present[0]}`,
      );
    }
  } else if (present[0] !== GEMM_PROVIDERS[0]) {
    warn(
      `GEMM: ${LIBRARY_OF[GEMM_PROVIDERS[0]]} is not in this build; using ${present[0]}. For the fastest products: apt-get install libdnnl-dev && pnpm build`,
    );
  }
  if (!addon.setProvider(choice)) throw new Error(`the native addon refused GEMM provider ${choice}`);
  addon.setNumThreads(threads);
  const info = addon.providerInfo();
  if (!info) throw new Error('the native addon reports no GEMM provider');
  return info;
}

/** Time inside the native addon since the last reset, or undefined without the addon (ms). */
export function readNativeTimers(reset = false): { gemmMs: number; gemmCalls: number; kernelMs: number; kernelCalls: number } | undefined {
  return loadBlasAddon().addon?.timers(reset);
}

/**
 * The GEMM-only time of one training step of an MLP (`rows` inputs through `layers`), on the
 * provider and threads the `blas` backend uses now, or undefined without the addon.
 */
export function measureGemmBound(rows: number, layers: number[], iterations: number): { bestMs: number; meanMs: number } | undefined {
  return loadBlasAddon().addon?.gemmBound(rows, layers, iterations);
}

/**
 * The addon's ranking of retrieval queries (precision@1, MAP@R) on its threads, with the bits of
 * the metrics package's own; undefined without the addon (the metrics then rank in JavaScript).
 */
export function nativeQueryRanking(): QueryRanking | undefined {
  const addon = loadBlasAddon().addon;
  return addon ? (...args) => addon.rankQueries(...args) : undefined;
}

/** The GEMM providers this build of the addon has, in its order of preference (empty without the addon). */
export function builtGemmProviders(): GemmProviderName[] {
  return (loadBlasAddon().addon?.providers() ?? []) as GemmProviderName[];
}
