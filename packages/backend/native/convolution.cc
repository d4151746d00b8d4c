// Built with -ffp-contract=off like the rest of the addon: the portable loops round every product
// and every sum, in the order written.
#include "convolution.h"

#include "gemm.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#ifdef SIAMESE_LAB_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

namespace siamese {
namespace {

std::mutex statsMutex;
ConvolutionStats stats;

size_t elements(const ConvShape& s, ConvDirection direction) {
  switch (direction) {
    case kConvForward: return static_cast<size_t>(s.batch) * s.outHeight * s.outWidth * s.outChannels;
    case kConvBackwardData: return static_cast<size_t>(s.batch) * s.inHeight * s.inWidth * s.inChannels;
    default: return static_cast<size_t>(s.filterHeight) * s.filterWidth * s.inChannels * s.outChannels;
  }
}

double multiplyAdds(const ConvShape& s) {
  return static_cast<double>(s.batch) * s.outHeight * s.outWidth * s.outChannels * s.filterHeight * s.filterWidth * s.inChannels;
}

// ---------------------------------------------------------------------------------------------
// The portable path: loop nests with one fixed order of float32 operations per output element,
// each element computed whole by one thread, so any thread count gives the same bits (and any
// machine, as for the portable GEMM: IEEE float32 products and sums, no fused multiply-add).
// Input positions in the padding are skipped, as tfjs' cpu kernels skip them.
// ---------------------------------------------------------------------------------------------

/** y[n, oh, ow, :] = sum over (kh, kw, ic) in that order of x[n, ih, iw, ic] * w[kh, kw, ic, :]. */
void portableForward(const ConvShape& s, const float* x, const float* w, float* y) {
  const int rows = s.batch * s.outHeight;
  const int O = s.outChannels, C = s.inChannels;
#pragma omp parallel if (multiplyAdds(s) >= kParallelFlops)
  {
    std::vector<float> acc(O);
#pragma omp for schedule(static)
    for (int row = 0; row < rows; ++row) {
      const int n = row / s.outHeight, oh = row % s.outHeight;
      for (int ow = 0; ow < s.outWidth; ++ow) {
        std::fill(acc.begin(), acc.end(), 0.f);
        float* __restrict a = acc.data();
        for (int kh = 0; kh < s.filterHeight; ++kh) {
          const int ih = oh * s.strideHeight - s.padTop + kh * s.dilationHeight;
          if (ih < 0 || ih >= s.inHeight) continue;
          for (int kw = 0; kw < s.filterWidth; ++kw) {
            const int iw = ow * s.strideWidth - s.padLeft + kw * s.dilationWidth;
            if (iw < 0 || iw >= s.inWidth) continue;
            const float* xp = x + ((static_cast<size_t>(n) * s.inHeight + ih) * s.inWidth + iw) * C;
            const float* wp = w + (static_cast<size_t>(kh) * s.filterWidth + kw) * C * O;
            for (int ic = 0; ic < C; ++ic) {
              const float xv = xp[ic];
              const float* __restrict wr = wp + static_cast<size_t>(ic) * O;
              for (int oc = 0; oc < O; ++oc) a[oc] += xv * wr[oc];
            }
          }
        }
        std::copy(acc.begin(), acc.end(), y + ((static_cast<size_t>(n) * s.outHeight + oh) * s.outWidth + ow) * O);
      }
    }
  }
}

/** dx[n, ih, iw, :] = sum over (kh, kw, oc) in that order of dy[n, oh, ow, oc] * w[kh, kw, :, oc]. */
void portableBackwardData(const ConvShape& s, const float* dy, const float* w, float* dx) {
  const int O = s.outChannels, C = s.inChannels;
  // The filter as [kh, kw, out, in], so that the innermost loop runs along the input channels.
  std::vector<float> transposed(static_cast<size_t>(s.filterHeight) * s.filterWidth * C * O);
  for (size_t tap = 0; tap < static_cast<size_t>(s.filterHeight) * s.filterWidth; ++tap)
    for (int ic = 0; ic < C; ++ic)
      for (int oc = 0; oc < O; ++oc) transposed[(tap * O + oc) * C + ic] = w[(tap * C + ic) * O + oc];
  const int rows = s.batch * s.inHeight;
#pragma omp parallel if (multiplyAdds(s) >= kParallelFlops)
  {
    std::vector<float> acc(C);
#pragma omp for schedule(static)
    for (int row = 0; row < rows; ++row) {
      const int n = row / s.inHeight, ih = row % s.inHeight;
      for (int iw = 0; iw < s.inWidth; ++iw) {
        std::fill(acc.begin(), acc.end(), 0.f);
        float* __restrict a = acc.data();
        for (int kh = 0; kh < s.filterHeight; ++kh) {
          const int th = ih + s.padTop - kh * s.dilationHeight;
          if (th < 0 || th % s.strideHeight != 0 || th / s.strideHeight >= s.outHeight) continue;
          const int oh = th / s.strideHeight;
          for (int kw = 0; kw < s.filterWidth; ++kw) {
            const int tw = iw + s.padLeft - kw * s.dilationWidth;
            if (tw < 0 || tw % s.strideWidth != 0 || tw / s.strideWidth >= s.outWidth) continue;
            const int ow = tw / s.strideWidth;
            const float* dyp = dy + ((static_cast<size_t>(n) * s.outHeight + oh) * s.outWidth + ow) * O;
            const float* wp = transposed.data() + (static_cast<size_t>(kh) * s.filterWidth + kw) * O * C;
            for (int oc = 0; oc < O; ++oc) {
              const float dv = dyp[oc];
              const float* __restrict wr = wp + static_cast<size_t>(oc) * C;
              for (int ic = 0; ic < C; ++ic) a[ic] += dv * wr[ic];
            }
          }
        }
        std::copy(acc.begin(), acc.end(), dx + ((static_cast<size_t>(n) * s.inHeight + ih) * s.inWidth + iw) * C);
      }
    }
  }
}

/** dw[kh, kw, ic, :] = sum over (n, oh, ow) in that order of x[n, ih, iw, ic] * dy[n, oh, ow, :]. */
void portableBackwardFilter(const ConvShape& s, const float* x, const float* dy, float* dw) {
  const int O = s.outChannels, C = s.inChannels;
  constexpr int kChannelBlock = 16;
  const int channelBlocks = (C + kChannelBlock - 1) / kChannelBlock;
  const int units = s.filterHeight * s.filterWidth * channelBlocks;
#pragma omp parallel if (multiplyAdds(s) >= kParallelFlops)
  {
    std::vector<float> acc(static_cast<size_t>(kChannelBlock) * O);
#pragma omp for schedule(static)
    for (int unit = 0; unit < units; ++unit) {
      const int tap = unit / channelBlocks, block = unit % channelBlocks;
      const int kh = tap / s.filterWidth, kw = tap % s.filterWidth;
      const int first = block * kChannelBlock, count = std::min(kChannelBlock, C - first);
      std::fill(acc.begin(), acc.end(), 0.f);
      for (int n = 0; n < s.batch; ++n) {
        for (int oh = 0; oh < s.outHeight; ++oh) {
          const int ih = oh * s.strideHeight - s.padTop + kh * s.dilationHeight;
          if (ih < 0 || ih >= s.inHeight) continue;
          for (int ow = 0; ow < s.outWidth; ++ow) {
            const int iw = ow * s.strideWidth - s.padLeft + kw * s.dilationWidth;
            if (iw < 0 || iw >= s.inWidth) continue;
            const float* xp = x + ((static_cast<size_t>(n) * s.inHeight + ih) * s.inWidth + iw) * C + first;
            const float* __restrict dyp = dy + ((static_cast<size_t>(n) * s.outHeight + oh) * s.outWidth + ow) * O;
            for (int c = 0; c < count; ++c) {
              const float xv = xp[c];
              float* __restrict a = acc.data() + static_cast<size_t>(c) * O;
              for (int oc = 0; oc < O; ++oc) a[oc] += xv * dyp[oc];
            }
          }
        }
      }
      for (int c = 0; c < count; ++c)
        std::copy(acc.begin() + static_cast<size_t>(c) * O, acc.begin() + static_cast<size_t>(c + 1) * O,
                  dw + ((static_cast<size_t>(tap) * C) + first + c) * O);
    }
  }
}

void portableConvolution(ConvDirection direction, const ConvShape& s, const float* a, const float* b, float* out) {
  switch (direction) {
    case kConvForward: portableForward(s, a, b, out); break;
    case kConvBackwardData: portableBackwardData(s, a, b, out); break;
    case kConvBackwardFilter: portableBackwardFilter(s, a, b, out); break;
  }
}

#ifdef SIAMESE_LAB_HAVE_DNNL
// ---------------------------------------------------------------------------------------------
// The oneDNN path. oneDNN's backward-weights kernels sum partial weight gradients across their
// threads (measured: 1 and 2 threads give different bits on every shape of the model's CNNs), so
// the batch is cut into blocks fixed by the shape, each block computed by one single-threaded
// primitive; the threads only decide who computes which block, and the weight gradients of the
// blocks are summed in block order. Primitives are created once per shape and direction.
// ---------------------------------------------------------------------------------------------

constexpr int kConvBlocks = 4;

struct Blocks {
  int size, count;
};

Blocks batchBlocks(int batch) {
  int count = std::min(kConvBlocks, std::max(1, batch));
  const int size = (batch + count - 1) / count;
  count = (batch + size - 1) / size;
  return {size, count};
}

#ifdef _OPENMP
/** The libraries single-threaded on this thread for its lifetime (oneDNN reads OpenMP's setting). */
class OneLibraryThread {
 public:
  OneLibraryThread() : saved_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~OneLibraryThread() { omp_set_num_threads(saved_); }

