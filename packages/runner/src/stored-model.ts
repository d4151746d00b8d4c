import { dirname } from 'node:path';
import { tf } from '@siamese-lab/backend';
import { LabError } from '@siamese-lab/core';
import { normalizeUnitFloats, transformDataset, type Dataset, type InputEncoding } from '@siamese-lab/data';
import { createSiameseModel, type ImageShape, type SiameseModel, type TowerSpec } from '@siamese-lab/model';
import type { SisterDescription, SisterLayer } from '@siamese-lab/onnx-export';
import type { ParamValue } from '@siamese-lab/run-record';
import type { StoredCheckpoint } from '@siamese-lab/store';
import { loadRunData, rightTransform } from './datasets.ts';
import { runSpecSchema, type RunSpec } from './spec/schema.ts';

/**
 * A stored run's trained model, away from training: its parameters back as a RunSpec, its
 * weights back in a tfjs model (to embed new inputs as the run's evaluation did), and its sisters
 * as plain layers for the ONNX export. Inputs are what the run's source read: raw pixels (0-255)
 * for MNIST, IDX and image folders and uint8 arrays, put through the run's own preprocessing
 * (bytes to [0, 1], an image folder's per-channel normalisation), or a float array's values as
 * they are; then, for sister B of a two-source run, the run's rendering of domain B (`data.right`).
 */

export type Side = 'a' | 'b';

/** The run parameters as stored (dotted keys, arrays as JSON) back into a RunSpec. */
export function storedRunSpec(params: Record<string, ParamValue>): RunSpec {
  const nested: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    const path = key.split('.');
    let node = nested;
    for (const segment of path.slice(0, -1)) node = (node[segment] ??= {}) as Record<string, unknown>;
    // flattenParams stores arrays (hidden sizes, channels) as JSON text.
    node[path[path.length - 1]] = typeof value === 'string' && value.startsWith('[') ? (JSON.parse(value) as unknown) : value;
  }
  const parsed = runSpecSchema.safeParse(nested);
  if (!parsed.success) {
    throw new LabError(`the run's stored parameters are not a valid run of this version of the lab: ${parsed.error.issues[0]?.message}`, {
      hint: 'export the model with the version of Siamese Lab that trained the run',
    });
  }
  return parsed.data;
}

/** Domain A's inputs: their shape, and what a user gives (pixels 0-255 or an array's own values). */
interface DomainInput {
  shape: Required<ImageShape>;
  inputs: InputEncoding;
}

const PIXEL_BYTES: InputEncoding = { kind: 'bytes', normalize: 'unit' };

/** MNIST and Fashion-MNIST are 28x28 bytes; every other source is read to find out (image folders hit the decode cache). */
function domainInput(spec: RunSpec, dataFolder: string | undefined): DomainInput {
  if (spec.data.dataset === 'mnist' || spec.data.dataset === 'fashion-mnist')
    return { shape: { rows: 28, cols: 28, channels: 1 }, inputs: PIXEL_BYTES };
  const data = loadRunData(spec.data, dataFolder === undefined ? {} : { relativeTo: dataFolder });
  return { shape: { rows: data.test.rows, cols: data.test.cols, channels: data.test.channels }, inputs: data.inputs };
}

/** What one sister takes (inputs of domain A) and what its tower sees after the run's preprocessing. */
export interface SisterInput {
  side: Side;
  /** The images given to it: domain A's shape (sister B renders them as the run did). */
  input: Required<ImageShape>;
  /** The images its tower embeds. */
  tower: Required<ImageShape>;
  /** What it is given: pixels 0-255 (scaled, and normalised, inside) or values taken as they are. */
  inputs: InputEncoding;
}

/** The sisters of a run with their input shapes: one when the weights are shared, two when not. */
export function runSisters(spec: RunSpec, experimentFile: string | null): SisterInput[] {
  const { shape: input, inputs } = domainInput(spec, experimentFile === null ? undefined : dirname(experimentFile));
  const sisterA: SisterInput = { side: 'a', input, tower: input, inputs };
  if (spec.model.share_weights) return [sisterA];
  const right = spec.data.right;
  let tower = input;
  if (right?.rotate90) tower = { ...tower, rows: tower.cols, cols: tower.rows };
  if (right?.downsample === 2) tower = { ...tower, rows: Math.floor(tower.rows / 2), cols: Math.floor(tower.cols / 2) };
  return [sisterA, { side: 'b', input, tower, inputs }];
}

/** How the inputs are described to a user (ONNX metadata, messages). */
export function inputDescription(inputs: InputEncoding): string {
  if (inputs.kind === 'values') return 'feature values as the run read them from its arrays (float32), taken as they are';
  if (inputs.normalize === 'unit') return 'raw pixels 0-255 (float32), scaled to [0, 1] inside the graph';
  return `raw pixels 0-255 (float32), scaled to [0, 1] and normalised per channel (mean ${inputs.normalize.mean.join(', ')}; std ${inputs.normalize.std.join(', ')}) inside the graph`;
}

/** Inputs as the run's data loader made its floats: bytes to [0, 1] (and per-channel normalisation), or values as they are. */
function inputFloats(inputs: InputEncoding, values: Float32Array, channels: number): Float32Array {
  if (inputs.kind === 'values') return Float32Array.from(values);
  // The loaders' byte * float32(1 / 255), here on float32 values (an array of pixels may hold non-integers).
  const scale = Math.fround(1 / 255);
  const unit = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) unit[i] = Math.fround(values[i] * scale);
  return normalizeUnitFloats(unit, channels, inputs.normalize);
}

