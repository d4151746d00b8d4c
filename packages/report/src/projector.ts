import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imagePng } from './png.ts';

/**
 * The files TensorBoard's embedding projector loads from a log folder: the points as
 * tensors.tsv (one row per point, tab-separated floats), their metadata.tsv (one row per point;
 * a header row only when there is more than one column, as the projector reads it), a sprite
 * (the inputs as one square grid of thumbnails, row by row) and projector_config.pbtxt tying
 * them together.
 */
export interface ProjectorInput {
  /** `count * dim` floats. */
  points: Float32Array;
  dim: number;
  count: number;
  tensorName: string;
  /** Metadata columns, each with one value per point. */
  metadata: Array<{ name: string; values: string[] }>;
  /** The inputs as thumbnails: `count * rows * cols * channels` floats in [0, 1] (channels 1, the default, or 3: RGB). */
  images?: { pixels: Float32Array; rows: number; cols: number; channels?: 1 | 3 };
}

/** The projector refuses sprites larger than this on a side. */
export const MAX_SPRITE_SIDE = 8192;

/** Tabs and line breaks would split a field. */
const tsvField = (value: string) => value.replace(/[\t\r\n]+/g, ' ');

/** Shortest decimal that reads back as the same float32. */
export function float32Text(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  for (let digits = 1; digits < 10; digits++) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return String(Number(text));
  }
  return String(value);
}

/** How many thumbnails per row and column of the square sprite grid. */
export function spriteGridSide(count: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(count)));
}

/** The sprite image: thumbnails left to right, top to bottom, in point order; the empty cells black. */
export function spriteImage(
  images: NonNullable<ProjectorInput['images']>,
  count: number,
): { pixels: Float32Array; rows: number; cols: number; channels: 1 | 3 } {
  const channels = images.channels ?? 1;
  const side = spriteGridSide(count);
  const rows = side * images.rows;
  const cols = side * images.cols;
  const pixels = new Float32Array(rows * cols * channels);
  const line = images.cols * channels;
  const size = images.rows * line;
  for (let n = 0; n < count; n++) {
    const top = Math.floor(n / side) * images.rows;
    const left = (n % side) * images.cols;
    for (let r = 0; r < images.rows; r++) {
      pixels.set(images.pixels.subarray(n * size + r * line, n * size + (r + 1) * line), ((top + r) * cols + left) * channels);
    }
  }
  return { pixels, rows, cols, channels };
}

/** Writes the projector's files into `folder` (created if missing); returns the paths written. */
export function writeProjectorFiles(folder: string, input: ProjectorInput): string[] {
  const { points, dim, count } = input;
  if (points.length !== count * dim) throw new Error(`writeProjectorFiles: ${points.length} values for ${count} points of ${dim}`);
  for (const column of input.metadata) {
    if (column.values.length !== count)
      throw new Error(`writeProjectorFiles: metadata ${column.name} has ${column.values.length} values for ${count} points`);
  }
  mkdirSync(folder, { recursive: true });
  const written: string[] = [];
  const write = (name: string, content: string | Buffer) => {
    writeFileSync(join(folder, name), content);
    written.push(join(folder, name));
  };

  const tensorLines: string[] = [];
  for (let n = 0; n < count; n++) {
    const row: string[] = [];
    for (let d = 0; d < dim; d++) row.push(float32Text(points[n * dim + d]));
    tensorLines.push(row.join('\t'));
  }
  write('tensors.tsv', `${tensorLines.join('\n')}\n`);

  const config = [`embeddings {`, `  tensor_name: ${JSON.stringify(input.tensorName)}`, `  tensor_path: "tensors.tsv"`];
  if (input.metadata.length > 0) {
    const lines: string[] = [];
    if (input.metadata.length > 1) lines.push(input.metadata.map((column) => tsvField(column.name)).join('\t'));
    for (let n = 0; n < count; n++) lines.push(input.metadata.map((column) => tsvField(column.values[n])).join('\t'));
    write('metadata.tsv', `${lines.join('\n')}\n`);
    config.push(`  metadata_path: "metadata.tsv"`);
  }
  if (input.images) {
    const sprite = spriteImage(input.images, count);
    if (sprite.rows > MAX_SPRITE_SIDE || sprite.cols > MAX_SPRITE_SIDE) {
      throw new Error(`writeProjectorFiles: a sprite of ${count} thumbnails is ${sprite.cols}x${sprite.rows}, over ${MAX_SPRITE_SIDE}`);
    }
    write('sprite.png', imagePng(sprite.pixels, sprite.rows, sprite.cols, sprite.channels));
    // single_image_dim is width then height.
    config.push(
      `  sprite {`,
      `    image_path: "sprite.png"`,
      `    single_image_dim: ${input.images.cols}`,
      `    single_image_dim: ${input.images.rows}`,
      `  }`,
    );
  }
  config.push(`}`);
  write('projector_config.pbtxt', `${config.join('\n')}\n`);
  return written;
}
