import { tf, type GradSaveFunc } from '@siamese-lab/backend';

/**
 * `compute(inputs)` as a constant of the gradient: its value, with a zero gradient for every input.
 * For selections (masks, counts, a log-sum-exp's shift), not functions to differentiate. Needed
 * because tfjs has no gradient for comparisons (Greater, Equal, ArgMax, ...): a comparison of
 * embeddings on the path to the loss makes `tf.grad` throw "gradient function not found for
 * Greater", even when the result only multiplies. The ops inside run off the tape.
 */
export function withoutGradient<T extends tf.Tensor>(inputs: tf.Tensor[], compute: (...inputs: tf.Tensor[]) => T): T {
  const constant = tf.customGrad((...args: (tf.Tensor | GradSaveFunc)[]) => {
    const tensors = args.slice(0, inputs.length) as tf.Tensor[];
    // float32 zeros whatever the input's dtype: tfjs refuses a gradient of another dtype.
    return { value: compute(...tensors), gradFunc: () => tensors.map((t) => tf.zeros(t.shape)) };
  });
  return constant(...inputs);
}
