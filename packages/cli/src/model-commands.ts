import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { selectBackend, type BackendName } from '@siamese-lab/backend';
import { LabError } from '@siamese-lab/core';
import { loadImageFolder, readNpy, writeNpy, type NpyArray } from '@siamese-lab/data';
import { buildOnnxModel, ONNX_OPSET } from '@siamese-lab/onnx-export';
import { float32Text, MAX_SPRITE_SIDE, spriteGridSide, writeProjectorFiles } from '@siamese-lab/report';
import {
  embedPixels,
  inputDescription,
  restoreSiameseModel,
  runSisters,
  sisterDescription,
  storedRunSpec,
  type RunSpec,
  type Side,
  type SisterInput,
} from '@siamese-lab/runner';
import { openRunStore, type RunRecord, type StoredCheckpoint } from '@siamese-lab/store';
import type { Output } from './output.ts';

/** The formats `lab export-model` writes. */
export const modelFormats = ['onnx'] as const;

const labVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** A finished run with its checkpoint and parameters: what export-model and embed start from. */
interface TrainedRun {
  run: RunRecord;
  spec: RunSpec;
  checkpoint: StoredCheckpoint;
  sisters: SisterInput[];
}

function loadTrainedRun(db: string, runId: number): TrainedRun {
  const store = openRunStore(db, { readonly: true });
  try {
    const run = Number.isInteger(runId) ? store.getRun(runId) : undefined;
    if (!run)
      throw new LabError(`no run with id ${runId}`, {
        location: store.path,
        hint: 'run ids are in the first column of: pnpm lab ls EXPERIMENT',
      });
    if (run.status === 'running' || run.status === 'queued' || run.status === 'interrupted') {
      throw new LabError(`run ${run.id} is ${run.status}: it has no trained model yet`, {
        hint: run.status === 'running' ? 'wait until it finishes (pnpm lab ls shows its status)' : 'finish it first: pnpm run exp FILE',
      });
    }
    if (run.status === 'failed')
      throw new LabError(`run ${run.id} failed: it has no trained model`, { hint: `see why with: pnpm lab show ${run.id}` });
    const checkpoint = store.getCheckpoint(run.id);
    if (!checkpoint) {
      throw new LabError(`run ${run.id} has no checkpoint: it ran with evaluation.store_checkpoint: false`, {
        hint: 'set evaluation.store_checkpoint: true (the default) and re-run it with --force',
      });
    }
    for (const tensor of checkpoint.tensors) {
      if (!tensor.values.every(Number.isFinite)) {
        throw new LabError(`run ${run.id}'s weights are not finite (${tensor.name} holds NaN or infinity): there is no model to use`, {
          hint: `the run ended as ${run.status}; see pnpm lab show ${run.id}`,
        });
      }
    }
    const spec = storedRunSpec(run.params);
    const experiment = store.getExperiment(run.experimentName);
    return { run, spec, checkpoint, sisters: runSisters(spec, experiment?.filePath ?? null) };
  } finally {
    store.close();
  }
}

/** Writes through a temporary file, so a failure leaves nothing half-written under the name. */
function writeAtomically(path: string, content: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  if (existsSync(path) && statSync(path).isDirectory()) throw new LabError('the output path is a folder', { location: path });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new LabError(`cannot write the file: ${(error as Error).message}`, { location: path, cause: error });
  }
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

export function exportModelCommand(
  args: { db: string; run: number; format: (typeof modelFormats)[number]; out?: string },
  io: Output,
): number {
  const { run, spec, checkpoint, sisters } = loadTrainedRun(args.db, args.run);
  const descriptions = sisters.map((sister) => sisterDescription(spec, sister, checkpoint, run.id, sisters.length));
  const bytes = buildOnnxModel({
    sisters: descriptions,
    graphName: `${run.experimentName}_run_${run.id}`,
    producerVersion: labVersion,
    docString: `Siamese Lab run ${run.id} of ${run.experimentName} (${run.label}), config ${run.configHash}. Input: ${inputDescription(sisters[0].inputs)}, as float32 [batch, rows, cols] (and channels last when there are several); the run's preprocessing is inside the graph.`,
    metadata: {
      experiment: run.experimentName,
      run_id: String(run.id),
      config_hash: run.configHash,
      share_weights: String(spec.model.share_weights),
      input: inputDescription(sisters[0].inputs),
    },
  });
  const out = resolve(args.out ?? join(dirname(resolve(args.db)), run.experimentName, `run-${run.id}.onnx`));
  writeAtomically(out, bytes);
  io.out(out);
  io.err(
    `run ${run.id}: ONNX opset ${ONNX_OPSET}, ${(bytes.length / 1e3).toFixed(1)} kB; ${descriptions
      .map(
        (sister) =>
          `${sister.inputName} float32 [${[sister.batchName, sister.image.rows, sister.image.cols, ...(sister.image.channels > 1 ? [sister.image.channels] : [])].join(', ')}] (${sisters[0].inputs.kind === 'bytes' ? 'raw pixels 0-255' : 'feature values'}) -> ${sister.outputName} [${sister.batchName}, ${spec.model.embedding_dim}]`,
      )
      .join('; ')}`,
  );
  return 0;
}