 private:
  int saved_;
};
#else
struct OneLibraryThread {};
#endif

using dnnl::memory;
using tag = dnnl::memory::format_tag;

dnnl::engine& cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

/** One direction's primitive for one block shape, and the layouts it wants. */
struct Plan {
  dnnl::primitive primitive;
  memory::desc activations, weights, results;  // the primitive's: src / diff_dst / weights / ...
  memory::desc userWeights;                    // tfjs' [kh, kw, in, out]
  size_t scratchpadBytes = 0;
  std::string implementation;
};

std::mutex planMutex;
std::map<std::vector<int>, std::shared_ptr<Plan>> plans;

/** The plan for a block of `batch` images; nullptr when oneDNN has no implementation for it. */
std::shared_ptr<Plan> planFor(ConvDirection direction, ConvShape s) {
  const std::vector<int> key = {direction,     s.batch,          s.inHeight,       s.inWidth,        s.inChannels,
                                s.filterHeight, s.filterWidth,    s.outChannels,    s.outHeight,      s.outWidth,
                                s.strideHeight, s.strideWidth,    s.dilationHeight, s.dilationWidth,  s.padTop,
                                s.padLeft};
  const std::lock_guard<std::mutex> lock(planMutex);
  auto found = plans.find(key);
  if (found != plans.end()) return found->second;
  std::shared_ptr<Plan> plan;
  const int padBottom = (s.outHeight - 1) * s.strideHeight + (s.filterHeight - 1) * s.dilationHeight + 1 - s.inHeight - s.padTop;
  const int padRight = (s.outWidth - 1) * s.strideWidth + (s.filterWidth - 1) * s.dilationWidth + 1 - s.inWidth - s.padLeft;
  // A negative far-side padding crops: tfjs' 'valid' with a stride that does not divide the input
  // leaves its last rows unread (oneDNN takes that as padding_r < 0; when it refuses, the
  // portable loops compute the shape).
  if (s.padTop >= 0 && s.padLeft >= 0) {
    try {
      // Created single-threaded: oneDNN fixes a kernel's thread split when it creates it.
      const OneLibraryThread single;
      const memory::desc src({s.batch, s.inChannels, s.inHeight, s.inWidth}, memory::data_type::f32, tag::nhwc);
      const memory::desc dst({s.batch, s.outChannels, s.outHeight, s.outWidth}, memory::data_type::f32, tag::nhwc);
      const memory::dims weightDims = {s.outChannels, s.inChannels, s.filterHeight, s.filterWidth};
      const memory::desc anyWeights(weightDims, memory::data_type::f32, tag::any);
      const memory::dims strides = {s.strideHeight, s.strideWidth}, dilates = {s.dilationHeight - 1, s.dilationWidth - 1};
      const memory::dims padL = {s.padTop, s.padLeft}, padR = {padBottom, padRight};
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // one per block: blocks run concurrently
      const auto forwardDesc = dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                                               src, anyWeights, dst, strides, dilates, padL, padR);
      const dnnl::convolution_forward::primitive_desc forward(forwardDesc, attr, cpuEngine());
      plan = std::make_shared<Plan>();
      plan->userWeights = memory::desc(weightDims, memory::data_type::f32, tag::hwio);
      if (direction == kConvForward) {
        plan->primitive = dnnl::convolution_forward(forward);
        plan->activations = forward.src_desc();
        plan->weights = forward.weights_desc();
        plan->results = forward.dst_desc();
        plan->scratchpadBytes = forward.scratchpad_desc().get_size();
        plan->implementation = forward.impl_info_str();
      } else if (direction == kConvBackwardData) {
        const auto desc = dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, src, anyWeights, dst, strides,
                                                                dilates, padL, padR);
        const dnnl::convolution_backward_data::primitive_desc pd(desc, attr, cpuEngine(), forward);
        plan->primitive = dnnl::convolution_backward_data(pd);
        plan->activations = pd.diff_dst_desc();
        plan->weights = pd.weights_desc();
        plan->results = pd.diff_src_desc();
        plan->scratchpadBytes = pd.scratchpad_desc().get_size();
        plan->implementation = pd.impl_info_str();
      } else {
        const auto desc = dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, src, anyWeights, dst, strides,
                                                                   dilates, padL, padR);
        const dnnl::convolution_backward_weights::primitive_desc pd(desc, attr, cpuEngine(), forward);
        plan->primitive = dnnl::convolution_backward_weights(pd);
        plan->activations = pd.src_desc();
        plan->weights = pd.diff_weights_desc();
        plan->results = pd.diff_dst_desc();
        plan->scratchpadBytes = pd.scratchpad_desc().get_size();
        plan->implementation = pd.impl_info_str();
      }
      // Activations must be tfjs' NHWC as given (they are, by construction); anything else is refused.
      if (plan->activations != (direction == kConvBackwardData ? dst : src) ||
          plan->results != (direction == kConvForward ? dst : direction == kConvBackwardData ? src : dst)) {
        plan.reset();
      }
    } catch (const dnnl::error&) {
      plan.reset();
    }
  }
  plans.emplace(key, plan);
  if (plan) {
    const std::lock_guard<std::mutex> statsLock(statsMutex);
    if (std::find(stats.implementations.begin(), stats.implementations.end(), plan->implementation) == stats.implementations.end())
      stats.implementations.push_back(plan->implementation);
  }
  return plan;
}

