// Built with -ffp-contract=off: a fused multiply-add would round once where tfjs rounds twice.
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

// Elements per unit of work: large enough to amortise scheduling, small enough to balance.
constexpr size_t kChunk = 1 << 15;
// Below this many elements in all, the update runs on the calling thread alone.
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
  const VariableUpdate* variable;
  size_t begin, end;
};

// Non-finite iff the exponent bits are all ones: exact, and vectorises (unlike std::isfinite).
inline uint32_t nonFiniteBit(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & 0x7f800000u) == 0x7f800000u;
}

// Each formula below is tfjs 4.22's, operation by operation (see tfjs-core/src/optimizers).
uint32_t updateRange(OptimizerKind kind, const OptimizerConstants& k, const VariableUpdate& v, size_t begin, size_t end) {
  uint32_t bad = 0;
  // The new value may be written over the gradient (each element read before it is written):
  // those two may alias, so neither is __restrict.
  const float* g = v.gradient;
  const float* __restrict x = v.value;
  float* out = v.newValue;
  switch (kind) {
    case kSgd:
      for (size_t i = begin; i < end; ++i) {
        bad |= nonFiniteBit(g[i]);
        out[i] = k.negativeLearningRate * g[i] + x[i];
      }
      break;
    case kMomentum:
    case kNesterov: {
      const float* __restrict acc = v.slot0;
      float* __restrict newAcc = v.newSlot0;
      for (size_t i = begin; i < end; ++i) {
        bad |= nonFiniteBit(g[i]);
        const float a = k.momentum * acc[i] + g[i];
        newAcc[i] = a;
        out[i] = kind == kNesterov ? k.negativeLearningRate * (g[i] + a * k.momentum) + x[i]
                                   : k.negativeLearningRate * a + x[i];
      }
      break;
    }
    case kAdam: {
      const float* __restrict m = v.slot0;
      const float* __restrict s = v.slot1;
      float* __restrict newM = v.newSlot0;
      float* __restrict newS = v.newSlot1;
      for (size_t i = begin; i < end; ++i) {
        bad |= nonFiniteBit(g[i]);
        const float first = m[i] * k.beta1 + g[i] * k.oneMinusBeta1;
        const float second = s[i] * k.beta2 + (g[i] * g[i]) * k.oneMinusBeta2;
        newM[i] = first;
        newS[i] = second;
        const float firstCorrected = first / k.oneMinusAccBeta1;
        const float secondCorrected = second / k.oneMinusAccBeta2;
        out[i] = (firstCorrected / (std::sqrt(secondCorrected) + k.epsilon)) * k.negativeLearningRate + x[i];
      }
      break;
    }
    case kAdagrad: {
      const float* __restrict acc = v.slot0;
      float* __restrict newAcc = v.newSlot0;
      for (size_t i = begin; i < end; ++i) {
        bad |= nonFiniteBit(g[i]);
        const float a = acc[i] + g[i] * g[i];
        newAcc[i] = a;
        out[i] = (g[i] / std::sqrt(a + k.epsilon)) * k.negativeLearningRate + x[i];
      }
      break;
    }
  }
  return bad;
}

}  // namespace

int slotsOf(OptimizerKind kind) {
  switch (kind) {
    case kSgd: return 0;
    case kAdam: return 2;
    default: return 1;
  }
}

bool updateVariables(OptimizerKind kind, const OptimizerConstants& constants, const std::vector<VariableUpdate>& variables) {
  std::vector<Chunk> chunks;
  for (const VariableUpdate& variable : variables) {
    for (size_t begin = 0; begin < variable.size; begin += kChunk) {
      chunks.push_back({&variable, begin, std::min(variable.size, begin + kChunk)});
    }
  }
  size_t total = 0;
  for (const VariableUpdate& variable : variables) total += variable.size;
  uint32_t bad = 0;
  const long count = static_cast<long>(chunks.size());
  // Threads only where the pass is long enough to repay waking them (and, on a busy machine,
  // waiting for them): a small model's update is microseconds on one core.
#pragma omp parallel for schedule(static) reduction(| : bad) if (total >= kParallelElements)
  for (long c = 0; c < count; ++c) {
    const FlushSubnormals flush;
    bad |= updateRange(kind, constants, *chunks[c].variable, chunks[c].begin, chunks[c].end);
  }
  return bad == 0;
}

bool allFinite(const float* values, size_t count) {
  uint32_t bad = 0;
  for (size_t i = 0; i < count; ++i) bad |= nonFiniteBit(values[i]);
  return bad == 0;
}

}  // namespace siamese
