import type { GradSaveFunc, Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { tf } from './tfjs.ts';
import { PAIR_LOSS_GRAD_KERNEL, PAIR_LOSS_KERNEL } from './blas-backend.ts';

export interface FusedPairLossOptions {
  margin: number;
  /** Inside the distance: d = sqrt(d² + epsilon); 0 is the exact distance. */
  epsilon: number;
  reducer: 'mean' | 'sum';
}

/** The native loss runs on backends that register it, for float32 operands. */
function fusedLossApplies(...operands: Tensor[]): boolean {
  return tf.getKernel(PAIR_LOSS_KERNEL, tf.getBackend()) !== undefined && operands.every((t) => t.dtype === 'float32');
}

function kernelAttrs(options: FusedPairLossOptions) {
  return { margin: options.margin, epsilon: options.epsilon, mean: options.reducer === 'mean' };
}

/**
 * The seed's contrastive loss (euclidean distance, l·d² + (1−l)·max(m − d, 0)², mean or sum) and
 * its gradient, each one native call, on the `blas` backend; undefined on every other backend,
 * where the caller runs the composable tfjs graph, which this matches (the same float32
 * operations per element, NaN where tfjs' gradients give NaN).
 */
export function fusedContrastiveLoss(
  left: Tensor2D,
  right: Tensor2D,
  similar: Tensor1D,
  options: FusedPairLossOptions,
): Scalar | undefined {
  if (!fusedLossApplies(left, right, similar)) return undefined;
  const attrs = kernelAttrs(options);
  const engine = tf.engine();
  const loss = tf.customGrad<Scalar>(((a: Tensor, b: Tensor, save: GradSaveFunc) => {
    save([a, b]);
    return {
      value: engine.runKernel<Scalar>(PAIR_LOSS_KERNEL, { a, b, similar }, attrs),
      gradFunc: (dy: Tensor, [savedA, savedB]: Tensor[]) =>
        engine.runKernel<Tensor[]>(PAIR_LOSS_GRAD_KERNEL, { dy, a: savedA, b: savedB, similar }, attrs),
    };
  }) as never);
  return loss(left, right);
}

/**
 * The same loss on embeddings stacked in one tensor, [left rows; right rows] (a shared tower's
 * output over a stacked batch), read in place: no slicing before the loss and no padding and
 * adding of the halves' gradients after it. Undefined where `fusedContrastiveLoss` is.
 */
export function fusedContrastiveLossStacked(stacked: Tensor2D, similar: Tensor1D, options: FusedPairLossOptions): Scalar | undefined {
  if (!fusedLossApplies(stacked, similar)) return undefined;
  if (stacked.shape[0] !== 2 * similar.shape[0]) {
    throw new Error(`fusedContrastiveLossStacked: ${stacked.shape[0]} rows do not stack ${similar.shape[0]} pairs`);
  }
  const attrs = kernelAttrs(options);
  const engine = tf.engine();
  const loss = tf.customGrad<Scalar>(((both: Tensor, save: GradSaveFunc) => {
    save([both]);
    return {
      value: engine.runKernel<Scalar>(PAIR_LOSS_KERNEL, { stacked: both, similar }, attrs),
      gradFunc: (dy: Tensor, [savedBoth]: Tensor[]) =>
        engine.runKernel<Tensor[]>(PAIR_LOSS_GRAD_KERNEL, { dy, stacked: savedBoth, similar }, attrs)[0],
    };
  }) as never);
  return loss(stacked);
}
