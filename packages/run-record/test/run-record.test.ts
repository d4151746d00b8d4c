import { describe, expect, it } from 'vitest';
import {
  embeddingMetricNames,
  finishedStatuses,
  headlineMetricNames,
  isFinishedStatus,
  isRunStatus,
  runStatuses,
  timingMetricNames,
  trainingMetricNames,
} from '../src/index.ts';

describe('run record', () => {
  it('knows which statuses hold a result', () => {
    expect(finishedStatuses.every((status) => runStatuses.includes(status))).toBe(true);
    expect(isFinishedStatus('completed')).toBe(true);
    expect(isFinishedStatus('nan')).toBe(true);
    expect(isFinishedStatus('interrupted')).toBe(false);
    expect(isRunStatus('running')).toBe(true);
    expect(isRunStatus('done')).toBe(false);
  });

  it('names each metric once, and the headline and timing metrics are among them', () => {
    const all = [...embeddingMetricNames, ...trainingMetricNames];
    expect(new Set(all).size).toBe(all.length);
    for (const name of [...headlineMetricNames, ...timingMetricNames]) expect(all).toContain(name);
  });
});
