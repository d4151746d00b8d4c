import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { loadMnist, readNpy, writeNpy } from '@siamese-lab/data';
import { greyscalePng, imagePng } from '@siamese-lab/report';
import { openRunStore } from '@siamese-lab/store';
import { lab, tempFolder, writeExperiment } from './helpers.ts';

/**
 * `lab export-model` and `lab embed` on small trained runs: the ONNX model, run by onnxruntime,
 * embeds as the lab does; `lab embed` reproduces the run's own stored test embedding; bad input
 * is refused with the file named and nothing written.
 */

const inputCount = 48;

/** A tiny experiment on MNIST with checkpoints stored (the default), trained a few steps. */
function tinyExperiment(name: string, model: string, options: { data?: string; sweep?: string; evaluation?: string } = {}): string {
  return `
name: ${name}
base:
  backend: cpu
  data: { train_limit: 600${options.data ?? ''} }
  model: ${model}
  sampler: { batch_size: 32 }
  training: { steps: 20, log_every: 10 }
  evaluation: { test_limit: 200, verification_pairs: 100${options.evaluation ?? ''} }
${options.sweep ?? ''}
`;
}

const sharedAndDistinct = 'sweep: { grid: { model.share_weights: [true, false] } }';

/** MLP and CNN sisters with shared and distinct weights, and two sources: sister A an MLP on MNIST, sister B a CNN on its rotated, inverted, 14x14 rendering. */
const experiments: Array<[string, string]> = [
  ['mlp.yaml', tinyExperiment('take-away-mlp', '{ tower_a: { hidden: [24] } }', { sweep: sharedAndDistinct })],
  [
    'cnn.yaml',
    tinyExperiment('take-away-cnn', '{ tower_a: { kind: cnn, channels: [4, 6], kernel_size: 3, hidden: [16] } }', {
      sweep: sharedAndDistinct,
    }),
  ],
  [
    'two-sources.yaml',
    tinyExperiment(
      'take-away-two-sources',
      '{ share_weights: false, tower_a: { hidden: [24] }, tower_b: { kind: cnn, channels: [4], kernel_size: 3, hidden: [16] } }',
      { data: ', right: { rotate90: true, invert: true, downsample: 2 }' },
    ),
  ],
];

let folder: string;
let db: string;
let images: string;
let pixels: Float32Array;
let labels: Uint8Array;

beforeAll(() => {
  folder = tempFolder();
  db = join(folder, 'runs.sqlite');
  const test = loadMnist().test;
  // The first test images as the bytes MNIST stores (the loader's floats are bytes / 255, rounded to float32).
  const bytes = Uint8Array.from(test.images.subarray(0, inputCount * 784), (value) => Math.round(value * 255));
  pixels = Float32Array.from(bytes);
  labels = test.labels.slice(0, inputCount);
  images = join(folder, 'digits.npy');
  writeNpy(images, { dtype: 'uint8', shape: [inputCount, 28, 28], data: bytes });
  writeNpy(join(folder, 'labels.npy'), { dtype: 'uint8', shape: [inputCount], data: labels });
  for (const [name, text] of experiments) {
    const result = lab(['run', writeExperiment(folder, name, text), '--db', db, '--no-report']);
    expect(result.status, result.stderr).toBe(0);
  }
}, 600_000);

interface RunCase {
  id: number;
  label: string;
  shared: boolean;
  twoSources: boolean;
}

function runCases(): RunCase[] {
  const store = openRunStore(db, { readonly: true });
  try {
    return store
      .listRuns()
      .filter((run) => run.experimentName.startsWith('take-away'))
      .map((run) => ({
        id: run.id,
        label: `${run.experimentName} [${run.label}]`,
        shared: run.params['model.share_weights'] === true,
        twoSources: run.experimentName === 'take-away-two-sources',
      }));
  } finally {
    store.close();
  }
}

function storedEmbedding(runId: number) {
  const store = openRunStore(db, { readonly: true });
  try {
    return store.getEmbedding(runId)!;
  } finally {
    store.close();
  }
}

function embed(runId: number, side: 'a' | 'b'): Float32Array {
  const out = join(folder, `run-${runId}-${side}.npy`);
  const result = lab(['embed', String(runId), images, '--side', side, '--out', out, '--db', db]);
  expect(result.status, result.stderr).toBe(0);
  const array = readNpy(out);
  expect(array.dtype).toBe('float32');
  expect(array.shape).toEqual([inputCount, 2]);
  return array.data as Float32Array;
}

