import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { float32Text, spriteGridSide, spriteImage, writeProjectorFiles } from '../src/index.ts';

describe('TensorBoard projector files', () => {
  it('float32 values print in the fewest digits that read back the same', () => {
    for (const value of [0, 1, -2.5, Math.fround(0.1), Math.fround(1 / 3), Math.fround(-1234.5678), Math.fround(1e-30)]) {
      expect(Math.fround(Number(float32Text(value)))).toBe(value);
    }
    expect(float32Text(Math.fround(0.1))).toBe('0.1');
  });

  it('the sprite is a square grid, thumbnails row by row in point order', () => {
    expect([1, 2, 4, 5, 9, 10].map(spriteGridSide)).toEqual([1, 2, 2, 3, 3, 4]);
    // Three 1x2 thumbnails on a 2x2 grid: values 1, 2, 3 per thumbnail, the fourth cell empty.
    const sprite = spriteImage({ pixels: Float32Array.of(1, 1, 2, 2, 3, 3), rows: 1, cols: 2 }, 3);
    expect(sprite).toEqual({ pixels: Float32Array.of(1, 1, 2, 2, 3, 3, 0, 0), rows: 2, cols: 4, channels: 1 });
  });

  it('RGB thumbnails keep their three values per pixel, and the sprite is a truecolour PNG', () => {
    // Two 1x1 RGB thumbnails (red, blue) on a 2x2 grid: row 0 red then blue, row 1 empty.
    const sprite = spriteImage({ pixels: Float32Array.of(1, 0, 0, 0, 0, 1), rows: 1, cols: 1, channels: 3 }, 2);
    expect(sprite).toEqual({ pixels: Float32Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0), rows: 2, cols: 2, channels: 3 });
    const folder = mkdtempSync(join(tmpdir(), 'projector-'));
    writeProjectorFiles(folder, {
      points: Float32Array.of(1, 2),
      dim: 1,
      count: 2,
      tensorName: 'rgb',
      metadata: [],
      images: { pixels: Float32Array.of(1, 0, 0, 0, 0, 1), rows: 1, cols: 1, channels: 3 },
    });
    const png = readFileSync(join(folder, 'sprite.png'));
    expect(png[25]).toBe(2); // IHDR colour type: truecolour
    // Two rows of a filter byte and two RGB pixels.
    expect([...inflateSync(png.subarray(41, 41 + png.readUInt32BE(33)))]).toEqual([0, 255, 0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('one metadata column has no header row; the config names every file', () => {
    const folder = mkdtempSync(join(tmpdir(), 'projector-'));
    writeProjectorFiles(folder, {
      points: Float32Array.of(1, 2, 3, 4, 5, 6),
      dim: 2,
      count: 3,
      tensorName: 'run 1',
      metadata: [{ name: 'label', values: ['a', 'b\tc', 'd'] }],
      images: { pixels: new Float32Array(3 * 4 * 3).fill(0.5), rows: 4, cols: 3 },
    });
    expect(readdirSync(folder).sort()).toEqual(['metadata.tsv', 'projector_config.pbtxt', 'sprite.png', 'tensors.tsv']);
    expect(readFileSync(join(folder, 'tensors.tsv'), 'utf8')).toBe('1\t2\n3\t4\n5\t6\n');
    expect(readFileSync(join(folder, 'metadata.tsv'), 'utf8')).toBe('a\nb c\nd\n');
    const png = readFileSync(join(folder, 'sprite.png'));
    // A 2x2 grid of 3-wide, 4-tall thumbnails: 6 x 8 pixels.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([6, 8]);
    expect(inflateSync(png.subarray(41, 41 + png.readUInt32BE(33))).length).toBe(8 * (6 + 1)); // a filter byte per row
    expect(readFileSync(join(folder, 'projector_config.pbtxt'), 'utf8')).toBe(
      [
        'embeddings {',
        '  tensor_name: "run 1"',
        '  tensor_path: "tensors.tsv"',
        '  metadata_path: "metadata.tsv"',
        '  sprite {',
        '    image_path: "sprite.png"',
        '    single_image_dim: 3',
        '    single_image_dim: 4',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });
});
