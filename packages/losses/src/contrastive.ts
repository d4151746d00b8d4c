import { stackedHalves, tf } from '@siamese-lab/backend';
import type { Distance, PairDistances } from './distances.ts';
import type { Reducer } from './reducers.ts';
import { meanReducer } from './reducers.ts';

/** A pair loss: embeddings of the left and right inputs and the pair labels (1 = similar). */
export type PairLoss = ((left: tf.Tensor2D, right: tf.Tensor2D, similar: tf.Tensor1D) => tf.Scalar) & {
  /**
   * The same loss on the embeddings stacked in one tensor, [left rows; right rows], where the
   * loss has a form that reads the halves in place (undefined when it has none here).
   */
  stacked?: (stacked: tf.Tensor2D, similar: tf.Tensor1D) => tf.Scalar | undefined;
};

/** `loss` on stacked embeddings [left rows; right rows]: in place where it can, else on the two halves. */
export function lossOfStacked(loss: PairLoss, stacked: tf.Tensor2D, similar: tf.Tensor1D): tf.Scalar {
  const inPlace = loss.stacked?.(stacked, similar);
  if (inPlace) return inPlace;
  return loss(...stackedHalves(stacked), similar);
}

export interface ContrastiveLossOptions {
  margin: number;
  distance: Distance;
  reducer?: Reducer;
}

/**
 * The shared shape of the contrastive losses: l·d² for similar pairs plus a hinge for dissimilar
 * ones, `hinge(pair distances)`, both masked by the label and reduced over the batch.
 */
function maskedPairLoss(options: ContrastiveLossOptions, hinge: (measured: PairDistances) => tf.Tensor1D): PairLoss {
  const { margin, distance } = options;
  const reducer = options.reducer ?? meanReducer();
  if (!(margin > 0)) throw new Error(`margin must be > 0, got ${margin}`);
  return (left, right, similar) =>
    tf.tidy(() => {
      const measured = distance.measure(left, right);
      const positive = tf.mul(similar, measured.squared);
      const negative = tf.mul(tf.sub(1, similar), hinge(measured));
      return reducer.reduce(tf.add<tf.Tensor1D>(positive, negative));
    });
}

/**
 * The contrastive loss of Hadsell, Chopra and LeCun as the seed writes it:
 * l·d² + (1−l)·max(m − d, 0)², with d from `distance` (so ε lives in the distance).
 * The label masks multiply both terms, as in the seed, so a pair with d = 0 poisons the
 * gradient even when it is a positive pair: exactly the NaN the seed describes.
 */
export function contrastiveLoss(options: ContrastiveLossOptions): PairLoss {
  return maskedPairLoss(options, ({ distance }) => tf.square(tf.relu(tf.sub(options.margin, distance))) as tf.Tensor1D);
}

/**
 * The square-root-free variant: l·d² + (1−l)·max(m² − d², 0). The hinge acts on the squared
 * distance, so no sqrt appears anywhere and d = 0 cannot produce a NaN gradient; the margin
 * keeps its meaning as a distance (the hinge vanishes once d ≥ m).
 */
export function squaredMarginContrastiveLoss(options: ContrastiveLossOptions): PairLoss {
  return maskedPairLoss(options, ({ squared }) => tf.relu(tf.sub(options.margin * options.margin, squared)) as tf.Tensor1D);
}