/**
 * A folder of images by class (`<class>/<image>.png`, ImageFolder's layout and order), decoded as
 * the run's image_folder source did (its size and channels), as pixel values 0-255, with their
 * class names.
 */
function readImageFolder(path: string, spec: RunSpec, sister: SisterInput): { pixels: Float32Array; count: number; classes: string[] } {
  if (sister.inputs.kind === 'values') {
    throw new LabError('the run was trained on float features, not pixels: give its features as an .npy array', { location: path });
  }
  const size = spec.data.dataset === 'image_folder' ? spec.data.image?.size : undefined;
  const { data } = loadImageFolder({
    directory: path,
    ...(size && { size }),
    channels: sister.input.channels,
    normalize: 'unit',
    cacheDirectory: null,
  });
  const parts = 'all' in data ? [data.all] : [data.train, data.test];
  const [first] = parts;
  if (first.rows !== sister.input.rows || first.cols !== sister.input.cols) {
    throw new LabError(`the images are ${first.rows}x${first.cols}: the model takes ${sister.input.rows}x${sister.input.cols}`, {
      location: path,
      hint: 'resize them, or train the run with data.image.size so that its inputs are resized',
    });
  }
  // The source's unit floats are bytes / 255 rounded to float32: rounding back gives the bytes exactly.
  const pixels = Float32Array.from(parts.flatMap((part) => Array.from(part.images, (value) => Math.round(value * 255))));
  const classes = parts.flatMap((part) => Array.from(part.labels, (label) => part.classNames[label]));
  return { pixels, count: classes.length, classes };
}

/** The shapes of one input an array may hold for a sister: [rows, cols, channels], and without the axes of size 1 the run's source also accepts. */
function acceptedItemShapes({ rows, cols, channels }: SisterInput['input']): number[][] {
  if (channels !== 1) return [[rows, cols, channels]];
  return rows === 1
    ? [[cols], [rows, cols], [rows, cols, 1]]
    : [
        [rows, cols],
        [rows, cols, 1],
      ];
}

/** An array file's (or a folder's) inputs as float32 values, checked against the sister's input shape and encoding. */
function readInputImages(path: string, spec: RunSpec, sister: SisterInput): { pixels: Float32Array; count: number; classes?: string[] } {
  if (!existsSync(path)) throw new LabError('input not found', { location: path });
  if (statSync(path).isDirectory()) return readImageFolder(path, spec, sister);
  if (extname(path).toLowerCase() !== '.npy') throw new LabError('expected an .npy array of inputs', { location: path });
  const array: NpyArray = readNpy(path);
  const [count, ...item] = array.shape;
  const accepted = acceptedItemShapes(sister.input);
  if (array.shape.length < 2 || !accepted.some((shape) => shape.join('x') === item.join('x'))) {
    throw new LabError(
      `the array's shape ${shapeText(array.shape)} does not fit the model: it takes ${sister.inputs.kind === 'bytes' ? 'images' : 'features'} ${accepted.map((shape) => `[N, ${shape.join(', ')}]`).join(' or ')}`,
      { location: path },
    );
  }
  const bytes = sister.inputs.kind === 'bytes';
  if (Array.isArray(array.data) || array.data instanceof BigInt64Array || array.data instanceof BigUint64Array) {
    throw new LabError(
      `the array holds ${array.dtype}: expected ${bytes ? 'pixel values (uint8, or float32 / float64 from 0 to 255)' : 'feature values (float32 or float64)'}`,
      { location: path },
    );
  }
  const pixels = Float32Array.from(array.data);
  const bad = pixels.findIndex((value) => (bytes ? !(value >= 0 && value <= 255) : !Number.isFinite(value)));
  if (bad >= 0) {
    throw new LabError(
      bytes
        ? `element ${bad} is ${pixels[bad]}: pixel values must lie from 0 to 255`
        : `element ${bad} is ${pixels[bad]}: features must be finite`,
      {
        location: path,
        hint: bytes
          ? 'the model takes raw pixels, as its training data stored them (it scales them itself)'
          : 'the model takes the features as the run read them from its arrays',
      },
    );
  }
  return { pixels, count };
}

