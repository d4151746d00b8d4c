/**
 * A made-up but realistic sweep (optimizer × margin × epsilon × seed) for tests and the report
 * benchmark: Gaussian class clusters (elongated for SGD, round for Adam), decaying loss curves,
 * and NaN runs when epsilon is 0.
 */
import { createRandom, type Random } from '@siamese-lab/core';
import type { ClassShape, CurvePoint, ReportInput, ReportRun } from '../src/types.ts';

export interface SyntheticOptions {
  /** Embedding points per run (default 10,000). */
  pointsPerRun?: number;
  /** Logged curve points per run (default 500). */
  curveLength?: number;
  /** Number of classes (default 10). */
  classCount?: number;
}

function gaussian(random: Random): number {
  const u = Math.max(random.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

/** Centroid and one-sigma ellipse of each class from its 2-D points (eigen-decomposition of the covariance). */
export function classShapesFromPoints(points: Float32Array, labels: Uint8Array): ClassShape[] {
  const sums = new Map<number, { n: number; x: number; y: number; xx: number; yy: number; xy: number }>();
  for (let i = 0; i < labels.length; i++) {
    const x = points[2 * i];
    const y = points[2 * i + 1];
    let sum = sums.get(labels[i]);
    if (!sum) sums.set(labels[i], (sum = { n: 0, x: 0, y: 0, xx: 0, yy: 0, xy: 0 }));
    sum.n++;
    sum.x += x;
    sum.y += y;
    sum.xx += x * x;
    sum.yy += y * y;
    sum.xy += x * y;
  }
  return [...sums.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([label, sum]) => {
      const cx = sum.x / sum.n;
      const cy = sum.y / sum.n;
      const a = sum.xx / sum.n - cx * cx;
      const c = sum.yy / sum.n - cy * cy;
      const b = sum.xy / sum.n - cx * cy;
      const half = Math.sqrt(((a - c) / 2) ** 2 + b * b);
      const major = Math.sqrt(Math.max(0, (a + c) / 2 + half));
      const minor = Math.sqrt(Math.max(0, (a + c) / 2 - half));
      return {
        label,
        count: sum.n,
        centroid: [cx, cy],
        axisRatio: minor > 0 ? major / minor : null,
        ellipse: { angleRadians: 0.5 * Math.atan2(2 * b, a - c), majorStd: major, minorStd: minor },
      };
    });
}

export function syntheticReportInput(runCount: number, seed: number, options: SyntheticOptions = {}): ReportInput {
  const pointsPerRun = options.pointsPerRun ?? 10_000;
  const curveLength = options.curveLength ?? 500;
  const classCount = options.classCount ?? 10;
  const random = createRandom(seed);
  const optimizers = ['sgd', 'adam'];
  const margins = [1, 2];
  const epsilons = [0, 1e-6];
  const runs: ReportRun[] = [];
  for (let index = 0; index < runCount; index++) {
    const runRandom = random.fork(index);
    const combo = index % 8;
    const optimizer = optimizers[combo % 2];
    const margin = margins[Math.floor(combo / 2) % 2];
    const epsilon = epsilons[Math.floor(combo / 4) % 2];
    const runSeed = Math.floor(index / 8);
    const isAdam = optimizer === 'adam';

    const points = new Float32Array(pointsPerRun * 2);
    const labels = new Uint8Array(pointsPerRun);
    const radius = 2.5 * margin;
    for (let i = 0; i < pointsPerRun; i++) {
      const label = runRandom.int(classCount);
      const angle = (2 * Math.PI * label) / classCount;
      // SGD stretches clusters along the radius; Adam keeps them round.
      const along = (isAdam ? 0.35 : 0.8) * margin * gaussian(runRandom);
      const across = (isAdam ? 0.3 : 0.18) * margin * gaussian(runRandom);
      labels[i] = label;
      points[2 * i] = (radius + along) * Math.cos(angle) - across * Math.sin(angle);
      points[2 * i + 1] = (radius + along) * Math.sin(angle) + across * Math.cos(angle);
    }
    const classShapes = pointsPerRun > 0 ? classShapesFromPoints(points, labels) : null;
    const ratios = (classShapes ?? []).map((shape) => shape.axisRatio ?? 1);

    const hitsNan = epsilon === 0 && runRandom.next() < (isAdam ? 0.7 : 0.3);
    const firstNanStep = hitsNan ? 10 * Math.floor(curveLength * (0.1 + 0.8 * runRandom.next())) : null;
    const curve: CurvePoint[] = [];
    for (let i = 0; i < curveLength; i++) {
      const step = 10 * i;
      const nan = firstNanStep !== null && step >= firstNanStep;
      const progress = 1 - Math.exp(-step / (isAdam ? 800 : 2000));
      curve.push({
        step,
        nan,
        loss: nan ? null : 0.25 * (1 - progress) + 0.02 + 0.01 * Math.abs(gaussian(runRandom)),
        positiveDistance: nan ? null : 0.9 - 0.5 * progress + 0.02 * gaussian(runRandom),
        negativeDistance: nan ? null : 0.9 + (margin - 0.6) * progress + 0.02 * gaussian(runRandom),
      });
    }
    const nanSteps = curve.filter((point) => point.nan).length;
    const accuracy = Math.min(0.995, (isAdam ? 0.95 : 0.92) + 0.01 * gaussian(runRandom));
    const label = `optimizer=${optimizer}, loss.margin=${margin}, loss.epsilon=${epsilon}, seed=${runSeed}`;
    runs.push({
      runId: String(index + 1),
      label,
      configHash: (0x10000000 + index * 7919).toString(16),
      status: hitsNan ? 'nan' : 'completed',
      params: {
        'optimizer.name': optimizer,
        'loss.margin': margin,
        'loss.epsilon': epsilon,
        'sampler.kind': 'balanced',
        'training.steps': curveLength * 10,
        seed: runSeed,
      },
      metrics: hitsNan
        ? { nn_accuracy: null, final_loss: null, anisotropy: null }
        : {
            nn_accuracy: accuracy,
            precision_at_1: accuracy - 0.005,
            map_at_r: accuracy - 0.1,
            roc_auc: Math.min(0.999, accuracy + 0.03),
            silhouette: 0.4 + 0.1 * runRandom.next(),
            inter_intra_ratio: 3 + runRandom.next(),
            anisotropy: ratios.reduce((sum, ratio) => sum + ratio, 0) / Math.max(1, ratios.length),
            final_loss: curve[curve.length - 1]?.loss ?? null,
          },
      classShapes,
      wallSeconds: 30 + 20 * runRandom.next(),
      backend: 'tensorflow',
      nanSteps,
      firstNanStep,
      curve,
      embedding: pointsPerRun > 0 ? { dim: 2, points, labels } : null,
    });
  }
  return {
    experiment: { name: 'synthetic sweep', description: 'Optimizer × margin × epsilon × seed, made-up data.' },
    sweepKeys: ['optimizer.name', 'loss.margin', 'loss.epsilon', 'seed'],
    classNames: Array.from({ length: classCount }, (_, i) => String(i)),
    runs,
    generatedAt: '2025-01-01T00:00:00.000Z',
  };
}
