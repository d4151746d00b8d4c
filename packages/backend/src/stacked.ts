import type { Tensor2D } from '@tensorflow/tfjs-core';
import { tf } from './tfjs.ts';

/**
 * The two halves of a pair batch stacked in one tensor, [left rows; right rows]: the layout of a
 * sampler's stacked batch and of a shared tower's embeddings of it.
 */
export function stackedHalves(stacked: Tensor2D): [Tensor2D, Tensor2D] {
  const rows = stacked.shape[0] / 2;
  if (!Number.isInteger(rows)) throw new Error(`stackedHalves: ${stacked.shape[0]} rows do not make two halves`);
  return [tf.slice2d(stacked, [0, 0], [rows, -1]), tf.slice2d(stacked, [rows, 0], [rows, -1])];
}