const maxAbsDifference = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length);
  return a.reduce((max, value, i) => Math.max(max, Math.abs(value - b[i])), 0);
};

describe('lab export-model --format onnx, run by onnxruntime-node', () => {
  it('embeds as the lab does within 1e-5: MLP and CNN sisters, shared and distinct weights, two sources', async () => {
    const cases = runCases();
    expect(cases).toHaveLength(5);
    const figures: string[] = [];
    for (const run of cases) {
      const sides = run.shared ? (['a'] as const) : (['a', 'b'] as const);
      const labEmbeddings = Object.fromEntries(sides.map((side) => [side, embed(run.id, side)]));

      // lab embed gives the run's own evaluation embedding of these test images, bit for bit.
      const stored = storedEmbedding(run.id);
      expect(labEmbeddings.a).toEqual(stored.points.slice(0, inputCount * 2));
      if (run.twoSources) {
        const domainB = stored.points.subarray(200 * 2, (200 + inputCount) * 2);
        expect(labEmbeddings.b).toEqual(Float32Array.from(domainB));
      }

      const model = join(folder, `run-${run.id}.onnx`);
      const exported = lab(['export-model', String(run.id), '--format', 'onnx', '--out', model, '--db', db]);
      expect(exported.status, exported.stderr).toBe(0);
      expect(exported.stdout.trim()).toBe(model);
      const session = await ort.InferenceSession.create(model);
      const names = (side: 'a' | 'b') =>
        run.shared ? { input: 'pixels', output: 'embedding' } : { input: `pixels_${side}`, output: `embedding_${side}` };
      expect([...session.inputNames].sort()).toEqual(sides.map((side) => names(side).input));
      // Two batch sizes in one call: the batch dimension is symbolic.
      for (const batch of [inputCount, 5]) {
        const feeds = Object.fromEntries(
          sides.map((side) => [names(side).input, new ort.Tensor('float32', pixels.slice(0, batch * 784), [batch, 28, 28])]),
        );
        const outputs = await session.run(feeds);
        for (const side of sides) {
          const onnx = outputs[names(side).output];
          expect(onnx.dims).toEqual([batch, 2]);
          const difference = maxAbsDifference(onnx.data as Float32Array, labEmbeddings[side].slice(0, batch * 2));
          expect(difference, `${run.label} sister ${side}`).toBeLessThan(1e-5);
          if (batch === inputCount) figures.push(`${run.label} sister ${side}: max |onnx - lab| = ${difference.toExponential(2)}`);
        }
      }
      await session.release();
    }
    console.log(figures.join('\n'));
  }, 300_000);
});

