// The optimizer's update of every variable of a model, written where the variables and the
// optimizer's state live (one vectorised pass per variable, split in chunks across threads when
// long enough), and the exact finite check of every gradient element that decides, before it,
// whether a step is applied at all. A streaming triad with the same chunks and threads is the
// yardstick of the update's bandwidth (pnpm bench).
#pragma once

#include <cstddef>
#include <vector>

namespace siamese {

enum OptimizerKind { kSgd = 0, kMomentum = 1, kNesterov = 2, kAdam = 3, kAdagrad = 4 };

/**
 * float32 constants exactly as tfjs' optimizers hold them (each a float32 scalar tensor), so
 * that every element goes through the same float32 operations in the same order as tfjs'
 * optimizer: the results are bit-identical to it, except that subnormal numbers are flushed to
 * zero (see FlushSubnormals in optimizer_update.cc).
 */
struct OptimizerConstants {
  float negativeLearningRate = 0;  // sgd, momentum, adam, adagrad: -learning_rate
  float momentum = 0;              // momentum, nesterov
  float beta1 = 0, oneMinusBeta1 = 0, beta2 = 0, oneMinusBeta2 = 0;  // adam
  float oneMinusAccBeta1 = 0, oneMinusAccBeta2 = 0;                  // adam: 1 - beta^t
  float epsilon = 0;               // adam, adagrad
};

/**
 * One variable, updated in place: `value` and the slots are read and written, the gradient only
 * read. The buffers must not overlap (each is a tensor of its own), which lets every loop
 * vectorise without alias checks.
 */
struct VariableUpdate {
  size_t size = 0;
  float* value = nullptr;
  const float* gradient = nullptr;
  // Optimizer state (momentum: accumulation; adam: first and second moments; adagrad: accumulator).
  float* slot0 = nullptr;
  float* slot1 = nullptr;
};

/** Number of state buffers per variable of each optimizer kind. */
int slotsOf(OptimizerKind kind);

/** Applies one step's update to every variable and its state, in place. */
void updateVariables(OptimizerKind kind, const OptimizerConstants& constants, const std::vector<VariableUpdate>& variables);

/** A run of floats to check. */
struct FloatSpan {
  const float* data;
  size_t size;
};

/** True when no element of any span is NaN or ±Inf (exact; one pass, threads as the update). */
bool allFinite(const std::vector<FloatSpan>& spans);

/** a[i] = b[i] + s * c[i]: STREAM's triad, on the update's chunks and threads. */
void triad(float* a, const float* b, const float* c, float s, size_t size);

}  // namespace siamese
