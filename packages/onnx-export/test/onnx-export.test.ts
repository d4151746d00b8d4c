import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  buildOnnxModel,
  decodeModelProto,
  ONNX_OPSET,
  type LayerActivation,
  type SisterDescription,
  type SisterLayer,
} from '../src/index.ts';

/** A seeded generator of floats in [-scale, scale) (xorshift32), so each case has fixed weights. */
function seededFloats(count: number, seed: number, scale = 0.5): Float32Array {
  let state = seed >>> 0 || 1;
  return Float32Array.from({ length: count }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) / 2 ** 32 - 0.5) * 2 * scale;
  });
}

function activation(value: number, kind: LayerActivation): number {
  if (kind === 'relu') return Math.max(0, value);
  if (kind === 'tanh') return Math.tanh(value);
  if (kind === 'sigmoid') return 1 / (1 + Math.exp(-value));
  return value;
}

/** The layers computed directly in NHWC with plain loops: what the ONNX graph must reproduce. */
function reference(sister: SisterDescription, input: Float32Array, count: number): Float64Array[] {
  return Array.from({ length: count }, (_, n) => {
    let { rows, cols, channels } = sister.image;
    let x = Float64Array.from(input.subarray(n * rows * cols * channels, (n + 1) * rows * cols * channels));
    const at = (r: number, c: number, ch: number) => (r * cols + c) * channels + ch;
    for (const layer of sister.layers) {
      if (layer.kind === 'scale') x = x.map((v) => v * layer.factor);
      else if (layer.kind === 'normalize') x = x.map((v, i) => (v - layer.mean[i % channels]) / layer.std[i % channels]);
      else if (layer.kind === 'invert') x = x.map((v) => 1 - v);
      else if (layer.kind === 'rotate90') {
        const out = new Float64Array(x.length);
        for (let r = 0; r < rows; r++)
          for (let c = 0; c < cols; c++)
            for (let ch = 0; ch < channels; ch++) out[(c * rows + (rows - 1 - r)) * channels + ch] = x[at(r, c, ch)];
        [rows, cols, x] = [cols, rows, out];
      } else if (layer.kind === 'max_pool' || layer.kind === 'average_pool') {
        const s = layer.size;
        const outRows = Math.floor(rows / s),
          outCols = Math.floor(cols / s);
        const out = new Float64Array(outRows * outCols * channels);
        for (let r = 0; r < outRows; r++)
          for (let c = 0; c < outCols; c++)
            for (let ch = 0; ch < channels; ch++) {
              const window: number[] = [];
              for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) window.push(x[at(r * s + i, c * s + j, ch)]);
              out[(r * outCols + c) * channels + ch] =
                layer.kind === 'max_pool' ? Math.max(...window) : window.reduce((a, b) => a + b, 0) / window.length;
            }
        [rows, cols, x] = [outRows, outCols, out];
      } else if (layer.kind === 'conv') {
        const [k, , inputs, outputs] = layer.kernelShape;
        const pad = (k - 1) / 2;
        const out = new Float64Array(rows * cols * outputs);
        for (let r = 0; r < rows; r++)
          for (let c = 0; c < cols; c++)
            for (let o = 0; o < outputs; o++) {
              let sum = layer.bias[o];
              for (let i = 0; i < k; i++)
                for (let j = 0; j < k; j++) {
                  const rr = r + i - pad,
                    cc = c + j - pad;
                  if (rr < 0 || rr >= rows || cc < 0 || cc >= cols) continue;
                  for (let ch = 0; ch < inputs; ch++) sum += x[at(rr, cc, ch)] * layer.kernel[((i * k + j) * inputs + ch) * outputs + o];
                }
              out[(r * cols + c) * outputs + o] = activation(sum, layer.activation);
            }
        [channels, x] = [outputs, out];
      } else if (layer.kind === 'dense') {
        const [inputs, outputs] = layer.weightsShape;
        const out = new Float64Array(outputs);
        for (let o = 0; o < outputs; o++) {
          let sum = layer.bias[o];
          for (let i = 0; i < inputs; i++) sum += x[i] * layer.weights[i * outputs + o];
          out[o] = activation(sum, layer.activation);
        }
        x = out;
      }
    }
    return x;
  });
}

function dense(inputs: number, outputs: number, seed: number, kind: LayerActivation): SisterLayer {
  return {
    kind: 'dense',
    weights: seededFloats(inputs * outputs, seed),
    weightsShape: [inputs, outputs],
    bias: seededFloats(outputs, seed + 1, 0.1),
    activation: kind,
  };
}

function conv(k: number, inputs: number, outputs: number, seed: number, kind: LayerActivation): SisterLayer {
  return {
    kind: 'conv',
    kernel: seededFloats(k * k * inputs * outputs, seed),
    kernelShape: [k, k, inputs, outputs],
    bias: seededFloats(outputs, seed + 1, 0.1),
    activation: kind,
  };
}

const mlp: SisterDescription = {
  inputName: 'pixels',
  image: { rows: 3, cols: 4, channels: 1 },
  layers: [
    { kind: 'scale', factor: Math.fround(1 / 255) },
    { kind: 'normalize', mean: [0.25], std: [0.5] },
    dense(12, 5, 1, 'relu'),
    dense(5, 4, 3, 'tanh'),
    dense(4, 3, 5, 'linear'),
  ],
  outputName: 'embedding',
};

