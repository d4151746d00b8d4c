import { expect, onTestFinished, test } from 'vitest';
import { describeNumerics, formatNumerics, numericsDifferences, parseNumerics, selectBackend } from '../src/index.ts';
import { loadBlasAddon } from '../src/native-addon.ts';

const providers = loadBlasAddon().addon?.providers() ?? [];

test.skipIf(!providers.includes('openblas'))(
  'blas on OpenBLAS: its version, the kernel it dispatched to, and the threads in force',
  async () => {
    process.env.SIAMESE_LAB_GEMM = 'openblas';
    onTestFinished(() => {
      delete process.env.SIAMESE_LAB_GEMM;
    });
    await selectBackend('blas', { blasThreads: 1 });
    const numerics = describeNumerics();
    expect(numerics.backend).toBe('blas');
    expect(numerics.gemm.provider).toBe('openblas');
    expect(numerics.gemm.version).toMatch(/^OpenBLAS [\d.]+$/);
    // openblas_get_corename(): a kernel name such as Haswell, SkylakeX or Prescott.
    expect(numerics.gemm.kernel).toMatch(/^[A-Za-z0-9_]+$/);
    expect(numerics.threads.openblas).toBe(1);
    expect(numerics.env.OPENBLAS_CORETYPE).toBe(process.env.OPENBLAS_CORETYPE ?? null);

    await selectBackend('blas', { blasThreads: 2 });
    const two = describeNumerics();
    expect(numericsDifferences(numerics, two)).toEqual(['threads.openblas: 1 -> 2']);
    expect(formatNumerics(two)).toMatch(/^blas: OpenBLAS [\d.]+ \(\w+ kernel\), 2 OpenBLAS threads/);
  },
);

test.skipIf(!providers.includes('onednn'))('blas on oneDNN: dnnl_version(), the ISA it dispatched to, and the OpenMP threads', async () => {
  process.env.SIAMESE_LAB_GEMM = 'onednn';
  onTestFinished(() => {
    delete process.env.SIAMESE_LAB_GEMM;
  });
  await selectBackend('blas', { blasThreads: 1 });
  const numerics = describeNumerics();
  expect(numerics.gemm.provider).toBe('onednn');
  expect(numerics.gemm.version).toMatch(/^oneDNN \d+\.\d+\.\d+$/);
  // dnnl_get_effective_cpu_isa(): e.g. avx2, avx512_core, avx512_core_bf16.
  expect(numerics.gemm.kernel).toMatch(/^(sse41|avx|avx2|avx2_vnni|avx512\w*|generic)$/);
  expect(numerics.threads).toEqual({ openblas: null, omp: 1 });
  await selectBackend('blas', { blasThreads: 2 });
  expect(numericsDifferences(numerics, describeNumerics())).toEqual(['threads.omp: 1 -> 2']);
  expect(formatNumerics(describeNumerics())).toMatch(/^blas: oneDNN [\d.]+ \((avx\w*|sse41|generic)\), 2 OpenMP threads/);
});

test('wasm and cpu name their kernels; switching backend is a difference in numerics', async () => {
  await selectBackend('wasm');
  const wasm = describeNumerics();
  expect(wasm).toMatchObject({ backend: 'wasm', gemm: { provider: 'xnnpack', kernel: 'wasm-simd128' }, threads: { openblas: null } });
  expect(wasm.gemm.version).toMatch(/tfjs-backend-wasm \d/);
  await selectBackend('cpu');
  const cpu = describeNumerics();
  expect(cpu.gemm.provider).toBe('javascript');
  const differences = numericsDifferences(wasm, cpu);
  expect(differences).toContain('backend: wasm -> cpu');
  expect(differences).toContain('gemm.provider: xnnpack -> javascript');
  expect(numericsDifferences(cpu, describeNumerics())).toEqual([]);
});

test('the CPU flags are the ones that matter, sorted, and survive a round trip through JSON', () => {
  const numerics = describeNumerics('cpu');
  expect(numerics.cpu.flags).toEqual([...numerics.cpu.flags].sort());
  expect(numerics.cpu.flags).not.toContain('fpu');
  const parsed = parseNumerics(JSON.parse(JSON.stringify(numerics)));
  expect(parsed).toEqual(numerics);
  expect(numericsDifferences(numerics, { ...numerics, cpu: { ...numerics.cpu, flags: [...numerics.cpu.flags, 'zz_new'] } })).toEqual([
    'cpu.flags: +zz_new',
  ]);
  expect(parseNumerics({ backend: 'blas' })).toBeUndefined();
  expect(parseNumerics(null)).toBeUndefined();
});

test('on machine-independent products (portable GEMM, wasm) another CPU or thread count is not a numerics difference', () => {
  for (const provider of ['portable', 'xnnpack']) {
    const numerics = { ...describeNumerics('cpu'), gemm: { provider, version: 'v1', kernel: 'fixed-order' } };
    const elsewhere = { ...numerics, cpu: { model: 'Another CPU', flags: ['sse2'] }, threads: { openblas: null, omp: 7 } };
    expect(numericsDifferences(numerics, elsewhere)).toEqual([]);
    expect(numericsDifferences(numerics, { ...numerics, gemm: { ...numerics.gemm, version: 'v2' } })).toEqual(['gemm.version: v1 -> v2']);
  }
  const tuned = { ...describeNumerics('cpu'), gemm: { provider: 'onednn', version: 'oneDNN 2.6.3', kernel: 'avx2' } };
  expect(numericsDifferences(tuned, { ...tuned, cpu: { ...tuned.cpu, model: 'Another CPU' } })).toHaveLength(1);
});
