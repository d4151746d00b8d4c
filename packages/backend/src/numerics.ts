// The numerical environment of a run: what decides the rounding of its floating-point results.
// Two runs of the same configuration are bit-identical only when all of it matches; a different
// GEMM kernel (OpenBLAS picks one per CPU, or OPENBLAS_CORETYPE forces one) rounds differently,
// and the difference grows during training. Recorded with every run, compared by the checks.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { tf } from './tfjs.ts';
import { loadBlasAddon } from './native-addon.ts';

export interface GemmDescription {
  /** onednn | openblas (blas backend) | xnnpack (tfjs wasm) | javascript (tfjs cpu) | libtensorflow */
  provider: string;
  /** e.g. "oneDNN 2.6.3" (dnnl_version()), "OpenBLAS 0.3.21", "@tensorflow/tfjs-backend-wasm 4.22.0" */
  version: string | null;
  /** The kernel or instruction set the provider dispatched to: dnnl_get_effective_cpu_isa() ("avx512_core_bf16"...), openblas_get_corename() ("Haswell", "Prescott"...), "wasm-simd128". */
  kernel: string | null;
  /** The provider's build configuration (openblas_get_config()), for a reader; not compared. */
  config?: string;
  /**
   * How the addon splits a library product across threads, when it does (onednn, openblas):
   * fixed output blocks, each one single-threaded library call, so the thread count cannot change
   * a bit. Absent on records from before the split, whose bits depended on the thread count.
   */
  partition?: string;
}

/**
 * Who computes the 2-D convolutions (Conv2D and its two gradients): on blas, oneDNN's primitives
 * (`onednn`: the batch in fixed image blocks, one single-threaded primitive each) or the addon's
 * fixed-order loops (`portable`: the `portable` GEMM provider's, the same bits on every machine);
 * tfjs' own kernels elsewhere (xnnpack on wasm, javascript on cpu). NCHW convolutions, which the
 * blas kernels leave to tfjs' wasm kernels, are not described. (Max pooling on blas is the addon's
 * own loop, exact, with tfjs cpu's choice among tied maxima: code, not environment.) Described for
 * every run, CNN or not, and compared only when both records have it: a record from before it was
 * described says nothing about the convolutions its run made.
 */
export interface ConvDescription {
  provider: string;
  version: string | null;
  /** oneDNN's effective ISA, or "fixed-order". */
  kernel: string | null;
  /** How the threads share a convolution; absent where one thread computes it. */
  partition?: string;
}

export interface Numerics {
  /** The active tfjs backend: blas | wasm | cpu | tensorflow. */
  backend: string;
  gemm: GemmDescription;
  /** Absent on records from before convolutions were described. */
  conv?: ConvDescription;
  threads: {
    /** OpenBLAS threads in force (blas backend), else null. */
    openblas: number | null;
    /** OpenMP threads of an OpenMP-threaded provider, else null. */
    omp: number | null;
  };
  cpu: {
    model: string;
    /** The instruction-set flags that decide which kernels can run (from /proc/cpuinfo), sorted. */
    flags: string[];
  };
  /** Environment variables that change the numerics (null: unset). */
  env: { OPENBLAS_CORETYPE: string | null };
}

/** The CPU flags a GEMM provider's dispatch depends on; the rest of /proc/cpuinfo's list does not matter here. */
export const numericsCpuFlags: readonly string[] = [
  'sse3',
  'ssse3',
  'sse4_1',
  'sse4_2',
  'avx',
  'f16c',
  'fma',
  'avx2',
  'avx512f',
  'avx512dq',
  'avx512bw',
  'avx512vl',
  'avx512_vnni',
  'avx512_bf16',
  'avx512_fp16',
  'amx_tile',
  'amx_bf16',
  'amx_int8',
  'neon',
  'asimd',
  'sve',
];

let cpuCache: Numerics['cpu'] | undefined;

function describeCpu(): Numerics['cpu'] {
  if (!cpuCache) {
    let present = new Set<string>();
    try {
      const info = readFileSync('/proc/cpuinfo', 'utf8');
      const line = /^(?:flags|Features)\s*:\s*(.*)$/m.exec(info);
      // The kernel's name for SSE3 is "pni" (Prescott New Instructions).
      present = new Set((line ? line[1].trim().split(/\s+/) : []).map((flag) => (flag === 'pni' ? 'sse3' : flag)));
    } catch {
      // Not Linux: the flags are unknown, which compares as "different" to any machine that knows them.
    }
    cpuCache = {
      model: cpus()[0]?.model.trim() ?? 'unknown',
      flags: numericsCpuFlags.filter((flag) => present.has(flag)).sort(),
    };
  }
  return { model: cpuCache.model, flags: [...cpuCache.flags] };
}

function packageVersion(name: string): string | null {
  try {
    const require = createRequire(import.meta.url);
    return `${name} ${(JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version}`;
  } catch {
    return null;
  }
}

