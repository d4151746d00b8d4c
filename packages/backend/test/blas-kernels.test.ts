import { beforeAll, describe, expect, test } from 'vitest';
import { selectBackend, tf } from '../src/index.ts';
import { setBlasAddonLoader } from '../src/native-addon.ts';
import { countingAddon, loadRealAddon, on, randomTensor, relativeError } from './helpers.ts';

const realAddon = loadRealAddon();
const counted = realAddon ? countingAddon(realAddon) : undefined;

const providers = realAddon?.providers() ?? [];

// Without the built addon (no GEMM library) there is no blas backend to test; fallback.test.ts
// covers that case. Every product is checked on each GEMM provider the addon was built with.
describe.skipIf(!realAddon).each(providers)('blas backend kernels on %s against tfjs wasm', (provider) => {
  beforeAll(async () => {
    setBlasAddonLoader(() => counted!.addon);
    process.env.SIAMESE_LAB_GEMM = provider;
    try {
      const active = await selectBackend('blas');
      expect(active.name).toBe('blas');
      expect(active.gemm?.name).toBe(provider);
      expect(active.warnings).toEqual([]);
    } finally {
      delete process.env.SIAMESE_LAB_GEMM;
    }
    expect(tf.getBackend()).toBe('blas');
  });

  const transposes = [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const;
  // [a shape, b shape] before transposition: op(a) is [.., m, k], op(b) is [.., k, n].
  const shapes: Array<[number[], number[]]> = [
    [
      [5, 7],
      [7, 3],
    ],
    [
      [1, 1],
      [1, 1],
    ],
    [
      [33, 64],
      [64, 17],
    ],
    [
      [4, 5, 7],
      [4, 7, 3],
    ],
    [
      [1, 5, 7],
      [3, 7, 3],
    ],
    [
      [3, 5, 7],
      [1, 7, 3],
    ],
    [
      [5, 7],
      [2, 7, 3],
    ],
    [
      [2, 3, 6, 4],
      [2, 3, 4, 5],
    ],
    [
      [64, 200],
      [200, 96],
    ],
  ];

  function transposedShape(shape: number[], transpose: boolean): number[] {
    if (!transpose) return shape;
    const s = shape.slice();
    [s[s.length - 2], s[s.length - 1]] = [s[s.length - 1], s[s.length - 2]];
    return s;
  }

  for (const [transposeA, transposeB] of transposes) {
    for (const [aShape, bShape] of shapes) {
      test(`BatchMatMul ${JSON.stringify(aShape)} x ${JSON.stringify(bShape)} transposeA=${transposeA} transposeB=${transposeB}`, async () => {
        const seed = aShape.length * 100 + bShape[bShape.length - 1] + (transposeA ? 7 : 0) + (transposeB ? 13 : 0);
        const compute = () =>
          tf.tidy(() => {
            const a = randomTensor(transposedShape(aShape, transposeA), seed);
            const b = randomTensor(transposedShape(bShape, transposeB), seed + 1);
            return tf.matMul(a, b, transposeA, transposeB);
          });
        const [expected] = await on('wasm', compute);
        const before = counted!.calls.batchedMatMul ?? 0;
        const [actual] = await on('blas', compute);
        expect(counted!.calls.batchedMatMul).toBe(before + 1);
        expect(actual.shape).toEqual(expected.shape);
        expect(relativeError(actual.values, expected.values)).toBeLessThan(1e-5);
      });
    }
  }

  const activations = ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid'] as const;
  const activate: Record<(typeof activations)[number], (x: tf.Tensor) => tf.Tensor> = {
    linear: (x) => x,
    relu: tf.relu,
    relu6: tf.relu6,
    elu: tf.elu,
    leakyrelu: (x) => tf.leakyRelu(x, 0.1),
    sigmoid: tf.sigmoid,
  };
  const biasShapes = [undefined, [1], [9], [6, 9]];
  for (const [transposeA, transposeB] of transposes) {
    for (const activation of activations) {
      for (const biasShape of biasShapes) {
        test(`fused matMul transposeA=${transposeA} transposeB=${transposeB} ${activation} bias ${JSON.stringify(biasShape)}`, async () => {
          const inputs = () => ({
            a: tf.mul<tf.Tensor3D>(randomTensor(transposeA ? [2, 11, 6] : [2, 6, 11], 31), 2),
            b: randomTensor(transposeB ? [2, 9, 11] : [2, 11, 9], 32) as tf.Tensor3D,
            bias: biasShape ? randomTensor(biasShape, 33) : undefined,
          });
          // Reference: the unfused graph on wasm (tfjs' own wasm _FusedMatMul mis-adds the bias
          // for batched products, e.g. [[[1,2],[3,4]],...] @ I + [10,20] gives 23 for 13).
          const [expected] = await on('wasm', () =>
            tf.tidy(() => {
              const { a, b, bias } = inputs();
              const product = tf.matMul(a, b, transposeA, transposeB);
              return activate[activation](bias ? tf.add(product, bias) : product);
            }),
          );
          const before = counted!.calls.batchedMatMul ?? 0;
          const [actual] = await on('blas', () =>
            tf.tidy(() => tf.fused.matMul({ ...inputs(), transposeA, transposeB, activation, leakyreluAlpha: 0.1 })),
          );
          expect(counted!.calls.batchedMatMul).toBe(before + 1);
          expect(actual.shape).toEqual(expected.shape);
          expect(relativeError(actual.values, expected.values)).toBeLessThan(1e-5);
        });
      }
    }
  }

  test('fused matMul with prelu falls back to the wasm kernel and still matches', async () => {
    const compute = () =>
      tf.tidy(() =>
        tf.fused.matMul({
          a: randomTensor([4, 5], 41),
          b: randomTensor([5, 3], 42),
          bias: randomTensor([3], 43),
          activation: 'prelu',
          preluActivationWeights: tf.fill([3], 0.25),
        }),
      );
    const [expected] = await on('wasm', compute);
    const [actual] = await on('blas', compute);
    expect(relativeError(actual.values, expected.values)).toBeLessThan(1e-5);
  });

  test('gradients through matMul on blas match wasm', async () => {
    const compute = () =>
      tf.tidy(() => {
        const a = randomTensor([6, 5], 51),
          b = randomTensor([5, 4], 52),
          bias = randomTensor([4], 53);
        const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
          tf.sum(tf.mul(tf.fused.matMul({ a: x, b: y, bias: z, activation: 'relu' }), randomTensor([6, 4], 54)));
        return tf.grads(f)([a, b, bias]);
      });
    const expected = await on('wasm', compute);
    const actual = await on('blas', compute);
    expected.forEach((e, i) => expect(relativeError(actual[i].values, e.values)).toBeLessThan(1e-5));
  });

  test('cloned tensors share data safely: disposing the original keeps the clone', async () => {
    await tf.setBackend('blas');
    const x = tf.tensor([1, 2, 3]);
    const copy = tf.clone(x);
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1, 2, 3]);
    copy.dispose();
  });

  test('tensors move between wasm and blas, and both backends work in one process', async () => {
    await tf.setBackend('wasm');
    const onWasm = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    await tf.setBackend('blas');
    const product = tf.matMul(onWasm, onWasm);
    expect(Array.from(product.dataSync())).toEqual([7, 10, 15, 22]);
    tf.dispose([onWasm, product]);
  });
});
