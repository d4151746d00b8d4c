// 2-D max pooling (tfjs' MaxPool and MaxPoolGrad) on NHWC tensors, as tfjs' cpu kernels define it:
// a window's maximum is its first largest element in row-major order (NaN is never larger;
// padding is no element), and the gradient goes to that element alone. Exact in the forward pass;
// the gradient sums the contributions of overlapping windows in a fixed order. Threads split the
// batch by images, so the thread count changes no bit.
#pragma once

namespace siamese {

struct PoolShape {
  int batch = 0, inHeight = 0, inWidth = 0, channels = 0;
  int outHeight = 0, outWidth = 0;
  int filterHeight = 1, filterWidth = 1;
  int strideHeight = 1, strideWidth = 1;
  int dilationHeight = 1, dilationWidth = 1;
  int padTop = 0, padLeft = 0;
};

/** y[n, oh, ow, c] = the window's maximum (-Infinity for a window of padding and NaN only). */
void maxPool(const PoolShape& shape, const float* x, float* y);

/** dx = each dy[n, oh, ow, c] added at its window's first maximum (none for a window without one). */
void maxPoolGrad(const PoolShape& shape, const float* x, const float* dy, float* dx);

}  // namespace siamese
