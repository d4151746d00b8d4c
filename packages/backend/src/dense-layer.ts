import type { GradSaveFunc, Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import { tf } from './tfjs.ts';
import { BLAS_BACKEND, DENSE_BACKWARD_KERNEL, DENSE_FORWARD_KERNEL } from './blas-backend.ts';

export interface DenseLayerOptions {
  activation: 'relu' | 'linear';
  /**
   * False when `x` is data rather than the output of trainable layers (the first layer):
   * the fused backward pass then skips dX, one of its three matrix products. `x` is then
   * treated as a constant, so do not pass false when gradients must flow into `x`.
   */
  inputNeedsGradient?: boolean;
}

/**
 * activation(x @ weights + bias). On the `blas` backend the forward pass is one native call
 * (GEMM, bias, ReLU) and so is the backward pass (ReLU mask, bias gradient, the GEMMs); on
 * every other backend it is the plain tfjs graph, which the fused version matches.
 */
export function denseLayer(x: Tensor2D, weights: Tensor2D | Variable, bias: Tensor1D | Variable, options: DenseLayerOptions): Tensor2D {
  const relu = options.activation === 'relu';
  if (x.rank !== 2 || weights.rank !== 2 || bias.rank !== 1 || x.shape[1] !== weights.shape[0] || bias.shape[0] !== weights.shape[1]) {
    throw new Error(
      `denseLayer: shapes x ${JSON.stringify(x.shape)}, weights ${JSON.stringify(weights.shape)}, bias ${JSON.stringify(bias.shape)} do not fit`,
    );
  }
  if (tf.getBackend() !== BLAS_BACKEND || x.dtype !== 'float32') {
    return tf.tidy(() => {
      const preActivation = tf.add<Tensor2D>(tf.matMul(x, weights), bias);
      return relu ? tf.relu(preActivation) : preActivation;
    });
  }
  const attrs = { activation: options.activation };
  const engine = tf.engine();
  const forward = (input: Tensor, w: Tensor, b: Tensor) =>
    engine.runKernel<Tensor2D>(DENSE_FORWARD_KERNEL, { x: input, weights: w, bias: b }, attrs);
  const backward = (dy: Tensor, [input, w, out]: Tensor[], inputGradient: boolean) =>
    engine.runKernel<Tensor[]>(DENSE_BACKWARD_KERNEL, { dy, out, x: input, weights: w }, { ...attrs, inputGradient });

  if (options.inputNeedsGradient === false) {
    const fused = tf.customGrad<Tensor2D>(((w: Tensor, b: Tensor, save: GradSaveFunc) => {
      const out = forward(x, w, b);
      save([x, w, out]);
      return { value: out, gradFunc: (dy: Tensor, saved: Tensor[]) => backward(dy, saved, false) };
    }) as never);
    return fused(weights, bias);
  }
  const fused = tf.customGrad<Tensor2D>(((input: Tensor, w: Tensor, b: Tensor, save: GradSaveFunc) => {
    const out = forward(input, w, b);
    save([input, w, out]);
    return { value: out, gradFunc: (dy: Tensor, saved: Tensor[]) => backward(dy, saved, true) };
  }) as never);
  return fused(x, weights, bias);
}