/** Inputs to what sister `side` embeds: the run's preprocessing of domain A, then (sister B) the run's rendering. */
export function preprocessPixels(spec: RunSpec, sister: SisterInput, pixels: Float32Array, count: number): Float32Array {
  const floats = inputFloats(sister.inputs, pixels, sister.input.channels);
  if (sister.side === 'a' || !spec.data.right) return floats;
  const dataset: Dataset = {
    name: 'input',
    images: floats,
    labels: new Uint8Array(count),
    count,
    rows: sister.input.rows,
    cols: sister.input.cols,
    channels: sister.input.channels,
    classes: 1,
    classNames: ['0'],
  };
  return transformDataset(dataset, rightTransform(spec.data.right)).images;
}

const towerOf = (spec: RunSpec, side: Side): TowerSpec => (side === 'a' ? spec.model.tower_a : (spec.model.tower_b ?? spec.model.tower_a));

function checkpointTensor(checkpoint: StoredCheckpoint, name: string, runId: number) {
  const tensor = checkpoint.tensors.find((entry) => entry.name === name);
  if (!tensor) {
    throw new LabError(`the checkpoint of run ${runId} has no tensor ${name}`, {
      hint: `it holds ${checkpoint.tensors.map((entry) => entry.name).join(', ')}; was it written by another version of the lab?`,
    });
  }
  return tensor;
}

/** The run's Siamese model with its trained weights (on the selected tfjs backend). */
export function restoreSiameseModel(spec: RunSpec, sisters: SisterInput[], checkpoint: StoredCheckpoint, runId: number): SiameseModel {
  const a = sisters[0].tower;
  const b = (sisters[1] ?? sisters[0]).tower;
  const model = createSiameseModel(spec.model, {
    inputSizeA: a.rows * a.cols * a.channels,
    inputSizeB: b.rows * b.cols * b.channels,
    imageShapeA: a,
    imageShapeB: b,
    seed: spec.seed,
  });
  try {
    for (const tower of model.towers) {
      for (const variable of tower.variables) {
        // As exportWeights names them: the tower's name, then the variable's name without its unique prefix.
        const name = `${tower.name}/${variable.name.split('/').slice(1).join('/')}`;
        const stored = checkpointTensor(checkpoint, name, runId);
        if (stored.shape.join('x') !== variable.shape.join('x')) {
          throw new LabError(`the checkpoint's ${name} is ${stored.shape.join('x')}, but the run's model has ${variable.shape.join('x')}`);
        }
        tf.tidy(() => variable.assign(tf.tensor(stored.values, stored.shape)));
      }
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/** Embeds raw images with one sister as the run's evaluation does: `count * dim` floats. */
export function embedPixels(model: SiameseModel, spec: RunSpec, sister: SisterInput, pixels: Float32Array, count: number): Float32Array {
  return model.embedAll(preprocessPixels(spec, sister, pixels, count), count, sister.side);
}

/**
 * One sister as plain layers for the ONNX export: the preprocessing first (so the model takes raw
 * pixels), then the tower's layers with the checkpoint's weights.
 */
export function sisterLayers(spec: RunSpec, sister: SisterInput, checkpoint: StoredCheckpoint, runId: number): SisterLayer[] {
  const layers: SisterLayer[] = [];
  if (sister.inputs.kind === 'bytes') {
    layers.push({ kind: 'scale', factor: Math.fround(1 / 255) });
    const { normalize } = sister.inputs;
    if (normalize !== 'unit')
      layers.push({ kind: 'normalize', mean: normalize.mean.map(Math.fround), std: normalize.std.map(Math.fround) });
  }
  const right = spec.data.right;
  if (sister.side === 'b' && right) {
    if (right.rotate90) layers.push({ kind: 'rotate90' });
    if (right.invert) layers.push({ kind: 'invert' });
    if (right.downsample === 2) layers.push({ kind: 'average_pool', size: 2 });
  }
  const tower = towerOf(spec, sister.side);
  const prefix = sister.side === 'a' || spec.model.share_weights ? 'tower_a' : 'tower_b';
  const tensor = (name: string) => checkpointTensor(checkpoint, `${prefix}/${name}`, runId);
  if (tower.kind === 'cnn') {
    tower.channels.forEach((_, i) => {
      const kernel = tensor(`conv_${i}/kernel`);
      layers.push({
        kind: 'conv',
        kernel: kernel.values,
        kernelShape: kernel.shape as [number, number, number, number],
        bias: tensor(`conv_${i}/bias`).values,
        activation: tower.activation,
      });
      layers.push({ kind: 'max_pool', size: 2 });
    });
  }
  const denseCount = tower.hidden.length + 1;
  for (let i = 0; i < denseCount; i++) {
    const weights = tensor(`dense_${i}/weights`);
    layers.push({
      kind: 'dense',
      weights: weights.values,
      weightsShape: weights.shape as [number, number],
      bias: tensor(`dense_${i}/bias`).values,
      // The last layer is the embedding: linear.
      activation: i + 1 === denseCount ? 'linear' : tower.activation,
    });
  }
  return layers;
}

/** One sister as the ONNX export takes it; with two sisters the names carry the side (`pixels_a`, `embedding_b`). */
export function sisterDescription(
  spec: RunSpec,
  sister: SisterInput,
  checkpoint: StoredCheckpoint,
  runId: number,
  sisterCount: number,
): SisterDescription {
  const suffix = sisterCount > 1 ? `_${sister.side}` : '';
  return {
    inputName: `pixels${suffix}`,
    image: { ...sister.input },
    layers: sisterLayers(spec, sister, checkpoint, runId),
    outputName: `embedding${suffix}`,
    batchName: `batch${suffix}`,
  };
}