/** Reorders between two layouts of the same weights (exact: a permutation of the values). */
void reorderWeights(const memory::desc& from, const float* source, const memory::desc& to, float* target) {
  if (from == to) {
    std::memcpy(target, source, from.get_size());
    return;
  }
  dnnl::stream stream(cpuEngine());
  memory in(from, cpuEngine(), const_cast<float*>(source)), out(to, cpuEngine(), target);
  dnnl::reorder(in, out).execute(stream, in, out);
  stream.wait();
}

bool onednnConvolution(ConvDirection direction, const ConvShape& s, const float* a, const float* b, float* out) {
  const Blocks blocks = batchBlocks(s.batch);
  const int lastSize = s.batch - (blocks.count - 1) * blocks.size;
  ConvShape full = s, last = s;
  full.batch = blocks.size;
  last.batch = lastSize;
  const std::shared_ptr<Plan> fullPlan = planFor(direction, full);
  const std::shared_ptr<Plan> lastPlan = lastSize == blocks.size ? fullPlan : planFor(direction, last);
  if (!fullPlan || !lastPlan) return false;

  // Per block: its images' activations in and results out, at offsets into tfjs' NHWC buffers.
  const size_t inImage = static_cast<size_t>(s.inHeight) * s.inWidth * s.inChannels;
  const size_t outImage = static_cast<size_t>(s.outHeight) * s.outWidth * s.outChannels;
  const size_t filterSize = static_cast<size_t>(s.filterHeight) * s.filterWidth * s.inChannels * s.outChannels;

  // Forward and backward data read the filter in the primitives' layout: reordered once a call.
  std::vector<float> fullWeights, lastWeights;
  const float* filter = direction == kConvBackwardFilter ? nullptr : b;
  if (filter != nullptr) {
    fullWeights.resize(fullPlan->weights.get_size() / sizeof(float));
    reorderWeights(fullPlan->userWeights, filter, fullPlan->weights, fullWeights.data());
    if (lastPlan != fullPlan) {
      lastWeights.resize(lastPlan->weights.get_size() / sizeof(float));
      reorderWeights(lastPlan->userWeights, filter, lastPlan->weights, lastWeights.data());
    }
  }
  // Backward filter: one partial gradient per block, in tfjs' layout, summed in block order below.
  std::vector<float> partials(direction == kConvBackwardFilter && blocks.count > 1 ? filterSize * blocks.count : 0);

  const bool parallel = blocks.count > 1 && multiplyAdds(s) >= kParallelFlops;
  bool ok = true;
#pragma omp parallel for schedule(static) if (parallel) reduction(&& : ok)
  for (int block = 0; block < blocks.count; ++block) {
    const OneLibraryThread single;
    const Plan& plan = block == blocks.count - 1 ? *lastPlan : *fullPlan;
    const size_t firstImage = static_cast<size_t>(block) * blocks.size;
    try {
      dnnl::stream stream(cpuEngine());
      std::vector<uint8_t> scratchpad(std::max<size_t>(plan.scratchpadBytes, 1));
      memory scratch(memory::desc({static_cast<memory::dim>(scratchpad.size())}, memory::data_type::u8, tag::x), cpuEngine(),
                     scratchpad.data());
      if (direction == kConvForward || direction == kConvBackwardData) {
        const bool forward = direction == kConvForward;
        memory activations(plan.activations, cpuEngine(), const_cast<float*>(a + firstImage * (forward ? inImage : outImage)));
        memory weights(plan.weights, cpuEngine(), &plan == lastPlan.get() && lastPlan != fullPlan ? lastWeights.data() : fullWeights.data());
        memory results(plan.results, cpuEngine(), out + firstImage * (forward ? outImage : inImage));
        if (forward) {
          plan.primitive.execute(stream, {{DNNL_ARG_SRC, activations}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, results},
                                          {DNNL_ARG_SCRATCHPAD, scratch}});
        } else {
          plan.primitive.execute(stream, {{DNNL_ARG_DIFF_DST, activations}, {DNNL_ARG_WEIGHTS, weights},
                                          {DNNL_ARG_DIFF_SRC, results}, {DNNL_ARG_SCRATCHPAD, scratch}});
        }
        stream.wait();
      } else {
        memory source(plan.activations, cpuEngine(), const_cast<float*>(a + firstImage * inImage));
        memory gradient(plan.results, cpuEngine(), const_cast<float*>(b + firstImage * outImage));
        std::vector<float> blockWeights(plan.weights.get_size() / sizeof(float));
        memory weights(plan.weights, cpuEngine(), blockWeights.data());
        plan.primitive.execute(stream, {{DNNL_ARG_SRC, source}, {DNNL_ARG_DIFF_DST, gradient}, {DNNL_ARG_DIFF_WEIGHTS, weights},
                                        {DNNL_ARG_SCRATCHPAD, scratch}});
        stream.wait();
        reorderWeights(plan.weights, blockWeights.data(), plan.userWeights, blocks.count > 1 ? partials.data() + filterSize * block : out);
      }
    } catch (const dnnl::error&) {
      ok = false;
    }
  }
  if (!ok) return false;
  if (direction == kConvBackwardFilter && blocks.count > 1) {
    // Summed in block order, element by element: ((p0 + p1) + p2) + p3 whatever the thread count.
#pragma omp parallel for schedule(static) if (filterSize >= (1 << 16))
    for (long i = 0; i < static_cast<long>(filterSize); ++i) {
      float sum = partials[i];
      for (int block = 1; block < blocks.count; ++block) sum += partials[filterSize * block + i];
      out[i] = sum;
    }
  }
  return true;
}
#endif

}  // namespace