// 6x8 → rotated 8x6 → averaged 4x3 → conv 4x3x2 → max-pooled 2x1x2 (the odd column dropped) → 3.
const cnn: SisterDescription = {
  inputName: 'pixels_b',
  image: { rows: 6, cols: 8, channels: 1 },
  layers: [
    { kind: 'scale', factor: Math.fround(1 / 255) },
    { kind: 'rotate90' },
    { kind: 'invert' },
    { kind: 'average_pool', size: 2 },
    conv(3, 1, 2, 7, 'relu'),
    { kind: 'max_pool', size: 2 },
    dense(4, 3, 9, 'linear'),
  ],
  outputName: 'embedding_b',
  batchName: 'batch_b',
};

// Three channels normalised each its own way, two convolutions: the NHWC input is transposed in the graph.
const colourCnn: SisterDescription = {
  inputName: 'rgb',
  image: { rows: 5, cols: 5, channels: 3 },
  layers: [
    { kind: 'scale', factor: Math.fround(1 / 255) },
    { kind: 'normalize', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    conv(3, 3, 4, 11, 'sigmoid'),
    { kind: 'max_pool', size: 2 },
    conv(5, 4, 2, 13, 'relu'),
    dense(8, 6, 15, 'relu'),
    dense(6, 2, 17, 'linear'),
  ],
  outputName: 'vector',
};

async function runOnnx(
  bytes: Uint8Array,
  feeds: Record<string, { data: Float32Array; dims: number[] }>,
): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(bytes);
  const results = await session.run(
    Object.fromEntries(Object.entries(feeds).map(([name, feed]) => [name, new ort.Tensor('float32', feed.data, feed.dims)])),
  );
  return Object.fromEntries(Object.entries(results).map(([name, tensor]) => [name, tensor.data as Float32Array]));
}

function maxDifference(actual: Float32Array, expected: Float64Array[]): number {
  const flat = expected.flatMap((row) => [...row]);
  expect(actual.length).toBe(flat.length);
  return Math.max(...flat.map((value, i) => Math.abs(value - actual[i])));
}

describe('buildOnnxModel', () => {
  it('writes opset 13 with named inputs and outputs and a symbolic batch dimension', () => {
    const model = decodeModelProto(
      buildOnnxModel({ sisters: [mlp], graphName: 'g', producerVersion: '0.1.0', metadata: { run: '7' } }),
    ) as {
      opset_import: Array<{ domain?: string; version: number }>;
      metadata_props: Array<{ key: string; value: string }>;
      graph: {
        input: Array<{ name: string; type: { tensor_type: { shape: { dim: Array<{ dim_value?: number; dim_param?: string }> } } } }>;
        output: Array<{ name: string }>;
      };
    };
    expect(model.opset_import).toMatchObject([{ version: ONNX_OPSET }]);
    expect(ONNX_OPSET).toBeGreaterThanOrEqual(13);
    expect(model.metadata_props).toEqual([{ key: 'run', value: '7' }]);
    expect(model.graph.input.map((input) => input.name)).toEqual(['pixels']);
    expect(model.graph.output.map((output) => output.name)).toEqual(['embedding']);
    expect(model.graph.input[0].type.tensor_type.shape.dim).toEqual([{ dim_param: 'batch' }, { dim_value: 3 }, { dim_value: 4 }]);
  });

  it('an MLP, a CNN with rotation, inversion and pools, and a three-channel CNN: onnxruntime computes the layers, for any batch size', async () => {
    for (const [sister, batch] of [
      [mlp, 5],
      [cnn, 4],
      [colourCnn, 3],
      [mlp, 1],
    ] as const) {
      const { rows, cols, channels } = sister.image;
      const input = seededFloats(batch * rows * cols * channels, 21 + batch, 127.5).map((v) => Math.round(v + 127.5));
      const dims = channels === 1 ? [batch, rows, cols] : [batch, rows, cols, channels];
      const outputs = await runOnnx(buildOnnxModel({ sisters: [sister], graphName: 'g', producerVersion: '0' }), {
        [sister.inputName]: { data: input, dims },
      });
      expect(maxDifference(outputs[sister.outputName], reference(sister, input, batch))).toBeLessThan(1e-5);
    }
  });

  it('two sisters in one graph: each input gives its own output, with its own batch size', async () => {
    const a = Float32Array.from({ length: 2 * 12 }, (_, i) => (i * 37) % 256);
    const b = Float32Array.from({ length: 3 * 48 }, (_, i) => (i * 53) % 256);
    const outputs = await runOnnx(buildOnnxModel({ sisters: [mlp, cnn], graphName: 'g', producerVersion: '0' }), {
      pixels: { data: a, dims: [2, 3, 4] },
      pixels_b: { data: b, dims: [3, 6, 8] },
    });
    expect(maxDifference(outputs.embedding, reference(mlp, a, 2))).toBeLessThan(1e-5);
    expect(maxDifference(outputs.embedding_b, reference(cnn, b, 3))).toBeLessThan(1e-5);
  });

  it('refuses layers that do not fit together', () => {
    const misfit: SisterDescription = { ...mlp, layers: [dense(10, 3, 1, 'linear')] };
    expect(() => buildOnnxModel({ sisters: [misfit], graphName: 'g', producerVersion: '0' })).toThrow(
      /dense layer for 10 features after 12/,
    );
    const noEmbedding: SisterDescription = { ...mlp, layers: [{ kind: 'scale', factor: 2 }] };
    expect(() => buildOnnxModel({ sisters: [noEmbedding], graphName: 'g', producerVersion: '0' })).toThrow(/must end with a dense layer/);
    expect(() => buildOnnxModel({ sisters: [mlp, mlp], graphName: 'g', producerVersion: '0' })).toThrow(/distinct/);
  });
});
