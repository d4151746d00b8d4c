// Builds the native addon (native/*.cc) with node-gyp, with every GEMM library found: oneDNN
// (libdnnl) and OpenBLAS, each optional. The addon is optional too: when neither library or no
// compiler is there, or the build fails, this prints ONE warning line and exits 0, and the
// `blas` backend falls back to plain wasm at run time. SIAMESE_LAB_BUILD_WITHOUT=onednn|openblas
// leaves one library out (to check that a machine without it still builds and trains).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const logPath = join(packageDir, 'build', 'native-build.log');
const fastPathHint = 'apt-get install libdnnl-dev libopenblas-dev && pnpm build';

function warn(reason) {
  console.warn(
    `siamese-lab backend: native addon not built (${reason}); the blas backend will fall back to wasm. For the fast path: ${fastPathHint}`,
  );
  process.exit(0);
}

if (process.env.SIAMESE_LAB_DISABLE_BLAS === '1') warn('SIAMESE_LAB_DISABLE_BLAS=1');

/** Directories holding OpenBLAS's own cblas.h (with openblas_set_num_threads), best first. */
function candidateIncludeDirs() {
  const dirs = [];
  const multiarch = '/usr/include/' + (process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu');
  for (const flavour of ['openblas-pthread', 'openblas-openmp', 'openblas-serial']) dirs.push(join(multiarch, flavour));
  dirs.push(
    '/usr/include/openblas',
    '/usr/local/include/openblas',
    '/usr/local/include',
    '/opt/homebrew/opt/openblas/include',
    '/usr/local/opt/openblas/include',
    '/usr/include',
  );
  if (process.env.OPENBLAS_INCLUDE) dirs.unshift(process.env.OPENBLAS_INCLUDE);
  return dirs;
}

function candidateLibDirs() {
  const dirs = [
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
    '/opt/homebrew/opt/openblas/lib',
    '/usr/local/opt/openblas/lib',
  ];
  if (process.env.OPENBLAS_LIBDIR) dirs.unshift(process.env.OPENBLAS_LIBDIR);
  return dirs;
}

const without = new Set(
  (process.env.SIAMESE_LAB_BUILD_WITHOUT ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean),
);
const hasLibrary = (dir, pattern) => existsSync(dir) && readdirSync(dir).some((f) => pattern.test(f));

/** OpenBLAS: its own cblas.h (with openblas_set_num_threads) and libopenblas. */
function findOpenBlas() {
  if (without.has('openblas')) return { problem: 'left out by SIAMESE_LAB_BUILD_WITHOUT' };
  const includeDir = candidateIncludeDirs().find((dir) => existsSync(join(dir, 'cblas.h')) && existsSync(join(dir, 'openblas_config.h')));
  if (!includeDir) return { problem: 'OpenBLAS headers not found' };
  const libDir = candidateLibDirs().find((dir) => hasLibrary(dir, /^libopenblas\.(so|dylib)/));
  if (!libDir) return { problem: 'libopenblas not found' };
  return { includeDir, libDir, lib: '-lopenblas', define: 'SIAMESE_LAB_HAVE_OPENBLAS' };
}

/** oneDNN: oneapi/dnnl/dnnl.h and libdnnl (Debian: libdnnl-dev). */
function findOneDnn() {
  if (without.has('onednn')) return { problem: 'left out by SIAMESE_LAB_BUILD_WITHOUT' };
  const includeDirs = ['/usr/include', '/usr/local/include', '/opt/homebrew/include', '/usr/local/opt/onednn/include'];
  if (process.env.DNNL_INCLUDE) includeDirs.unshift(process.env.DNNL_INCLUDE);
  const includeDir = includeDirs.find((dir) => existsSync(join(dir, 'oneapi', 'dnnl', 'dnnl.h')));
  if (!includeDir) return { problem: 'oneDNN headers not found' };
  const libDirs = candidateLibDirs();
  if (process.env.DNNL_LIBDIR) libDirs.unshift(process.env.DNNL_LIBDIR);
  const libDir = libDirs.find((dir) => hasLibrary(dir, /^libdnnl\.(so|dylib)/));
  if (!libDir) return { problem: 'libdnnl not found' };
  return { includeDir, libDir, lib: '-ldnnl', define: 'SIAMESE_LAB_HAVE_DNNL' };
}

const libraries = { onednn: findOneDnn(), openblas: findOpenBlas() };
const found = Object.values(libraries).filter((library) => library.define);
if (found.length === 0) warn(`no GEMM library: oneDNN (${libraries.onednn.problem}), OpenBLAS (${libraries.openblas.problem})`);
const missing = Object.entries(libraries)
  .filter(([, library]) => !library.define)
  .map(([name, library]) => `${name}: ${library.problem}`);
const gypEnv = {
  SIAMESE_LAB_GEMM_DEFINES: found.map((library) => library.define).join(' '),
  SIAMESE_LAB_GEMM_INCLUDE_DIRS: [...new Set(found.map((library) => library.includeDir))].join(' '),
  SIAMESE_LAB_GEMM_LIBRARIES: [...new Set(found.flatMap((library) => [`-L${library.libDir}`, `-Wl,-rpath,${library.libDir}`]))]
    .concat(found.map((library) => library.lib))
    .join(' '),
};

// node-gyp would download Node's headers; use the ones installed beside this node when present.
const nodePrefix = dirname(dirname(process.execPath));
const nodeDirArgs = existsSync(join(nodePrefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${nodePrefix}`] : [];

let nodeGyp;
try {
  nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  warn('node-gyp is not installed');
}

mkdirSync(join(packageDir, 'build'), { recursive: true });
const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', ...nodeDirArgs], {
  cwd: packageDir,
  env: { ...process.env, ...gypEnv },
  encoding: 'utf8',
});
writeFileSync(logPath, `${result.stdout ?? ''}\n${result.stderr ?? ''}\n${result.error ? String(result.error) : ''}`);
if (result.status !== 0) warn(`node-gyp failed, see ${logPath}`);

// Check that the addon loads and reaches its libraries before calling it a success.
try {
  const addon = require(join(packageDir, 'build', 'Release', 'siamese_lab_blas.node'));
  const providers = addon.providers().map((name) => {
    addon.setProvider(name);
    const info = addon.providerInfo();
    return `${info.version} (${info.kernel}, ${info.threading})`;
  });
  const without = missing.length ? `; without ${missing.join(', ')}` : '';
  console.log(`siamese-lab backend: native addon built with ${providers.join(' and ')}${without}`);
} catch (error) {
  warn(`the built addon does not load: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
}
