import { totalmem } from 'node:os';
import { modelParameterCount } from '@siamese-lab/model';
import { imageSize } from '@siamese-lab/data';
import { imageShapeOf, type RunData } from './datasets.ts';
import { optimizerStateCopies } from './optimizers.ts';
import type { RunSpec } from './spec/schema.ts';

/**
 * The share of the machine's memory a run's weights may take: the rest is for activations,
 * the datasets, the evaluation and everything else running.
 */
export const weightMemoryShare = 0.5;

export interface WeightMemory {
  /** Bytes of the weights, their gradients and the optimizer's state, all float32. */
  bytes: number;
  /** Weights of each tower (tower B: 0 when shared). */
  towerA: number;
  towerB: number;
  /** How many float32 copies of the weights training holds (weights, gradients, optimizer state). */
  copies: number;
}

/**
 * A lower bound on a run's training memory, from its architecture alone: weights, one gradient
 * per weight and the optimizer's state. Activations come on top (they scale with the batch).
 */
export function weightMemory(spec: RunSpec, data: RunData): WeightMemory {
  const right = data.right?.train ?? data.train;
  const { towerA, towerB } = modelParameterCount(spec.model, {
    inputSizeA: imageSize(data.train),
    inputSizeB: imageSize(right),
    imageShapeA: imageShapeOf(data.train),
    imageShapeB: imageShapeOf(right),
  });
  const copies = 2 + optimizerStateCopies[spec.optimizer.name];
  return { bytes: (towerA + towerB) * copies * Float32Array.BYTES_PER_ELEMENT, towerA, towerB, copies };
}

/** The most a run's weights may take on this machine. */
export const weightMemoryLimit = (): number => weightMemoryShare * totalmem();

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
