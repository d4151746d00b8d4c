// 2-D convolutions of the tfjs kernels Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter, on
// tfjs' layouts (NHWC activations, [filterHeight, filterWidth, in, out] filters), through oneDNN's
// convolution primitives, or through a fixed-order loop nest (the `portable` provider's, and the
// path of any shape oneDNN refuses). Either way the result does not depend on the thread count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace siamese {

struct ConvShape {
  int batch = 0, inHeight = 0, inWidth = 0, inChannels = 0;
  int filterHeight = 0, filterWidth = 0, outChannels = 0;
  int outHeight = 0, outWidth = 0;
  int strideHeight = 1, strideWidth = 1;
  /** tfjs' dilations (1: none). */
  int dilationHeight = 1, dilationWidth = 1;
  /** Padding before the first row and column; what lies past the input on the far side is zeros too. */
  int padTop = 0, padLeft = 0;
};

enum ConvDirection {
  /** (x, filter) -> y */
  kConvForward = 0,
  /** (dy, filter) -> dx */
  kConvBackwardData = 1,
  /** (x, dy) -> dfilter */
  kConvBackwardFilter = 2,
};

/** Computes one convolution; returns the path it took: "onednn" or "portable". */
const char* convolution(ConvDirection direction, const ConvShape& shape, const float* a, const float* b, float* out);

/** The path convolutions take now: "onednn" (oneDNN built in, and the GEMM provider is a library) or "portable". */
const char* convolutionProvider();

/** How a oneDNN convolution is cut for the threads, in words (numerics records it). */
std::string convolutionPartition();

/** Calls per path since load, and the oneDNN implementations used ("brgconv:avx512_core", ...). */
struct ConvolutionStats {
  uint64_t onednnCalls = 0, portableCalls = 0;
  std::vector<std::string> implementations;
};
ConvolutionStats convolutionStats();

}  // namespace siamese
