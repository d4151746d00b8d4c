import type { RunRecord, RunStore, StoredEmbedding } from '@siamese-lab/store';
import { neighbourClassConfusion, projectTo2d, type Projection } from './embedding.ts';
import type { EmbeddingMeta } from './wire.ts';

interface Entry {
  /** A run re-run with --force gets a new embedding and a new finish time. */
  finishedAt: string | null;
  embedding: StoredEmbedding;
  projection: Projection;
  confusion: Map<number, number[][]>;
}

/**
 * The last few embeddings the pages asked for, with their 2-D projection and neighbour tables:
 * a run's explorer asks for the same embedding many times (every hover and click).
 */
export class EmbeddingCache {
  private readonly entries = new Map<number, Entry>();

  constructor(
    private readonly store: RunStore,
    private readonly capacity = 8,
  ) {}

  get(run: RunRecord): Entry | null {
    const cached = this.entries.get(run.id);
    if (cached && cached.finishedAt === run.finishedAt) {
      // Refresh its place: the map's order is the eviction order.
      this.entries.delete(run.id);
      this.entries.set(run.id, cached);
      return cached;
    }
    const embedding = this.store.getEmbedding(run.id);
    if (!embedding || embedding.count === 0) return null;
    const entry: Entry = {
      finishedAt: run.finishedAt,
      embedding,
      projection: projectTo2d(embedding.points, embedding.count, embedding.dim),
      confusion: new Map(),
    };
    this.entries.set(run.id, entry);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }

  /** What the run page needs to know before fetching the points. */
  meta(run: RunRecord): EmbeddingMeta | null {
    const entry = this.get(run);
    if (!entry) return null;
    const { embedding, projection } = entry;
    return {
      count: embedding.count,
      dim: embedding.dim,
      projection: projection.method,
      explainedVariance: projection.explainedVariance,
      twoSource: embedding.domains !== null,
    };
  }

  confusion(run: RunRecord, k: number, classes: number): number[][] | null {
    const entry = this.get(run);
    if (!entry) return null;
    let table = entry.confusion.get(k);
    if (!table) {
      table = neighbourClassConfusion(entry.embedding.points, entry.embedding.labels, entry.embedding.dim, k, classes);
      entry.confusion.set(k, table);
    }
    return table;
  }
}

/**
 * The points as the browser draws them: n*2 float32 (x, y), then n labels, then n domain flags
 * (all 0 for a one-source run), little-endian.
 */
export function embeddingBytes(embedding: StoredEmbedding, projection: Projection): Uint8Array {
  const count = embedding.count;
  const bytes = new Uint8Array(count * 10);
  new Float32Array(bytes.buffer, 0, count * 2).set(projection.xy);
  bytes.set(embedding.labels.subarray(0, count), count * 8);
  if (embedding.domains) bytes.set(embedding.domains.subarray(0, count), count * 9);
  return bytes;
}
