#include "pooling.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "gemm.h"

namespace siamese {
namespace {

/** The first and one-past-last input rows (or columns) of output position `out`'s window, stepping by `dilation`. */
struct Span {
  int first, end;
};

Span windowSpan(int out, int stride, int pad, int filter, int dilation, int extent) {
  const int corner = out * stride - pad;
  int first = corner;
  while (first < 0) first += dilation;
  return {first, std::min(extent, corner + (filter - 1) * dilation + 1)};
}

/** For one output position: every channel's first maximum and its input offset (-1: none). */
void windowMaxima(const PoolShape& s, const float* x, int n, int oh, int ow, float* best, long* where) {
  const int C = s.channels;
  std::fill(best, best + C, -std::numeric_limits<float>::infinity());
  std::fill(where, where + C, -1L);
  const Span rows = windowSpan(oh, s.strideHeight, s.padTop, s.filterHeight, s.dilationHeight, s.inHeight);
  const Span cols = windowSpan(ow, s.strideWidth, s.padLeft, s.filterWidth, s.dilationWidth, s.inWidth);
  for (int ih = rows.first; ih < rows.end; ih += s.dilationHeight) {
    for (int iw = cols.first; iw < cols.end; iw += s.dilationWidth) {
      const long offset = ((static_cast<long>(n) * s.inHeight + ih) * s.inWidth + iw) * C;
      const float* px = x + offset;
      for (int c = 0; c < C; ++c) {
        if (px[c] > best[c]) {  // strictly larger: ties keep the first; NaN never wins
          best[c] = px[c];
          where[c] = offset + c;
        }
      }
    }
  }
}

bool worthThreads(const PoolShape& s) {
  return s.batch > 1 && static_cast<double>(s.batch) * s.outHeight * s.outWidth * s.channels * s.filterHeight * s.filterWidth >= kParallelFlops;
}

}  // namespace

void maxPool(const PoolShape& s, const float* x, float* y) {
#pragma omp parallel if (worthThreads(s))
  {
    std::vector<float> best(s.channels);
    std::vector<long> where(s.channels);
#pragma omp for schedule(static)
    for (int n = 0; n < s.batch; ++n) {
      for (int oh = 0; oh < s.outHeight; ++oh) {
        for (int ow = 0; ow < s.outWidth; ++ow) {
          windowMaxima(s, x, n, oh, ow, best.data(), where.data());
          std::copy(best.begin(), best.end(), y + ((static_cast<size_t>(n) * s.outHeight + oh) * s.outWidth + ow) * s.channels);
        }
      }
    }
  }
}

void maxPoolGrad(const PoolShape& s, const float* x, const float* dy, float* dx) {
#pragma omp parallel if (worthThreads(s))
  {
    std::vector<float> best(s.channels);
    std::vector<long> where(s.channels);
#pragma omp for schedule(static)
    for (int n = 0; n < s.batch; ++n) {
      // An image's gradient is written by the thread that has the image: windows never cross images.
      const size_t image = static_cast<size_t>(s.inHeight) * s.inWidth * s.channels;
      std::fill(dx + image * n, dx + image * (n + 1), 0.f);
      for (int oh = 0; oh < s.outHeight; ++oh) {
        for (int ow = 0; ow < s.outWidth; ++ow) {
          windowMaxima(s, x, n, oh, ow, best.data(), where.data());
          const float* g = dy + ((static_cast<size_t>(n) * s.outHeight + oh) * s.outWidth + ow) * s.channels;
          for (int c = 0; c < s.channels; ++c) {
            if (where[c] >= 0) dx[where[c]] += g[c];
          }
        }
      }
    }
  }
}

}  // namespace siamese
