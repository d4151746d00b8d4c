import { tf } from '@siamese-lab/backend';
import { createRandom } from '@siamese-lab/core';
import type { BatchLoss } from './batch-loss.ts';
import { maskedLogSumExp, type Similarity } from './pairwise.ts';

export interface ProxyAnchorOptions {
  numClasses: number;
  embeddingSize: number;
  /** Seeds the proxies' initial values. */
  seed: number;
  /** δ, default 0.1. */
  margin?: number;
  /** α, default 32. */
  alpha?: number;
  similarity: Similarity;
  /** Initial proxies, row-major [numClasses, embeddingSize], in place of the seeded ones. */
  initialProxies?: Float32Array;
}

/**
 * Seeded proxies like pytorch-metric-learning's: kaiming_normal_(mode="fan_out") on a
 * [numClasses, embeddingSize] tensor, normal with standard deviation sqrt(2 / numClasses), drawn
 * with the project's generator (Box-Muller) so a seed gives the same proxies on every backend.
 */
export function seededProxies(numClasses: number, embeddingSize: number, seed: number): Float32Array {
  const random = createRandom(seed);
  const std = Math.sqrt(2 / numClasses);
  const values = new Float32Array(numClasses * embeddingSize);
  for (let i = 0; i < values.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - random.next()));
    const angle = 2 * Math.PI * random.next();
    values[i] = std * radius * Math.cos(angle);
    if (i + 1 < values.length) values[i + 1] = std * radius * Math.sin(angle);
  }
  return values;
}

/**
 * Proxy-Anchor loss (Kim, Kim, Cho and Kwak, CVPR 2020), as pytorch-metric-learning's
 * ProxyAnchorLoss: one trained proxy p_c per class, s(x, p) the cosine similarity, and
 *   (1/|P⁺|) Σ_{c ∈ P⁺} log(1 + Σ_{x of class c} exp(−α (s(x, p_c) − δ)))
 *   + (1/|P|) Σ_{c ∈ P} log(1 + Σ_{x not of class c} exp(α (s(x, p_c) + δ))),
 * P⁺ the classes present in the batch. The proxies are a tf.Variable (`variables`), trained with
 * the network. Labels must lie in [0, numClasses) (a label outside matches no proxy).
 */
export function proxyAnchorLoss(options: ProxyAnchorOptions): BatchLoss {
  const { numClasses, embeddingSize, seed } = options;
  const margin = options.margin ?? 0.1;
  const alpha = options.alpha ?? 32;
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`numClasses must be a positive integer, got ${numClasses}`);
  if (!Number.isInteger(embeddingSize) || embeddingSize < 1) {
    throw new Error(`embeddingSize must be a positive integer, got ${embeddingSize}`);
  }
  if (!(margin >= 0)) throw new Error(`margin must be >= 0, got ${margin}`);
  if (!(alpha > 0)) throw new Error(`alpha must be > 0, got ${alpha}`);
  const initial = options.initialProxies ?? seededProxies(numClasses, embeddingSize, seed);
  if (initial.length !== numClasses * embeddingSize) {
    throw new Error(`initialProxies has ${initial.length} values, expected ${numClasses} x ${embeddingSize}`);
  }
  const proxies = tf.variable(tf.tensor2d(initial, [numClasses, embeddingSize]), true);
  const loss: BatchLoss = (embeddings, labels) =>
    tf.tidy(() => {
      // [classes, n]: each class's proxy against each embedding, so the sums run along rows.
      const s = options.similarity.matrix(proxies, embeddings);
      const positive = tf.transpose(tf.cast(tf.oneHot(tf.cast(labels, 'int32'), numClasses) as tf.Tensor2D, 'float32'));
      const negative = tf.sub<tf.Tensor2D>(1, positive);
      const pos = maskedLogSumExp(tf.mul(-alpha, tf.sub(s, margin)), positive, { addOne: true });
      const neg = maskedLogSumExp(tf.mul(alpha, tf.add(s, margin)), negative, { addOne: true });
      // A class absent from the batch contributes log 1 = 0 to the positive sum; |P⁺| ≥ 1 for n ≥ 1.
      const present = tf.maximum(tf.sum(pos.nonEmpty), 1);
      return tf.add<tf.Scalar>(tf.div(tf.sum(pos.value), present), tf.div(tf.sum(neg.value), numClasses));
    });
  loss.variables = [proxies];
  return loss;
}
