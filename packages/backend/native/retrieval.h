// Nearest-neighbour ranking of many queries (precision@1 and AP@R per query); see retrieval.cc.
#pragma once

#include <cstdint>

namespace siamese {

struct RankingInput {
  const double* queries;  // queryRows x dim, row-major
  const int32_t* queryLabels;
  long queryRows;
  const double* references;  // referenceRows x dim
  const int32_t* referenceLabels;
  long referenceRows;
  long dim;
  // Queries and references are one set: a query is not its own neighbour, and R excludes it.
  bool sameSource;
};

/** Per query: AP@R (NaN when no reference shares its label) and whether its nearest reference does. */
void rankQueries(const RankingInput& input, double* averagePrecision, uint8_t* hitAtOne);

}  // namespace siamese
