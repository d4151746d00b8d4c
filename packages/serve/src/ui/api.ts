/** Same-origin requests to the server's API; a non-2xx answer becomes an Error with the server's message. */
export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: string } | null;
    throw new Error(body?.error ?? `${response.status} ${response.statusText}`);
  }
  return (await response.json()) as T;
}

export interface EmbeddingPoints {
  count: number;
  /** n*2 screen-space-ready coordinates (the 2-D projection). */
  xy: Float32Array;
  labels: Uint8Array;
  domains: Uint8Array;
}

/** The binary embedding: n*2 float32, then n labels, then n domain flags. */
export async function getEmbedding(runId: number): Promise<EmbeddingPoints> {
  const response = await fetch(`/api/runs/${runId}/embedding`);
  if (!response.ok) throw new Error(`embedding of run ${runId}: ${response.status}`);
  const buffer = await response.arrayBuffer();
  const count = buffer.byteLength / 10;
  return {
    count,
    xy: new Float32Array(buffer, 0, count * 2),
    labels: new Uint8Array(buffer, count * 8, count),
    domains: new Uint8Array(buffer, count * 9, count),
  };
}

export const imageUrl = (runId: number, index: number) => `/api/runs/${runId}/images/${index}.png`;