describe('lab embed --projector', () => {
  it("writes what TensorBoard's projector loads: tensors.tsv, metadata.tsv with a header, a square sprite, projector_config.pbtxt", () => {
    const run = runCases().find((candidate) => candidate.shared)!;
    const projector = join(folder, 'projector');
    const out = join(folder, 'projected.npy');
    const result = lab([
      'embed',
      String(run.id),
      images,
      '--out',
      out,
      '--labels',
      join(folder, 'labels.npy'),
      '--projector',
      projector,
      '--db',
      db,
    ]);
    expect(result.status, result.stderr).toBe(0);
    expect(readdirSync(projector).sort()).toEqual(['metadata.tsv', 'projector_config.pbtxt', 'sprite.png', 'tensors.tsv']);

    const points = readNpy(out).data as Float32Array;
    const tensorLines = readFileSync(join(projector, 'tensors.tsv'), 'utf8').trimEnd().split('\n');
    expect(tensorLines).toHaveLength(inputCount);
    const tensors = tensorLines.flatMap((line) => line.split('\t').map(Number));
    expect(Float32Array.from(tensors)).toEqual(points);

    const metadata = readFileSync(join(projector, 'metadata.tsv'), 'utf8').trimEnd().split('\n');
    expect(metadata[0]).toBe('index\tlabel');
    expect(metadata.slice(1)).toEqual(Array.from(labels, (label, n) => `${n}\t${label}`));

    // 48 thumbnails: a 7 x 7 grid of 28 x 28 pixels.
    const sprite = readFileSync(join(projector, 'sprite.png'));
    expect(sprite.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([sprite.readUInt32BE(16), sprite.readUInt32BE(20)]).toEqual([7 * 28, 7 * 28]);

    const config = readFileSync(join(projector, 'projector_config.pbtxt'), 'utf8');
    expect(config).toMatch(
      /^embeddings \{\n {2}tensor_name: ".*"\n {2}tensor_path: "tensors\.tsv"\n {2}metadata_path: "metadata\.tsv"\n {2}sprite \{\n {4}image_path: "sprite\.png"\n {4}single_image_dim: 28\n {4}single_image_dim: 28\n {2}\}\n\}\n$/,
    );

    const csv = readFileSync(out.replace(/\.npy$/, '.csv'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(csv[0]).toBe('d0,d1');
    expect(csv).toHaveLength(inputCount + 1);
  });
});

describe('lab embed FOLDER', () => {
  it('a folder of class folders of PNGs embeds as the same images in an array, its class names as the labels', () => {
    const run = runCases().find((candidate) => candidate.shared)!;
    const digits = join(folder, 'digit-folder');
    const count = 12;
    for (let n = 0; n < count; n++) {
      mkdirSync(join(digits, String(labels[n])), { recursive: true });
      writeFileSync(
        join(digits, String(labels[n]), `${String(n).padStart(3, '0')}.png`),
        greyscalePng(
          pixels.subarray(n * 784, (n + 1) * 784).map((v) => v / 255),
          28,
          28,
        ),
      );
    }
    // ImageFolder's order: classes by name, then files by name.
    const order = Array.from({ length: count }, (_, n) => n).sort((a, b) => String(labels[a]).localeCompare(String(labels[b])) || a - b);
    const out = join(folder, 'folder.npy');
    const projector = join(folder, 'folder-projector');
    const result = lab(['embed', String(run.id), digits, '--out', out, '--projector', projector, '--db', db]);
    expect(result.status, result.stderr).toBe(0);
    const fromFolder = readNpy(out).data as Float32Array;
    const fromArray = embed(run.id, 'a');
    expect(fromFolder).toEqual(Float32Array.from(order.flatMap((n) => [fromArray[2 * n], fromArray[2 * n + 1]])));
    const metadata = readFileSync(join(projector, 'metadata.tsv'), 'utf8').trimEnd().split('\n');
    expect(metadata.slice(1)).toEqual(order.map((n, index) => `${index}\t${labels[n]}`));
  });
});

describe('bad input: the file named, what is wrong, exit 2, nothing written', () => {
  it('an unknown run, a bad --format, an input that does not fit, a sister b of shared weights', () => {
    const out = join(folder, 'nothing.onnx');
    const unknown = lab(['export-model', '999', '--out', out, '--db', db]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/runs\.sqlite: no run with id 999/);

    const run = runCases().find((candidate) => candidate.shared)!;
    const format = lab(['export-model', String(run.id), '--format', 'tflite', '--out', out, '--db', db]);
    expect(format.status).toBe(2);
    expect(format.stderr).toMatch(/format.*tflite.*onnx/s);
    expect(existsSync(out)).toBe(false);

    const small = join(folder, 'small.npy');
    writeNpy(small, { dtype: 'uint8', shape: [3, 14, 14], data: new Uint8Array(3 * 196) });
    const embedded = join(folder, 'nothing.npy');
    const misfit = lab(['embed', String(run.id), small, '--out', embedded, '--projector', join(folder, 'no-projector'), '--db', db]);
    expect(misfit.status).toBe(2);
    expect(misfit.stderr).toMatch(
      /small\.npy: the array's shape \[3, 14, 14\] does not fit the model: it takes images \[N, 28, 28\] or \[N, 28, 28, 1\]/,
    );
    expect(existsSync(embedded) || existsSync(join(folder, 'no-projector'))).toBe(false);

    const scaled = join(folder, 'scaled.npy');
    writeNpy(scaled, { dtype: 'float32', shape: [1, 28, 28], data: new Float32Array(784).fill(300) });
    const outOfRange = lab(['embed', String(run.id), scaled, '--out', embedded, '--db', db]);
    expect(outOfRange.status).toBe(2);
    expect(outOfRange.stderr).toMatch(/scaled\.npy: element 0 is 300: pixel values must lie from 0 to 255/);

    const sideB = lab(['embed', String(run.id), images, '--side', 'b', '--out', embedded, '--db', db]);
    expect(sideB.status).toBe(2);
    expect(sideB.stderr).toMatch(/no sister b/);
    expect(existsSync(embedded)).toBe(false);
  });

  it('a run without a checkpoint, and a run still running', () => {
    const noCheckpoint = writeExperiment(
      folder,
      'no-checkpoint.yaml',
      tinyExperiment('no-checkpoint', '{ tower_a: { hidden: [8] } }', { evaluation: ', store_checkpoint: false' }),
    );
    expect(lab(['run', noCheckpoint, '--db', db, '--no-report']).status).toBe(0);
    const store = openRunStore(db);
    const [withoutCheckpoint] = store.listRuns({ experiment: 'no-checkpoint' });
    const out = join(folder, 'nothing.onnx');
    const refused = lab(['export-model', String(withoutCheckpoint.id), '--out', out, '--db', db]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      new RegExp(`run ${withoutCheckpoint.id} has no checkpoint: it ran with evaluation.store_checkpoint: false`),
    );

    // Taken up again (as --force does): running, its results cleared until it finishes.
    expect(store.claimRun(withoutCheckpoint.id, { backend: 'cpu', provenance: null, leaseSeconds: 60, force: true })).toBe(true);
    store.close();
    const running = lab(['export-model', String(withoutCheckpoint.id), '--out', out, '--db', db]);
    expect(running.status).toBe(2);
    expect(running.stderr).toMatch(new RegExp(`run ${withoutCheckpoint.id} is running: it has no trained model yet`));
    expect(existsSync(out)).toBe(false);
  });
});

/**
 * Own data: an image folder of RGB PNGs normalised per channel (MLP shared, CNN distinct) and
 * float32 feature arrays. The exported graph holds their preprocessing (or none, for features),
 * and `lab embed` of the source's own test set gives the run's stored test embedding.
 */
describe('own data: an RGB image folder with mean/std, and float feature arrays', () => {
  const rgbClasses = ['amber', 'blue', 'green'];
  const perClass = { train: 16, test: 6 };
  let ownFolder: string;
  let ownDb: string;

  /** A seeded 6x6 RGB image of class c: its own colour, plus noise. */
  function rgbImage(c: number, n: number): Float32Array {
    let state = (c * 7919 + n * 104729 + 1) >>> 0;
    const next = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 2 ** 32;
    };
    const base = [
      [0.9, 0.6, 0.1],
      [0.1, 0.2, 0.9],
      [0.2, 0.8, 0.2],
    ][c];
    return Float32Array.from(
      { length: 6 * 6 * 3 },
      (_, i) => Math.round(Math.min(1, Math.max(0, base[i % 3] + (next() - 0.5) * 0.6)) * 255) / 255,
    );
  }

  beforeAll(() => {
    ownFolder = tempFolder();
    ownDb = join(ownFolder, 'runs.sqlite');
    for (const part of ['train', 'test'] as const) {
      rgbClasses.forEach((name, c) => {
        mkdirSync(join(ownFolder, 'rgb', part, name), { recursive: true });
        for (let n = 0; n < perClass[part]; n++) {
          const index = part === 'train' ? n : 100 + n;
          writeFileSync(join(ownFolder, 'rgb', part, name, `${String(n).padStart(2, '0')}.png`), imagePng(rgbImage(c, index), 6, 6, 3));
        }
      });
    }
    // Features: 5 floats per item, three classes around different centres.
    const features = (count: number, offset: number) =>
      Float32Array.from({ length: count * 5 }, (_, i) => Math.fround(Math.floor(i / 5) % 3) * 2 + Math.sin(i + offset) * 0.5);
    const classes = (count: number) => Int32Array.from({ length: count }, (_, n) => n % 3);
    mkdirSync(join(ownFolder, 'arrays'));
    writeNpy(join(ownFolder, 'arrays', 'features.npy'), { dtype: 'float32', shape: [60, 5], data: features(60, 0) });
    writeNpy(join(ownFolder, 'arrays', 'labels.npy'), { dtype: 'int32', shape: [60], data: classes(60) });
    writeNpy(join(ownFolder, 'arrays', 'test_features.npy'), { dtype: 'float32', shape: [18, 5], data: features(18, 1000) });
    writeNpy(join(ownFolder, 'arrays', 'test_labels.npy'), { dtype: 'int32', shape: [18], data: classes(18) });

    const base = (data: string, model: string) => `
  backend: cpu
  data: ${data}
  model: ${model}
  sampler: { batch_size: 16 }
  training: { steps: 15, log_every: 5 }
  evaluation: { verification_pairs: 40 }`;
    const rgbData =
      '{ dataset: image_folder, directory: rgb, validation_size: 0, image: { channels: 3, normalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } } }';
    const files: Array<[string, string]> = [
      ['rgb-mlp.yaml', `name: own-rgb-mlp\nbase:${base(rgbData, '{ tower_a: { hidden: [12] } }')}\n`],
      [
        'rgb-cnn.yaml',
        `name: own-rgb-cnn\nbase:${base(rgbData, '{ share_weights: false, tower_a: { kind: cnn, channels: [4], kernel_size: 3, hidden: [8] } }')}\n`,
      ],
      [
        'arrays.yaml',
        `name: own-arrays\nbase:${base('{ dataset: npy, directory: arrays, validation_size: 0, arrays: { test_features: test_features.npy, test_labels: test_labels.npy } }', '{ tower_a: { hidden: [12] } }')}\n`,
      ],
    ];
    for (const [name, text] of files) {
      const result = lab(['run', writeExperiment(ownFolder, name, text), '--db', ownDb, '--no-report']);
      expect(result.status, result.stderr).toBe(0);
    }
  }, 300_000);

  function ownRun(experiment: string) {
    const store = openRunStore(ownDb, { readonly: true });
    try {
      const [run] = store.listRuns({ experiment });
      return { id: run.id, embedding: store.getEmbedding(run.id)! };
    } finally {
      store.close();
    }
  }

  it('lab embed reproduces the stored test embedding, and the ONNX model (preprocessing inside) matches it within 1e-5', async () => {
    const testImages = Float32Array.from(
      rgbClasses
        .flatMap((_, c) => Array.from({ length: perClass.test }, (__, n) => [...rgbImage(c, 100 + n)].map((v) => Math.round(v * 255))))
        .flat(),
    );
    const testFeatures = readNpy(join(ownFolder, 'arrays', 'test_features.npy')).data as Float32Array;
    const cases = [
      { experiment: 'own-rgb-mlp', input: join(ownFolder, 'rgb', 'test'), sides: ['a'] as const, feed: testImages, dims: [18, 6, 6, 3] },
      {
        experiment: 'own-rgb-cnn',
        input: join(ownFolder, 'rgb', 'test'),
        sides: ['a', 'b'] as const,
        feed: testImages,
        dims: [18, 6, 6, 3],
      },
      {
        experiment: 'own-arrays',
        input: join(ownFolder, 'arrays', 'test_features.npy'),
        sides: ['a'] as const,
        feed: testFeatures,
        dims: [18, 1, 5],
      },
    ];
    for (const { experiment, input, sides, feed, dims } of cases) {
      const run = ownRun(experiment);
      const model = join(ownFolder, `${experiment}.onnx`);
      const exported = lab(['export-model', String(run.id), '--out', model, '--db', ownDb]);
      expect(exported.status, exported.stderr).toBe(0);
      const session = await ort.InferenceSession.create(model);
      for (const side of sides) {
        const out = join(ownFolder, `${experiment}-${side}.npy`);
        const embedded = lab(['embed', String(run.id), input, '--side', side, '--out', out, '--db', ownDb]);
        expect(embedded.status, embedded.stderr).toBe(0);
        const points = readNpy(out).data as Float32Array;
        // Sister A embeds the test set as the run's evaluation did (sister B of one source too: the points follow A's).
        if (side === 'a') expect(points, experiment).toEqual(run.embedding.points.slice(0, 18 * 2));
        const names =
          sides.length === 1 ? { input: 'pixels', output: 'embedding' } : { input: `pixels_${side}`, output: `embedding_${side}` };
        const feeds = Object.fromEntries(
          sides.map((name) => [sides.length === 1 ? 'pixels' : `pixels_${name}`, new ort.Tensor('float32', feed, dims)]),
        );
        const outputs = await session.run(feeds);
        expect(maxAbsDifference(outputs[names.output].data as Float32Array, points), `${experiment} sister ${side}`).toBeLessThan(1e-5);
      }
      await session.release();
    }
  }, 300_000);

  it('refuses a folder for a run on float features, and features of the wrong width', () => {
    const run = ownRun('own-arrays');
    const out = join(ownFolder, 'nothing.npy');
    const folderInput = lab(['embed', String(run.id), join(ownFolder, 'rgb', 'test'), '--out', out, '--db', ownDb]);
    expect(folderInput.status).toBe(2);
    expect(folderInput.stderr).toMatch(/test: the run was trained on float features, not pixels/);
    const narrow = join(ownFolder, 'narrow.npy');
    writeNpy(narrow, { dtype: 'float32', shape: [2, 4], data: new Float32Array(8) });
    const misfit = lab(['embed', String(run.id), narrow, '--out', out, '--db', ownDb]);
    expect(misfit.status).toBe(2);
    expect(misfit.stderr).toMatch(/narrow\.npy: the array's shape \[2, 4\] does not fit the model: it takes features \[N, 5\]/);
    expect(existsSync(out)).toBe(false);
  });
});
