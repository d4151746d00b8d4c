import { crc32, deflateSync } from 'node:zlib';

const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, checksum]);
}

/**
 * An 8-bit PNG of `rows x cols` pixels given as floats in [0, 1], `channels` values per pixel
 * (1: greyscale, 3: RGB, interleaved as HWC).
 */
export function imagePng(pixels: ArrayLike<number>, rows: number, cols: number, channels: 1 | 3 = 1): Buffer {
  if (pixels.length !== rows * cols * channels) throw new Error(`imagePng: ${pixels.length} values for ${rows}x${cols}x${channels}`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(cols, 0);
  header.writeUInt32BE(rows, 4);
  header[8] = 8; // bit depth
  header[9] = channels === 1 ? 0 : 2; // colour type: greyscale or truecolour
  // Each scanline starts with its filter type (0: none).
  const line = cols * channels;
  const raw = Buffer.alloc(rows * (line + 1));
  for (let row = 0; row < rows; row++) {
    for (let i = 0; i < line; i++) {
      const value = pixels[row * line + i];
      raw[row * (line + 1) + 1 + i] = Math.round(Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0)) * 255);
    }
  }
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** An 8-bit greyscale PNG of `rows x cols` pixels given as floats in [0, 1] (a test image is ~300 bytes). */
export function greyscalePng(pixels: ArrayLike<number>, rows: number, cols: number): Buffer {
  if (pixels.length !== rows * cols) throw new Error(`greyscalePng: ${pixels.length} pixels for ${rows}x${cols}`);
  return imagePng(pixels, rows, cols, 1);
}