/** The inputs as projector thumbnails in [0, 1]: pixels divided by 255; feature values scaled from their minimum to their maximum. */
function thumbnailValues(sister: SisterInput, values: Float32Array): Float32Array {
  if (sister.inputs.kind === 'bytes') {
    const scale = Math.fround(1 / 255);
    return values.map((value) => Math.fround(value * scale));
  }
  let low = Infinity;
  let high = -Infinity;
  for (const value of values) [low, high] = [Math.min(low, value), Math.max(high, value)];
  const range = high > low ? high - low : 1;
  return values.map((value) => (value - low) / range);
}

function readLabels(path: string, count: number): string[] {
  const array = readNpy(path);
  if (array.shape.length !== 1 || array.shape[0] !== count) {
    throw new LabError(`labels of shape ${shapeText(array.shape)} do not fit ${count} inputs: expected [${count}]`, { location: path });
  }
  return Array.from(array.data as ArrayLike<unknown>, (value) => String(value));
}

export async function embedCommand(
  args: { db: string; run: number; input: string; out?: string; side: Side; labels?: string; projector?: string; backend?: BackendName },
  io: Output,
): Promise<number> {
  const { run, spec, checkpoint, sisters } = loadTrainedRun(args.db, args.run);
  const sister = sisters.find((candidate) => candidate.side === args.side);
  if (!sister)
    throw new LabError(`run ${run.id} shares one sister's weights: there is no sister b`, { field: '--side', hint: 'leave out --side' });
  const input = resolve(args.input);
  const { pixels, count, classes } = readInputImages(input, spec, sister);
  const labels = args.labels === undefined ? classes : readLabels(resolve(args.labels), count);
  const out = resolve(
    args.out ?? join(dirname(input), `${basename(input, extname(input))}.run-${run.id}${args.side === 'b' ? '-b' : ''}.npy`),
  );
  if (extname(out) !== '.npy') throw new LabError('the output must be an .npy file (a .csv is written beside it)', { location: out });
  const spriteSide = spriteGridSide(count) * Math.max(sister.input.rows, sister.input.cols);
  const { channels } = sister.input;
  if (args.projector !== undefined && channels !== 1 && channels !== 3) {
    throw new LabError(`inputs of ${channels} channels have no picture for the projector's sprite: only 1 (grey) or 3 (RGB)`, {
      location: input,
      hint: 'leave out --projector',
    });
  }
  if (args.projector !== undefined && spriteSide > MAX_SPRITE_SIDE) {
    throw new LabError(`${count} inputs make a ${spriteSide}-pixel sprite, over the projector's ${MAX_SPRITE_SIDE}`, {
      location: input,
      hint: 'embed fewer inputs for the projector',
    });
  }

  await selectBackend(args.backend ?? spec.backend);
  const model = restoreSiameseModel(spec, sisters, checkpoint, run.id);
  let points: Float32Array;
  try {
    points = embedPixels(model, spec, sister, pixels, count);
  } finally {
    model.dispose();
  }
  const dim = spec.model.embedding_dim;
  mkdirSync(dirname(out), { recursive: true });
  writeNpy(out, { dtype: 'float32', shape: [count, dim], data: points });
  const csv = out.replace(/\.npy$/, '.csv');
  const lines = [Array.from({ length: dim }, (_, d) => `d${d}`).join(',')];
  for (let n = 0; n < count; n++) lines.push(Array.from(points.subarray(n * dim, (n + 1) * dim), float32Text).join(','));
  writeAtomically(csv, `${lines.join('\n')}\n`);
  io.out(out);
  io.err(`run ${run.id}: ${count} inputs embedded by sister ${args.side} into ${dim} dimensions; ${out} and ${basename(csv)}`);
  if (args.projector !== undefined) {
    const folder = resolve(args.projector);
    writeProjectorFiles(folder, {
      points,
      dim,
      count,
      tensorName: `${run.experimentName} run ${run.id}`,
      metadata: [
        { name: 'index', values: Array.from({ length: count }, (_, n) => String(n)) },
        ...(labels ? [{ name: 'label', values: labels }] : []),
      ],
      images: {
        pixels: thumbnailValues(sister, pixels),
        rows: sister.input.rows,
        cols: sister.input.cols,
        channels: channels as 1 | 3,
      },
    });
    io.err(`projector files in ${folder}: tensorboard --logdir ${folder}, then the Projector tab`);
  }
  return 0;
}