function describeGemm(backend: string): { gemm: GemmDescription; openblasThreads: number | null; ompThreads?: number } {
  if (backend === 'blas') {
    const provider = loadBlasAddon().addon?.providerInfo();
    const partition = provider?.partition === undefined ? {} : { partition: provider.partition };
    if (provider?.name === 'onednn' || provider?.name === 'portable') {
      // Both run their threads through OpenMP (Debian's oneDNN build; `threading` says which runtime).
      const gemm = {
        provider: provider.name,
        version: provider.version,
        kernel: provider.kernel,
        config: `${provider.threading} threading`,
        ...partition,
      };
      return { gemm, openblasThreads: null, ...(provider.threading === 'OpenMP' && { ompThreads: provider.threads }) };
    }
    if (provider?.name === 'openblas') {
      const { config } = loadBlasAddon().addon!.getConfig();
      // OpenBLAS computes each output block on one of its threads; the addon's OpenMP threads share the blocks.
      return {
        gemm: { provider: 'openblas', version: provider.version, kernel: provider.kernel, config, ...partition },
        openblasThreads: 1,
        ompThreads: provider.threads,
      };
    }
  }
  if (backend === 'wasm') {
    // tfjs' wasm build uses XNNPACK with 128-bit wasm SIMD (Node 20 always has it), one thread:
    // wasm arithmetic is defined bit for bit, so these results do not depend on the CPU.
    return {
      gemm: { provider: 'xnnpack', version: packageVersion('@tensorflow/tfjs-backend-wasm'), kernel: 'wasm-simd128' },
      openblasThreads: null,
    };
  }
  if (backend === 'cpu') {
    return {
      gemm: { provider: 'javascript', version: packageVersion('@tensorflow/tfjs-backend-cpu'), kernel: 'float32 via float64 JavaScript' },
      openblasThreads: null,
    };
  }
  if (backend === 'tensorflow') {
    return { gemm: { provider: 'libtensorflow', version: packageVersion('@tensorflow/tfjs-node'), kernel: null }, openblasThreads: null };
  }
  return { gemm: { provider: 'unknown', version: null, kernel: null }, openblasThreads: null };
}

function describeConv(backend: string, gemm: GemmDescription): ConvDescription | undefined {
  if (backend === 'blas') {
    const info = loadBlasAddon().addon?.convInfo?.();
    return info ? { provider: info.provider, version: info.version, kernel: info.kernel, partition: info.partition } : undefined;
  }
  // tfjs' own conv kernels: the same library as its products.
  if (backend === 'wasm' || backend === 'cpu' || backend === 'tensorflow')
    return { provider: gemm.provider, version: gemm.version, kernel: gemm.kernel };
  return undefined;
}

/**
 * The numerical environment now: the active tfjs backend (or `backend`, when given), its GEMM
 * provider, version and dispatched kernel, its convolutions' path, thread counts, CPU model and flags, and OPENBLAS_CORETYPE.
 */
export function describeNumerics(backend: string = tf.getBackend()): Numerics {
  const { gemm, openblasThreads, ompThreads } = describeGemm(backend);
  const conv = describeConv(backend, gemm);
  return {
    backend,
    gemm,
    ...(conv && { conv }),
    threads: { openblas: openblasThreads, omp: ompThreads ?? null },
    cpu: describeCpu(),
    env: { OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? null },
  };
}

/**
 * The fields that decide bit-identical results, flattened to "path: value". The environment is
 * left out (it acts through the kernel it selects, which is in), and so is the build configuration
 * text (the version and kernel cover it). Thread counts count only where the products' split
 * depends on them (records without a fixed partition).
 */
export function numericsIdentity(numerics: Numerics): Record<string, string> {
  const identity: Record<string, string> = {
    backend: numerics.backend,
    'gemm.provider': numerics.gemm.provider,
    'gemm.version': String(numerics.gemm.version),
    'gemm.kernel': String(numerics.gemm.kernel),
  };
  if (numerics.conv) {
    identity['conv.provider'] = numerics.conv.provider;
    identity['conv.version'] = String(numerics.conv.version);
    identity['conv.kernel'] = String(numerics.conv.kernel);
    if (numerics.conv.partition !== undefined) identity['conv.partition'] = numerics.conv.partition;
  }
  // oneDNN's convolutions dispatch by the CPU; the portable loops do not, and tfjs' own conv kernels
  // are its products' library, already judged by the GEMM's provider.
  const convOnMachine = numerics.conv?.provider === 'onednn';
  if (MACHINE_INDEPENDENT_PROVIDERS.includes(numerics.gemm.provider) && !convOnMachine) return identity;
  const split: Record<string, string> =
    numerics.gemm.partition === undefined
      ? { 'threads.openblas': String(numerics.threads.openblas), 'threads.omp': String(numerics.threads.omp) }
      : { 'gemm.partition': numerics.gemm.partition };
  return { ...identity, ...split, 'cpu.model': numerics.cpu.model, 'cpu.flags': numerics.cpu.flags.join(' ') };
}

