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

/** An 8-bit greyscale PNG of `rows x cols` pixels given as floats in [0, 1] (a test image is ~300 bytes). */
export function greyscalePng(pixels: ArrayLike<number>, rows: number, cols: number): Buffer {
  if (pixels.length !== rows * cols) throw new Error(`greyscalePng: ${pixels.length} pixels for ${rows}x${cols}`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(cols, 0);
  header.writeUInt32BE(rows, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // colour type: greyscale
  // Each scanline starts with its filter type (0: none).
  const raw = Buffer.alloc(rows * (cols + 1));
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      const value = pixels[row * cols + col];
      raw[row * (cols + 1) + 1 + col] = Math.round(Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0)) * 255);
    }
  }
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
