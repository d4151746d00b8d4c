import { describe, expect, it } from 'vitest';
import { isLabError } from '@siamese-lab/core';
import { configHash, flattenParams, runSpecSchema, type PlannedRun } from '@siamese-lab/runner';
import { isLoopback, parseQueueAddress, runJobOf } from '../src/index.ts';
import { decodeRunResult, encodeRunResult, type DecodedRunResult } from '../src/result.ts';
import { RejectedJob, validateRunJob } from '../src/job.ts';

describe('queue addresses', () => {
  it('accepts loopback without a password, anything with one, rediss for TLS; hides the password when printed', () => {
    expect(parseQueueAddress('redis://127.0.0.1:6379')).toMatchObject({ host: '127.0.0.1', tls: false, hasPassword: false });
    expect(parseQueueAddress('redis://localhost:6379').host).toBe('localhost');
    expect(parseQueueAddress('redis://[::1]:6379').hasPassword).toBe(false);
    const remote = parseQueueAddress('rediss://worker:s3cret@10.0.0.5:6380/2');
    expect(remote).toMatchObject({ host: '10.0.0.5', tls: true, hasPassword: true });
    expect(remote.display).toBe('rediss://worker:***@10.0.0.5:6380/2');
    expect(remote.url).toContain('s3cret');
    expect(parseQueueAddress('redis://10.0.0.5:6379', { insecure: true }).hasPassword).toBe(false);
  });

  it('refuses another machine without a password, and what is not a redis URL, as input errors', () => {
    for (const [url, message] of [
      ['redis://10.0.0.5:6379', /refusing Redis at 10\.0\.0\.5 without a password/],
      ['redis://redis.example:6379', /refusing Redis at redis\.example without a password/],
      ['http://127.0.0.1:6379', /must be a redis:\/\/ or rediss:\/\/ URL/],
      ['127.0.0.1:6379', /is not a URL/],
      ['not a url', /is not a URL/],
    ] as const) {
      let error: unknown;
      try {
        parseQueueAddress(url);
      } catch (caught) {
        error = caught;
      }
      expect(isLabError(error), url).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
    expect(isLoopback('127.8.9.10')).toBe(true);
    expect(isLoopback('128.0.0.1')).toBe(false);
  });
});

const spec = runSpecSchema.parse({ seed: 3, training: { steps: 7 } });
const run: PlannedRun = {
  index: 4,
  spec,
  params: flattenParams(spec),
  overrides: { seed: 3 },
  configHash: configHash(spec),
  label: 'seed=3',
  dataFolder: process.cwd(),
};

describe('run jobs', () => {
  it('a job made by a coordinator validates back into the same run, after a round trip through JSON', () => {
    const job = JSON.parse(JSON.stringify(runJobOf('sweep', run, { projectVersion: 'v1', allowVersionMismatch: false }))) as unknown;
    const validated = validateRunJob(job, 'v1');
    expect(validated.run).toMatchObject({ index: 4, label: 'seed=3', configHash: run.configHash, params: run.params });
    expect(validated.run.spec).toEqual(spec);
  });

  it('rejects prototype tricks, unknown keys and out-of-range values before anything runs', () => {
    const job = runJobOf('sweep', run, { projectVersion: 'v1', allowVersionMismatch: false });
    const polluted = JSON.parse(`{"__proto__": {"admin": true}, ${JSON.stringify(job).slice(1)}`) as unknown;
    expect(() => validateRunJob(polluted, 'v1')).toThrow(RejectedJob);
    expect(() => validateRunJob({ ...job, experiment: '../../etc' }, 'v1')).toThrow(/malformed job: experiment/);
    expect(() =>
      validateRunJob({ ...job, run: { ...job.run, spec: { ...spec, optimizer: { name: 'sgd', learning_rate: -1 } } } }, 'v1'),
    ).toThrow(/invalid run parameters: field `optimizer.learning_rate`/);
    expect(() => validateRunJob(job, 'v2')).toThrow(/version mismatch: the coordinator runs v1, this worker v2/);
    expect(validateRunJob({ ...job, allowVersionMismatch: true }, 'v2').run.configHash).toBe(run.configHash);
  });
});

describe('run results', () => {
  it('survive JSON bit for bit: metrics, step rows, embedding and checkpoint', () => {
    const points = new Float32Array([0.1, -2.5e-38, Math.PI, 1e30, -0, 7]);
    const result: DecodedRunResult = {
      backend: 'blas',
      provenance: { hostname: 'a' },
      startedAt: '2026-01-01T00:00:00.000Z',
      stepMetrics: [{ step: 1, loss: 0.30000000000000004, positiveDistance: null, negativeDistance: 1.5, learningRate: 0.01, nan: false }],
      outcome: {
        status: 'completed',
        wallSeconds: 1.25,
        stepsDone: 7,
        nanSteps: 0,
        firstNanStep: null,
        nanDetail: null,
        error: null,
        metrics: { nn_accuracy: 0.1 + 0.2, silhouette: null },
        embedding: {
          dim: 2,
          points,
          labels: new Uint8Array([1, 9, 0]),
          domains: null,
          classShapes: [
            { label: 1, count: 2, centroid: [0.5, 1], axisRatio: 1.5, ellipse: { angleRadians: 0.25, majorStd: 2, minorStd: 1 } },
          ],
        },
        checkpoint: { tensors: [{ name: 'w', shape: [3, 2], values: points.subarray(0, 6) }] },
      },
    };
    const decoded = decodeRunResult(JSON.parse(JSON.stringify(encodeRunResult(result))));
    expect(decoded).toEqual(result);
    expect(Array.from(new Uint32Array(decoded.outcome.embedding!.points.buffer))).toEqual(Array.from(new Uint32Array(points.buffer)));
  });

  it('a malformed result is an error naming the field', () => {
    expect(() => decodeRunResult({ format: 1 })).toThrow(/malformed at backend/);
  });
});