/**
 * Products whose bits depend on neither the CPU nor the thread count: the portable GEMM (one fixed
 * order of float32 operations per element) and wasm's XNNPACK (wasm arithmetic is defined bit for
 * bit, one thread). Runs on them have identical numerics on any machine with the same code.
 */
export const MACHINE_INDEPENDENT_PROVIDERS: readonly string[] = ['portable', 'xnnpack'];
// (The portable convolution loops are `portable` too: one fixed order per element, any thread count.)

/** What differs between two numerical environments, as "gemm.kernel: Prescott -> Haswell"; empty when they are identical. */
export function numericsDifferences(before: Numerics, after: Numerics): string[] {
  const a = numericsIdentity(before);
  const b = numericsIdentity(after);
  // The thread counts are a field of one side only when the other has a fixed partition: that
  // difference is said once, as gemm.partition ("n/a -> ..."), not once per thread count.
  // Convolutions are compared only when both records describe them: a record from before they were
  // described (nearly every run then was an MLP's, which convolves nothing) is no difference.
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
    (key) => !(key.startsWith('threads.') || key.startsWith('conv.')) || (key in a && key in b),
  );
  return keys
    .filter((key) => a[key] !== b[key])
    .map((key) =>
      key === 'cpu.flags' ? flagDifference(before.cpu.flags, after.cpu.flags) : `${key}: ${a[key] ?? 'n/a'} -> ${b[key] ?? 'n/a'}`,
    );
}

function flagDifference(before: readonly string[], after: readonly string[]): string {
  const lost = before.filter((flag) => !after.includes(flag));
  const gained = after.filter((flag) => !before.includes(flag));
  return `cpu.flags: ${[...gained.map((flag) => `+${flag}`), ...lost.map((flag) => `-${flag}`)].join(' ')}`;
}

/** One line for people: "blas: OpenBLAS 0.3.21 (Haswell kernel), 2 threads; Intel Xeon ... [avx2 fma avx512f ...]". */
export function formatNumerics(numerics: Numerics): string {
  const { gemm, threads, cpu, env } = numerics;
  const kernel = gemm.kernel ? ` (${gemm.kernel}${gemm.provider === 'openblas' ? ' kernel' : ''})` : '';
  const threadParts = [
    threads.openblas !== null ? `${threads.openblas} OpenBLAS thread${threads.openblas === 1 ? '' : 's'}` : null,
    threads.omp !== null ? `${threads.omp} OpenMP thread${threads.omp === 1 ? '' : 's'}` : null,
  ].filter((part) => part !== null);
  const coretype = env.OPENBLAS_CORETYPE !== null ? `, OPENBLAS_CORETYPE=${env.OPENBLAS_CORETYPE}` : '';
  // Named only where they differ from the products' library (oneDNN's conv beside OpenBLAS, the portable loops).
  const conv = numerics.conv && numerics.conv.version !== gemm.version ? `, conv ${numerics.conv.version ?? numerics.conv.provider}` : '';
  return `${numerics.backend}: ${gemm.version ?? gemm.provider}${kernel}${threadParts.length ? `, ${threadParts.join(', ')}` : ''}${coretype}${conv}; ${cpu.model} [${cpu.flags.join(' ')}]`;
}

/** Reads a stored numerics record back (provenance or baseline JSON); undefined when it is not one (older runs). */
export function parseNumerics(value: unknown): Numerics | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const record = value as Partial<Numerics>;
  if (typeof record.backend !== 'string' || !record.gemm || typeof record.gemm.provider !== 'string' || !record.cpu || !record.threads)
    return undefined;
  return {
    backend: record.backend,
    gemm: {
      provider: record.gemm.provider,
      version: record.gemm.version ?? null,
      kernel: record.gemm.kernel ?? null,
      ...(record.gemm.config ? { config: record.gemm.config } : {}),
      ...(typeof record.gemm.partition === 'string' ? { partition: record.gemm.partition } : {}),
    },
    ...(record.conv && typeof record.conv.provider === 'string'
      ? {
          conv: {
            provider: record.conv.provider,
            version: record.conv.version ?? null,
            kernel: record.conv.kernel ?? null,
            ...(typeof record.conv.partition === 'string' ? { partition: record.conv.partition } : {}),
          },
        }
      : {}),
    threads: { openblas: record.threads.openblas ?? null, omp: record.threads.omp ?? null },
    cpu: { model: String(record.cpu.model ?? 'unknown'), flags: Array.isArray(record.cpu.flags) ? record.cpu.flags.map(String) : [] },
    env: { OPENBLAS_CORETYPE: record.env?.OPENBLAS_CORETYPE ?? null },
  };
}
