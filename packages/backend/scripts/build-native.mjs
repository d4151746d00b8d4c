// Builds the OpenBLAS addon (native/blas_addon.cc) with node-gyp. The addon is optional:
// when OpenBLAS or a compiler is missing, or the build fails, this prints ONE warning line
// and exits 0, and the `blas` backend falls back to plain wasm at run time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const logPath = join(packageDir, 'build', 'native-build.log');
const fastPathHint = 'apt-get install libopenblas-dev && pnpm build';

function warn(reason) {
  console.warn(`siamese-lab backend: OpenBLAS addon not built (${reason}); the blas backend will fall back to wasm. For the fast path: ${fastPathHint}`);
  process.exit(0);
}

if (process.env.SIAMESE_LAB_DISABLE_BLAS === '1') warn('SIAMESE_LAB_DISABLE_BLAS=1');

/** Directories holding OpenBLAS's own cblas.h (with openblas_set_num_threads), best first. */
function candidateIncludeDirs() {
  const dirs = [];
  const multiarch = '/usr/include/' + (process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu');
  for (const flavour of ['openblas-pthread', 'openblas-openmp', 'openblas-serial']) dirs.push(join(multiarch, flavour));
  dirs.push('/usr/include/openblas', '/usr/local/include/openblas', '/usr/local/include',
    '/opt/homebrew/opt/openblas/include', '/usr/local/opt/openblas/include', '/usr/include');
  if (process.env.OPENBLAS_INCLUDE) dirs.unshift(process.env.OPENBLAS_INCLUDE);
  return dirs;
}

function candidateLibDirs() {
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib',
    '/opt/homebrew/opt/openblas/lib', '/usr/local/opt/openblas/lib'];
  if (process.env.OPENBLAS_LIBDIR) dirs.unshift(process.env.OPENBLAS_LIBDIR);
  return dirs;
}

const includeDir = candidateIncludeDirs().find((dir) => existsSync(join(dir, 'cblas.h')) && existsSync(join(dir, 'openblas_config.h')));
if (!includeDir) warn('OpenBLAS headers not found');
const libDir = candidateLibDirs().find((dir) => existsSync(dir) && readdirSync(dir).some((f) => /^libopenblas\.(so|dylib)/.test(f)));
if (!libDir) warn('libopenblas not found');

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
  env: { ...process.env, SIAMESE_LAB_OPENBLAS_INCLUDE: includeDir, SIAMESE_LAB_OPENBLAS_LIBDIR: libDir },
  encoding: 'utf8',
});
writeFileSync(logPath, `${result.stdout ?? ''}\n${result.stderr ?? ''}\n${result.error ? String(result.error) : ''}`);
if (result.status !== 0) warn(`node-gyp failed, see ${logPath}`);

// Check that the addon loads and links against OpenBLAS before calling it a success.
try {
  const addon = require(join(packageDir, 'build', 'Release', 'siamese_lab_blas.node'));
  const { config } = addon.getConfig();
  console.log(`siamese-lab backend: OpenBLAS addon built (${config.trim()})`);
} catch (error) {
  warn(`the built addon does not load: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
}
