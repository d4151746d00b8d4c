import type { ReportInput, ReportRun } from '../src/types.ts';

export function makeRun(overrides: Partial<ReportRun> & { runId: string }): ReportRun {
  return {
    label: `run ${overrides.runId}`,
    configHash: `hash${overrides.runId}`,
    status: 'completed',
    params: {},
    metrics: {},
    classShapes: null,
    wallSeconds: 10,
    backend: 'cpu',
    nanSteps: 0,
    firstNanStep: null,
    curve: [],
    embedding: null,
    ...overrides,
  };
}

export function makeInput(runs: ReportRun[], overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    experiment: { name: 'test experiment', description: 'a test' },
    sweepKeys: [],
    classNames: ['0', '1', '2'],
    runs,
    generatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export const xssText = '</script><img src=x onerror=alert(1)>';
