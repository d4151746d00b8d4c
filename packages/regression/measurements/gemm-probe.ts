/**
 * Which numerics variants can differ at all? Computes the GEMMs of the seed's training step
 * (128 and 256 rows through 784-W-W-2, W = --width, default 1024, forward, weight gradient and input gradient) with
 * the OpenBLAS addon on fixed random inputs, and prints one SHA-256 over all the output bits.
 * Variants with the same hash compute every GEMM of the step bit for bit alike, so their training
 * runs are identical too (everything else the blas backend does is the same code), and need
 * not be trained twice.
 *
 *   OPENBLAS_CORETYPE=Haswell tsx packages/regression/measurements/gemm-probe.ts --threads 2
 *
 * Measurement script only: it is run under several OPENBLAS_CORETYPE values on purpose.
 */
import { createHash } from 'node:crypto';
import { loadBlasAddon } from '../../backend/src/native-addon.ts';

const option = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const threads = option('--threads', 2);
const width = option('--width', 1024); // the hidden layers' width: 1024 (the seed's), 128 (the small sweep)
const { addon, problem } = loadBlasAddon();
if (!addon) {
  console.error(`no OpenBLAS addon: ${problem}`);
  process.exit(2);
}
addon.setNumThreads(threads);

// [transposeA, transposeB, m, n, k] of out = op(a) @ op(b), as the dense layers call them.
const shapes: Array<[boolean, boolean, number, number, number]> = [];
for (const rows of [128, 256]) {
  for (const [inputs, outputs] of [
    [784, width],
    [width, width],
    [width, 2],
  ]) {
    shapes.push([false, false, rows, outputs, inputs]); // forward: x @ W
    shapes.push([true, false, inputs, outputs, rows]); // weight gradient: x^T @ dz
    shapes.push([false, true, rows, inputs, outputs]); // input gradient: dz @ W^T
  }
}

let state = 12345;
const random = () => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return state / 2 ** 32 - 0.5;
};
const hash = createHash('sha256');
for (const [transposeA, transposeB, m, n, k] of shapes) {
  const memory = new ArrayBuffer((m * k + k * n + m * n) * 4);
  const floats = new Float32Array(memory);
  for (let i = 0; i < m * k + k * n; i++) floats[i] = random();
  addon.batchedMatMul(memory, transposeA, transposeB, 1, m, n, k, 0, 1, m * k * 4, 1, (m * k + k * n) * 4, 0, 0, 0, 0);
  hash.update(new Uint8Array(memory, (m * k + k * n) * 4));
}
const { corename } = addon.getConfig();
console.log(
  JSON.stringify({
    coretype: process.env.OPENBLAS_CORETYPE ?? null,
    corename,
    width,
    threads: addon.getNumThreads(),
    sha256: hash.digest('hex').slice(0, 16),
  }),
);
