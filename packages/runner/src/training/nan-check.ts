import type { PairBatch } from '@siamese-lab/data';
import type { StepOutcome } from './step.ts';

/** A batch's pairs as the diagnosis reads them: a pair sampler's batch, or the pairs a batch loss formed. */
export type PairView = Pick<PairBatch, 'similar' | 'leftIndices' | 'rightIndices'>;

/** What the first non-finite step looked like, so the database can say why a run went NaN. */
export interface NanDetail {
  step: number;
  loss: number | null;
  gradientFinite: boolean;
  reason: string;
  /** Pairs of the batch whose embedding distance was (numerically) zero. */
  zeroDistancePairs: Array<{ pair: number; leftIndex: number; rightIndex: number; similar: number; distance: number }>;
  minDistance: number | null;
  batchSize: number;
  positivePairs: number;
  /** The whole batch at the first NaN: each pair's label (1 = similar) and distance under the run's own distance (null if non-finite). */
  pairLabels: number[];
  pairDistances: Array<number | null>;
}

/** Distances below this count as "d = 0": the sqrt gradient there is infinite or huge. */
const zeroDistance = 1e-12;

/** Counts non-finite steps and keeps the diagnosis of the first. */
export class NanTracker {
  nanSteps = 0;
  firstNanStep: number | null = null;
  detail: NanDetail | null = null;

  record(step: number, outcome: StepOutcome, batch: PairView): void {
    if (outcome.finite) return;
    this.nanSteps++;
    if (this.firstNanStep !== null) return;
    this.firstNanStep = step;
    this.detail = describeNan(step, outcome.loss, outcome.gradientsFinite, outcome.distances!, batch);
  }
}

export function describeNan(step: number, loss: number, gradientFinite: boolean, distances: Float32Array, batch: PairView): NanDetail {
  const zeroDistancePairs: NanDetail['zeroDistancePairs'] = [];
  let minDistance = Infinity;
  let positivePairs = 0;
  for (let i = 0; i < distances.length; i++) {
    if (batch.similar[i] === 1) positivePairs++;
    if (distances[i] < minDistance) minDistance = distances[i];
    if (distances[i] <= zeroDistance && zeroDistancePairs.length < 20) {
      zeroDistancePairs.push({
        pair: i,
        leftIndex: batch.leftIndices[i],
        rightIndex: batch.rightIndices[i],
        similar: batch.similar[i],
        distance: distances[i],
      });
    }
  }
  const what = !Number.isFinite(loss) ? 'the loss' : 'a gradient';
  let reason: string;
  if (zeroDistancePairs.length > 0) {
    const first = zeroDistancePairs[0];
    const identical = first.leftIndex === first.rightIndex ? ` (the same image, train index ${first.leftIndex}, on both sides)` : '';
    reason = `${what} was non-finite: d = 0 for ${zeroDistancePairs.length} pair(s) of the batch, e.g. pair ${first.pair}${identical}, label ${first.similar}; d(sqrt(x))/dx is infinite at x = 0 (use epsilon > 0)`;
  } else if (!Number.isFinite(minDistance)) {
    reason = `${what} was non-finite: the embeddings themselves are non-finite (the weights diverged)`;
  } else {
    reason = `${what} was non-finite with the smallest pair distance ${minDistance.toExponential(3)} (no pair at d = 0: a diverging update, e.g. a learning rate too large)`;
  }
  return {
    step,
    loss: Number.isFinite(loss) ? loss : null,
    gradientFinite,
    reason,
    zeroDistancePairs,
    minDistance: Number.isFinite(minDistance) ? minDistance : null,
    batchSize: distances.length,
    positivePairs,
    pairLabels: Array.from(batch.similar),
    pairDistances: Array.from(distances, (distance) => (Number.isFinite(distance) ? distance : null)),
  };
}
