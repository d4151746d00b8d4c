import { expect, onTestFinished, test } from 'vitest';
import { describeNumerics, formatNumerics, numericsDifferences, parseNumerics, selectBackend, type Numerics } from '../src/index.ts';
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
    // OpenBLAS computes each fixed output block on one thread; the addon's OpenMP threads share them.
    expect(numerics.threads).toEqual({ openblas: 1, omp: 1 });
    expect(numerics.gemm.partition).toMatch(/output blocks/);
    expect(numerics.env.OPENBLAS_CORETYPE).toBe(process.env.OPENBLAS_CORETYPE ?? null);

    await selectBackend('blas', { blasThreads: 2 });
    const two = describeNumerics();
    expect(two.threads).toEqual({ openblas: 1, omp: 2 });
    // The thread count no longer decides the bits (test/thread-invariance.test.ts), so it is no difference.
    expect(numericsDifferences(numerics, two)).toEqual([]);
    expect(formatNumerics(two)).toMatch(/^blas: OpenBLAS [\d.]+ \(\w+ kernel\), 1 OpenBLAS thread, 2 OpenMP threads/);
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
  expect(numerics.gemm.partition).toMatch(/output blocks/);
  await selectBackend('blas', { blasThreads: 2 });
  expect(describeNumerics().threads).toEqual({ openblas: null, omp: 2 });
  expect(numericsDifferences(numerics, describeNumerics())).toEqual([]);
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

// The formatting and comparison of records from other machines, with explicit inputs: what this
// machine's own environment happens to be must not decide whether these pass.
const haswell: Numerics = {
  backend: 'blas',
  gemm: { provider: 'openblas', version: 'OpenBLAS 0.3.21', kernel: 'Haswell', partition: '4 output blocks' },
  threads: { openblas: 1, omp: 2 },
  cpu: { model: 'AMD EPYC 9R14', flags: ['avx', 'avx2', 'avx512f', 'fma', 'sse3'] },
  env: { OPENBLAS_CORETYPE: 'Haswell' },
};

test('the numerics line names OPENBLAS_CORETYPE when it is set, and only then', () => {
  expect(formatNumerics(haswell)).toBe(
    'blas: OpenBLAS 0.3.21 (Haswell kernel), 1 OpenBLAS thread, 2 OpenMP threads, OPENBLAS_CORETYPE=Haswell; AMD EPYC 9R14 [avx avx2 avx512f fma sse3]',
  );
  const unset = { ...haswell, env: { OPENBLAS_CORETYPE: null } };
  expect(formatNumerics(unset)).toBe(
    'blas: OpenBLAS 0.3.21 (Haswell kernel), 1 OpenBLAS thread, 2 OpenMP threads; AMD EPYC 9R14 [avx avx2 avx512f fma sse3]',
  );
  // The variable acts through the kernel it selects, which is compared; the variable itself is not.
  expect(numericsDifferences(haswell, unset)).toEqual([]);
});

test('one thread or several, a CPU without AVX-512, a record from before the fixed partition', () => {
  const oneThread: Numerics = { ...haswell, threads: { openblas: 1, omp: 1 }, env: { OPENBLAS_CORETYPE: null } };
  expect(formatNumerics(oneThread)).toMatch(/^blas: OpenBLAS 0\.3\.21 \(Haswell kernel\), 1 OpenBLAS thread, 1 OpenMP thread; /);
  expect(numericsDifferences(haswell, oneThread)).toEqual([]);

  const noAvx512: Numerics = {
    backend: 'blas',
    gemm: { provider: 'onednn', version: 'oneDNN 2.6.3', kernel: 'avx2', partition: '4 output blocks' },
    threads: { openblas: null, omp: 4 },
    cpu: { model: 'Intel Core i5-8250U', flags: ['avx', 'avx2', 'fma', 'sse3'] },
    env: { OPENBLAS_CORETYPE: null },
  };
  expect(formatNumerics(noAvx512)).toBe('blas: oneDNN 2.6.3 (avx2), 4 OpenMP threads; Intel Core i5-8250U [avx avx2 fma sse3]');
  const avx512 = {
    ...noAvx512,
    gemm: { ...noAvx512.gemm, kernel: 'avx512_core' },
    cpu: { ...noAvx512.cpu, flags: ['avx', 'avx2', 'avx512f', 'fma', 'sse3'] },
  };
  expect(numericsDifferences(noAvx512, avx512)).toEqual(['gemm.kernel: avx2 -> avx512_core', 'cpu.flags: +avx512f']);

  // Before the fixed partition, the library split products by thread count: those records keep it as a factor.
  const { partition: _, ...beforeGemm } = noAvx512.gemm;
  const before: Numerics = { ...noAvx512, gemm: beforeGemm };
  expect(numericsDifferences(before, { ...before, threads: { openblas: null, omp: 1 } })).toEqual(['threads.omp: 4 -> 1']);
  expect(numericsDifferences(before, noAvx512)).toEqual(['gemm.partition: n/a -> 4 output blocks']);
  expect(numericsDifferences(noAvx512, before)).toEqual(['gemm.partition: 4 output blocks -> n/a']);
  expect(parseNumerics(JSON.parse(JSON.stringify(noAvx512)))).toEqual(noAvx512);
});

test('convolutions: compared when both records describe them, named where their library is not the products', () => {
  const onednnConv = { provider: 'onednn', version: 'oneDNN 2.6.3', kernel: 'avx512_core', partition: 'batch in 4 image blocks' };
  const withConv: Numerics = { ...haswell, conv: onednnConv };
  // A record from before convolutions were described is no difference (its runs were MLPs').
  expect(numericsDifferences(haswell, withConv)).toEqual([]);
  expect(numericsDifferences(withConv, { ...withConv, conv: { ...onednnConv, kernel: 'avx2' } })).toEqual([
    'conv.kernel: avx512_core -> avx2',
  ]);
  expect(
    numericsDifferences(withConv, {
      ...withConv,
      conv: {
        provider: 'portable',
        version: 'siamese-lab portable conv 1',
        kernel: 'fixed-order',
        partition: 'each element on one thread',
      },
    }),
  ).toEqual([
    'conv.provider: onednn -> portable',
    'conv.version: oneDNN 2.6.3 -> siamese-lab portable conv 1',
    'conv.kernel: avx512_core -> fixed-order',
    'conv.partition: batch in 4 image blocks -> each element on one thread',
  ]);
  expect(formatNumerics(withConv)).toBe(
    'blas: OpenBLAS 0.3.21 (Haswell kernel), 1 OpenBLAS thread, 2 OpenMP threads, OPENBLAS_CORETYPE=Haswell, conv oneDNN 2.6.3; AMD EPYC 9R14 [avx avx2 avx512f fma sse3]',
  );
  expect(parseNumerics(JSON.parse(JSON.stringify(withConv)))).toEqual(withConv);
  // Portable products and portable convolutions: still the same bits on any machine.
  const portable: Numerics = {
    ...withConv,
    gemm: { provider: 'portable', version: 'siamese-lab portable 1', kernel: 'fixed-order' },
    conv: { provider: 'portable', version: 'siamese-lab portable conv 1', kernel: 'fixed-order' },
  };
  expect(numericsDifferences(portable, { ...portable, cpu: { model: 'Another CPU', flags: ['sse2'] } })).toEqual([]);
});
