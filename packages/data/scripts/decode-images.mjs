// Decodes image files with sharp into one block of 8-bit HWC pixels. Run as a child process by
// src/image-folder.ts, which is synchronous (as every data loader is) while sharp is only
// asynchronous. Reads a JSON job on stdin: { files, size: [rows, cols] | null, channels, output };
// writes the pixels of every file, in order, to `output`, and prints one JSON line:
// { rows, cols, channels, decoder } or { error: { file, message } } for the first bad file.
import { availableParallelism } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';

const job = JSON.parse(readFileSync(0, 'utf8'));
const finish = (result) => process.stdout.write(`${JSON.stringify(result)}\n`);

let sharp;
try {
  sharp = (await import('sharp')).default;
} catch (error) {
  finish({ error: { file: null, message: `cannot load sharp, the image decoder: ${error.message}` } });
  process.exit(0);
}
// Many small images: parallel across images rather than inside one.
sharp.concurrency(1);
sharp.cache(false);

const { files, size, channels } = job;
let shape;
let pixels;

async function decodeInto(index) {
  const file = files[index];
  try {
    await decode(file, index);
  } catch (error) {
    throw Object.assign(error, { file, index });
  }
}

async function decode(file, index) {
  // 'error' (not sharp's default 'warning'): truncated and broken files fail, a benign libpng warning
  // (such as an sRGB profile it knows to be wrong) does not, as PIL reads them in torchvision.
  let image = sharp(file, { failOn: 'error' });
  if (size) image = image.resize(size[1], size[0], { fit: 'fill' });
  // Alpha is dropped, not composited, as PIL's convert('RGB') / convert('L') do in torchvision.
  image = image.removeAlpha().toColourspace(channels === 1 ? 'b-w' : 'srgb');
  const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== channels) {
    throw new Error(`decoded to ${info.channels} channel(s), expected ${channels}`);
  }
  if (!shape) {
    shape = { rows: info.height, cols: info.width, first: file };
    pixels = new Uint8Array(files.length * info.height * info.width * channels);
  } else if (info.height !== shape.rows || info.width !== shape.cols) {
    throw Object.assign(
      new Error(
        `the image is ${info.height}x${info.width} (rows x cols) but ${shape.first} is ${shape.rows}x${shape.cols}; ` +
          'images of mixed sizes need data.image.size to resize them to one',
      ),
      { mixedSizes: true },
    );
  }
  pixels.set(data, index * data.length);
}

const failures = [];
try {
  if (files.length === 0) throw new Error('no files to decode');
  // The first image fixes the shape the others are checked against, so it is decoded alone.
  await decodeInto(0);
  let next = 1;
  // Files are taken in order and no new one after a failure: the first bad file is always reported.
  const worker = async () => {
    while (next < files.length && failures.length === 0) {
      const index = next++;
      await decodeInto(index).catch((error) => failures.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.max(2, 2 * availableParallelism()) }, worker));
  if (failures.length > 0) throw failures.sort((a, b) => a.index - b.index)[0];
  writeFileSync(job.output, pixels);
  finish({ rows: shape.rows, cols: shape.cols, channels, decoder: `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})` });
} catch (error) {
  finish({ error: { file: error.file ?? null, message: error.message, mixedSizes: error.mixedSizes ?? false } });
}
