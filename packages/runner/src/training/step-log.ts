import type { StepMetricRow } from '@siamese-lab/store';
import type { StepOutcome } from './step.ts';

export interface TrainingProgress {
  step: number;
  steps: number;
  loss: number;
  stepsPerSecond: number;
}

/** Step rows for the store: buffered, handed over 50 at a time and at the end. */
export class StepLog {
  private pending: StepMetricRow[] = [];

  constructor(private readonly write?: (rows: StepMetricRow[]) => void) {}

  record(step: number, outcome: StepOutcome, learningRate: number, similar: Float32Array): void {
    const [positiveDistance, negativeDistance] = meanDistances(outcome.distances!, similar);
    this.pending.push({ step, loss: outcome.loss, positiveDistance, negativeDistance, learningRate, nan: !outcome.finite });
    if (this.pending.length >= 50) this.flush();
  }

  flush(): void {
    if (this.pending.length) this.write?.(this.pending.splice(0));
  }
}

/** Calls `report` at most every 250 ms, and at the last step. */
export class ProgressReporter {
  private readonly started = performance.now();
  private last = this.started;

  constructor(
    private readonly steps: number,
    private readonly report?: (progress: TrainingProgress) => void,
  ) {}

  step(step: number, loss: number): void {
    if (!this.report) return;
    const now = performance.now();
    if (now - this.last <= 250 && step !== this.steps) return;
    this.last = now;
    this.report({ step, steps: this.steps, loss, stepsPerSecond: step / ((now - this.started) / 1000) });
  }

  seconds(): number {
    return (performance.now() - this.started) / 1000;
  }
}

/** Mean distance of the positive and of the negative pairs (null for a side with no pairs). */
export function meanDistances(distances: Float32Array, similar: Float32Array): [number | null, number | null] {
  let positiveSum = 0,
    positiveCount = 0,
    negativeSum = 0,
    negativeCount = 0;
  for (let i = 0; i < distances.length; i++) {
    if (similar[i] === 1) {
      positiveSum += distances[i];
      positiveCount++;
    } else {
      negativeSum += distances[i];
      negativeCount++;
    }
  }
  return [positiveCount ? positiveSum / positiveCount : null, negativeCount ? negativeSum / negativeCount : null];
}