const char* convolutionProvider() {
#ifdef SIAMESE_LAB_HAVE_DNNL
  const GemmProvider* provider = activeGemmProvider();
  if (provider != nullptr && std::string(provider->name) != "portable") return "onednn";
#endif
  return "portable";
}

std::string convolutionPartition() {
#ifdef SIAMESE_LAB_HAVE_DNNL
  return "batch in " + std::to_string(kConvBlocks) + " image blocks, one single-threaded primitive each; weight gradients summed in block order";
#else
  return "";
#endif
}

const char* convolution(ConvDirection direction, const ConvShape& s, const float* a, const float* b, float* out) {
  const AsyncSignalsBlocked blocked;  // oneDNN's JIT kernels, as for the GEMMs (see gemm.h)
  const size_t count = elements(s, direction);
  const bool empty = s.batch == 0 || s.inHeight == 0 || s.inWidth == 0 || s.inChannels == 0 || s.outChannels == 0 ||
                     s.outHeight == 0 || s.outWidth == 0 || s.filterHeight == 0 || s.filterWidth == 0;
  if (empty) {
    std::fill(out, out + count, 0.f);
    return convolutionProvider();
  }
#ifdef SIAMESE_LAB_HAVE_DNNL
  if (std::string(convolutionProvider()) == "onednn" && onednnConvolution(direction, s, a, b, out)) {
    const std::lock_guard<std::mutex> lock(statsMutex);
    ++stats.onednnCalls;
    return "onednn";
  }
#endif
  portableConvolution(direction, s, a, b, out);
  const std::lock_guard<std::mutex> lock(statsMutex);
  ++stats.portableCalls;
  return "portable";
}

ConvolutionStats convolutionStats() {
  const std::lock_guard<std::mutex> lock(statsMutex);
  return stats;
}

}  // namespace siamese
