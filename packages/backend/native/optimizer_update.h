// One pass over every variable of a model per training step: the optimizer's update written to
// new buffers (so a step found non-finite can be dropped by not committing them) and an exact
// finite check of every gradient element, split across threads.
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

struct VariableUpdate {
  size_t size = 0;
  const float* value = nullptr;
  const float* gradient = nullptr;
  float* newValue = nullptr;
  // Optimizer state (momentum: accumulation; adam: first and second moments; adagrad: accumulator).
  const float* slot0 = nullptr;
  float* newSlot0 = nullptr;
  const float* slot1 = nullptr;
  float* newSlot1 = nullptr;
};

/** Number of state buffers per variable of each optimizer kind. */
int slotsOf(OptimizerKind kind);

/** Writes every update; returns true when every gradient element is finite. */
bool updateVariables(OptimizerKind kind, const OptimizerConstants& constants, const std::vector<VariableUpdate>& variables);

/** True when every element of values[0..count) is finite (no NaN, no ±Inf). */
bool allFinite(const float* values, size_t count);

}  // namespace siamese
