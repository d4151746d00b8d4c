// Built with -ffp-contract=off: a fused multiply-add would round once where tfjs rounds twice.
// Built with -fno-math-errno: std::sqrt then compiles to the vector instruction (without it, the
// errno it might set keeps Adam's and Adagrad's loops scalar); the value is the same either way.
#include "optimizer_update.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace siamese {
namespace {

// Elements per unit of work: large enough to amortise scheduling, small enough to balance (and,
// for Adam's four arrays, 512 KB: a chunk's arrays stay in a core's L2 between read and write).
constexpr size_t kChunk = 1 << 15;
// Below this many elements in all, a pass runs on the calling thread alone: a small model's
// update is microseconds on one core, less than waking (and, on a busy machine, waiting for) a
// second thread. Above it, chunks go to whichever thread is free (each element's result does not
// depend on which thread computes it): on a shared machine a thread that starts late then finds
// the others have done its share, where a static split would wait for it to do half the work.
constexpr size_t kParallelElements = 1 << 18;

// Subnormal floats (below 2^-126) cost x86 a microcode assist of ~100 cycles per operation.
// Adam's and momentum's state of a weight whose gradient has become zero (a dead ReLU unit)
// decays by beta1 every step and is subnormal after ~700 steps: measured, 93% of a 1-thread Adam
// run's time went to this update by step 1,000. So the update, as TensorFlow's CPU kernels do,
// flushes subnormal results to zero (FTZ) and reads subnormal inputs as zero (DAZ), on each
// thread for the length of its chunk. A weight moves by m / (sqrt(v) + epsilon) * rate, so a
// first moment below 2^-126 moves it by far less than half a unit in its last place: the weights
// are those of the exact update.
class FlushSubnormals {
 public:
#if defined(__SSE__)
  FlushSubnormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFlushToZero | kDenormalsAreZero); }
  ~FlushSubnormals() { _mm_setcsr(saved_); }

 private:
  static constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040;
  unsigned saved_;
#endif
};

struct Chunk {
  size_t item, begin, end;
};

/** Every item's elements cut into chunks of kChunk; `sizes[i]` is item i's element count. */
std::vector<Chunk> chunksOf(const std::vector<size_t>& sizes, size_t& total) {
  std::vector<Chunk> chunks;
  total = 0;
  for (size_t item = 0; item < sizes.size(); ++item) {
    for (size_t begin = 0; begin < sizes[item]; begin += kChunk) chunks.push_back({item, begin, std::min(sizes[item], begin + kChunk)});
    total += sizes[item];
  }
  return chunks;
}

// Non-finite iff the exponent bits are all ones: exact, and vectorises (unlike std::isfinite).
inline uint32_t nonFiniteBit(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & 0x7f800000u) == 0x7f800000u;
}

// Each formula below is tfjs 4.22's, operation by operation (see tfjs-core/src/optimizers); each
// loop reads every array once and writes the value and the state where they are.
void updateRange(OptimizerKind kind, const OptimizerConstants& k, const VariableUpdate& v, size_t begin, size_t end) {
  float* __restrict x = v.value;
  const float* __restrict g = v.gradient;
  switch (kind) {
    case kSgd:
      for (size_t i = begin; i < end; ++i) x[i] = k.negativeLearningRate * g[i] + x[i];
      break;
    case kMomentum: {
      float* __restrict acc = v.slot0;
      for (size_t i = begin; i < end; ++i) {
        const float a = k.momentum * acc[i] + g[i];
        acc[i] = a;
        x[i] = k.negativeLearningRate * a + x[i];
      }
      break;
    }
    case kNesterov: {
      float* __restrict acc = v.slot0;
      for (size_t i = begin; i < end; ++i) {
        const float a = k.momentum * acc[i] + g[i];
        acc[i] = a;
        x[i] = k.negativeLearningRate * (g[i] + a * k.momentum) + x[i];
      }
      break;
    }
    case kAdam: {
      float* __restrict m = v.slot0;
      float* __restrict s = v.slot1;
      for (size_t i = begin; i < end; ++i) {
        const float first = m[i] * k.beta1 + g[i] * k.oneMinusBeta1;
        const float second = s[i] * k.beta2 + (g[i] * g[i]) * k.oneMinusBeta2;
        m[i] = first;
        s[i] = second;
        const float firstCorrected = first / k.oneMinusAccBeta1;
        const float secondCorrected = second / k.oneMinusAccBeta2;
        x[i] = (firstCorrected / (std::sqrt(secondCorrected) + k.epsilon)) * k.negativeLearningRate + x[i];
      }
      break;
    }
    case kAdagrad: {
      float* __restrict acc = v.slot0;
      for (size_t i = begin; i < end; ++i) {
        const float a = acc[i] + g[i] * g[i];
        acc[i] = a;
        x[i] = (g[i] / std::sqrt(a + k.epsilon)) * k.negativeLearningRate + x[i];
      }
      break;
    }
  }
}

}  // namespace

int slotsOf(OptimizerKind kind) {
  switch (kind) {
    case kSgd: return 0;
    case kAdam: return 2;
    default: return 1;
  }
}

void updateVariables(OptimizerKind kind, const OptimizerConstants& constants, const std::vector<VariableUpdate>& variables) {
  std::vector<size_t> sizes;
  for (const VariableUpdate& variable : variables) sizes.push_back(variable.size);
  size_t total = 0;
  const std::vector<Chunk> chunks = chunksOf(sizes, total);
  const long count = static_cast<long>(chunks.size());
#pragma omp parallel for schedule(dynamic) if (total >= kParallelElements)
  for (long c = 0; c < count; ++c) {
    const FlushSubnormals flush;
    updateRange(kind, constants, variables[chunks[c].item], chunks[c].begin, chunks[c].end);
  }
}

bool allFinite(const std::vector<FloatSpan>& spans) {
  std::vector<size_t> sizes;
  for (const FloatSpan& span : spans) sizes.push_back(span.size);
  size_t total = 0;
  const std::vector<Chunk> chunks = chunksOf(sizes, total);
  const long count = static_cast<long>(chunks.size());
  uint32_t bad = 0;
#pragma omp parallel for schedule(dynamic) reduction(| : bad) if (total >= kParallelElements)
  for (long c = 0; c < count; ++c) {
    const float* __restrict values = spans[chunks[c].item].data;
    uint32_t chunkBad = 0;
    for (size_t i = chunks[c].begin; i < chunks[c].end; ++i) chunkBad |= nonFiniteBit(values[i]);
    bad |= chunkBad;
  }
  return bad == 0;
}

void triad(float* a, const float* b, const float* c, float s, size_t size) {
  size_t total = 0;
  const std::vector<Chunk> chunks = chunksOf({size}, total);
  const long count = static_cast<long>(chunks.size());
#pragma omp parallel for schedule(dynamic) if (total >= kParallelElements)
  for (long chunk = 0; chunk < count; ++chunk) {
    float* __restrict out = a;
    const float* __restrict x = b;
    const float* __restrict y = c;
    for (size_t i = chunks[chunk].begin; i < chunks[chunk].end; ++i) out[i] = x[i] + s * y[i];
  }
}

}  // namespace siamese
