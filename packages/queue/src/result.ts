import { z } from 'zod';
import type { RunOutcome, StepMetricRow, StoredEmbedding } from '@siamese-lab/store';

/**
 * A finished run as a job's return value: JSON (what BullMQ stores in Redis), with the
 * embedding and checkpoint arrays as base64 of their bytes, so floats come back bit for bit.
 * A checkpoint of the seed's 784-1024-1024-2 network is about 10 MB this way (Redis takes
 * values up to 512 MB).
 */
export interface EncodedRunResult {
  format: 1;
  /** The concrete backend that trained it. */
  backend: string;
  /** The worker's provenance (host, CPU, backend, git commit, ...). */
  provenance: unknown;
  startedAt: string;
  stepMetrics: StepMetricRow[];
  outcome: Omit<RunOutcome, 'embedding' | 'checkpoint'> & {
    embedding: { dim: number; points: string; labels: string; domains: string | null; classShapes: unknown } | null;
    checkpoint: { tensors: Array<{ name: string; shape: number[]; values: string }> } | null;
  };
}

export interface DecodedRunResult {
  backend: string;
  provenance: unknown;
  startedAt: string;
  stepMetrics: StepMetricRow[];
  outcome: RunOutcome;
}

const base64Of = (array: Float32Array | Uint8Array): string =>
  Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');

/** A fresh, aligned copy of the bytes (a decoded Buffer may sit at any offset of a shared pool). */
function bytesOf(text: string): ArrayBuffer {
  const buffer = Buffer.from(text, 'base64');
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
}

function float32Of(text: string, what: string): Float32Array {
  const bytes = bytesOf(text);
  if (bytes.byteLength % 4 !== 0) throw new Error(`${what}: ${bytes.byteLength} bytes is not a whole number of float32 values`);
  return new Float32Array(bytes);
}

export function encodeRunResult(result: DecodedRunResult): EncodedRunResult {
  const { embedding, checkpoint, ...rest } = result.outcome;
  return {
    format: 1,
    backend: result.backend,
    provenance: result.provenance,
    startedAt: result.startedAt,
    stepMetrics: result.stepMetrics,
    outcome: {
      ...rest,
      nanDetail: rest.nanDetail ?? null,
      error: rest.error ?? null,
      embedding: embedding
        ? {
            dim: embedding.dim,
            points: base64Of(embedding.points),
            labels: base64Of(embedding.labels),
            domains: embedding.domains ? base64Of(embedding.domains) : null,
            classShapes: embedding.classShapes,
          }
        : null,
      checkpoint: checkpoint
        ? { tensors: checkpoint.tensors.map(({ name, shape, values }) => ({ name, shape, values: base64Of(values) })) }
        : null,
    },
  };
}

const nullableNumber = z.number().nullable();
// Numbers may be null: JSON has no NaN (a run's own store keeps the same nulls).
const classShapeSchema = z.object({
  label: z.number(),
  count: z.number(),
  centroid: z.array(nullableNumber),
  axisRatio: nullableNumber,
  ellipse: z.object({ angleRadians: nullableNumber, majorStd: nullableNumber, minorStd: nullableNumber }),
});
const resultSchema = z.object({
  format: z.literal(1),
  backend: z.string(),
  provenance: z.unknown(),
  startedAt: z.string(),
  stepMetrics: z.array(
    z.object({
      step: z.number().int(),
      loss: nullableNumber,
      positiveDistance: nullableNumber,
      negativeDistance: nullableNumber,
      learningRate: nullableNumber,
      nan: z.boolean(),
    }),
  ),
  outcome: z.object({
    status: z.enum(['completed', 'nan', 'failed']),
    wallSeconds: z.number(),
    stepsDone: z.number().int(),
    nanSteps: z.number().int(),
    firstNanStep: z.number().int().nullable(),
    nanDetail: z.unknown(),
    error: z.string().nullable(),
    metrics: z.record(z.string(), nullableNumber),
    embedding: z
      .object({
        dim: z.number().int().positive(),
        points: z.string(),
        labels: z.string(),
        domains: z.string().nullable(),
        classShapes: z.array(classShapeSchema).nullable(),
      })
      .nullable(),
    checkpoint: z
      .object({ tensors: z.array(z.object({ name: z.string(), shape: z.array(z.number().int()), values: z.string() })) })
      .nullable(),
  }),
});

/** Checks and decodes a job's return value; an Error says what is wrong with it. */
export function decodeRunResult(value: unknown): DecodedRunResult {
  const parsed = resultSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`the worker's result is malformed at ${issue.path.join('.') || 'the top'}: ${issue.message}`);
  }
  const { embedding, checkpoint, ...rest } = parsed.data.outcome;
  return {
    backend: parsed.data.backend,
    provenance: parsed.data.provenance,
    startedAt: parsed.data.startedAt,
    stepMetrics: parsed.data.stepMetrics,
    outcome: {
      ...rest,
      embedding: embedding && {
        dim: embedding.dim,
        points: float32Of(embedding.points, 'embedding points'),
        labels: new Uint8Array(bytesOf(embedding.labels)),
        domains: embedding.domains === null ? null : new Uint8Array(bytesOf(embedding.domains)),
        classShapes: embedding.classShapes as StoredEmbedding['classShapes'],
      },
      checkpoint: checkpoint && {
        tensors: checkpoint.tensors.map(({ name, shape, values }) => ({
          name,
          shape,
          values: float32Of(values, `checkpoint tensor ${name}`),
        })),
      },
    },
  };
}
