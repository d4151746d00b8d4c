import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { LabError } from '@siamese-lab/core';
import { tf } from './tfjs.ts';
import { BLAS_BACKEND, registerBlasBackend } from './blas-backend.ts';
import { chooseGemmProvider } from './gemm-provider.ts';
import { loadBlasAddon, type GemmProviderInfo } from './native-addon.ts';
import { BACKEND_NAMES, type BackendName, type ConcreteBackendName } from './settings.ts';

export interface ActiveBackend {
  requested: BackendName;
  name: ConcreteBackendName;
  /** e.g. "blas: tfjs wasm + oneDNN 2.6.3 sgemm (avx512_core_bf16, OpenMP), 2 threads" */
  description: string;
  /** The GEMM provider of the `blas` backend (absent on the others). */
  gemm?: GemmProviderInfo;
  /** Why a faster backend was not used, with what to do about it (at most one line each). */
  warnings: string[];
}

export interface SelectBackendOptions {
  /** Receives the warnings and the one line saying which backend is in use. */
  log?: (line: string) => void;
  /** OpenBLAS threads for the `blas` backend; default: the number of cores. */
  blasThreads?: number;
}

export const FAST_PATH_HINT = 'apt-get install libdnnl-dev libopenblas-dev && pnpm build';

let tensorflowState: Promise<string | undefined> | undefined;

/** Loads tfjs-node when its native binding is actually there; the reason it is absent otherwise. */
function loadTensorflow(): Promise<string | undefined> {
  tensorflowState ??= (async () => {
    if (process.env.SIAMESE_LAB_DISABLE_TENSORFLOW === '1') return 'disabled by SIAMESE_LAB_DISABLE_TENSORFLOW=1';
    let packageDir: string;
    try {
      packageDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-node/package.json'));
    } catch {
      return '@tensorflow/tfjs-node is not installed';
    }
    // Importing tfjs-node without its binding would load all of @tensorflow/tfjs first and then fail.
    const libDir = join(packageDir, 'lib');
    const hasBinding = existsSync(libDir) && readdirSync(libDir).some((dir) => existsSync(join(libDir, dir, 'tfjs_binding.node')));
    if (!hasBinding) return '@tensorflow/tfjs-node has no native binding (its install script could not download libtensorflow)';
    try {
      await import('@tensorflow/tfjs-node');
    } catch (error) {
      return `@tensorflow/tfjs-node does not load (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
    }
    return tf.findBackend('tensorflow') || tf.engine().registryFactory?.tensorflow
      ? undefined
      : '@tensorflow/tfjs-node registered no backend in this tfjs instance';
  })();
  return tensorflowState;
}

/** The backends that can be selected here, fastest first. */
export async function availableBackends(): Promise<ConcreteBackendName[]> {
  const names: ConcreteBackendName[] = [];
  if ((await loadTensorflow()) === undefined) names.push('tensorflow');
  if (loadBlasAddon().addon) names.push('blas');
  names.push('wasm', 'cpu');
  return names;
}

function wasmDescription(): string {
  return 'wasm: tfjs WebAssembly kernels (SIMD, 1 thread)';
}

/**
 * Makes `name` the active tfjs backend (`auto`: the fastest present, tensorflow > blas > wasm
 * > cpu). A missing native addon is not an error: `blas` and `auto` fall back to wasm with
 * one warning. Asking for `tensorflow` when tfjs-node is absent is a LabError. May be called
 * again to switch backends.
 */
export async function selectBackend(name: BackendName, options: SelectBackendOptions = {}): Promise<ActiveBackend> {
  // Callers pass validated choices (backendSettingSchema, the CLI's choices): anything else is a bug.
  if (!BACKEND_NAMES.includes(name)) throw new Error(`unknown backend "${String(name)}" (one of ${BACKEND_NAMES.join(', ')})`);
  const threads = options.blasThreads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`blasThreads must be a whole number of at least 1, got ${threads}`);
  const warnings: string[] = [];
  const warn = (line: string) => {
    warnings.push(line);
    options.log?.(line);
  };
  const done = (active: ConcreteBackendName, description: string, gemm?: GemmProviderInfo): ActiveBackend => {
    options.log?.(`backend: ${description}${name === 'auto' ? ' (auto: fastest available)' : ''}`);
    return { requested: name, name: active, description, warnings, ...(gemm && { gemm }) };
  };

  if (name === 'tensorflow' || name === 'auto') {
    const problem = await loadTensorflow();
    if (problem === undefined && (await tf.setBackend('tensorflow'))) {
      return done('tensorflow', 'tensorflow: tfjs-node (libtensorflow)');
    }
    if (name === 'tensorflow') {
      throw new LabError(`the tensorflow backend is not available: ${problem ?? 'tfjs-node failed to initialise'}`, {
        hint: `use backend "blas" (tfjs wasm + OpenBLAS; ${FAST_PATH_HINT}) or "auto"`,
      });
    }
  }

  if (name === 'blas' || name === 'auto') {
    const { addon, problem } = loadBlasAddon();
    if (addon) {
      registerBlasBackend(addon);
      const gemm = chooseGemmProvider(addon, threads, warn);
      // 'blas' shares the wasm backend's module, so 'wasm' must be initialised first.
      if ((await tf.setBackend('wasm')) && (await tf.setBackend(BLAS_BACKEND))) {
        const threadCount = `${gemm.threads} thread${gemm.threads === 1 ? '' : 's'}`;
        return done('blas', `blas: tfjs wasm + ${gemm.version} sgemm (${gemm.kernel}, ${gemm.threading}), ${threadCount}`, gemm);
      }
      warn(`blas backend failed to initialise; using wasm. For the fast path: ${FAST_PATH_HINT}`);
    } else {
      warn(`blas backend unavailable (${problem}); using wasm. For the fast path: ${FAST_PATH_HINT}`);
    }
  }

  if (name !== 'cpu') {
    if (await tf.setBackend('wasm')) return done('wasm', wasmDescription());
    warn('wasm backend failed to initialise; using cpu (slow)');
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs cpu backend failed to initialise');
  return done('cpu', 'cpu: tfjs plain JavaScript kernels');
}
