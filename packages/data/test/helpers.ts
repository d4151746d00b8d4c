import type { Dataset } from '../src/index.ts';

/** A tiny dataset whose image k has every pixel equal to k, so a gathered row reveals its index. */
export function indexedDataset(labels: number[], options: { rows?: number; cols?: number; classes?: number; name?: string } = {}): Dataset {
  const rows = options.rows ?? 2,
    cols = options.cols ?? 2;
  const size = rows * cols;
  const images = new Float32Array(labels.length * size);
  labels.forEach((_, k) => images.fill(k, k * size, (k + 1) * size));
  const classes = options.classes ?? Math.max(...labels) + 1;
  return {
    name: options.name ?? 'tiny',
    images,
    labels: Uint8Array.from(labels),
    count: labels.length,
    rows,
    cols,
    channels: 1,
    classes,
    classNames: Array.from({ length: classes }, (_, c) => `class ${c}`),
  };
}

/** Calls `fn` and returns what it threw (failing when it does not throw). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}
