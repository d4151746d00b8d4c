// The ranking behind precision@1 and MAP@R (metrics/src/retrieval.ts), for many queries at once on
// OpenMP's threads. Built with -ffp-contract=off: every distance and every precision term is the
// same float64 operation, in the same order, as the JavaScript, so the results are its bits.
#include "retrieval.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace siamese {

void rankQueries(const RankingInput& input, double* averagePrecision, uint8_t* hitAtOne) {
  std::unordered_map<int32_t, long> referenceCount;
  for (long r = 0; r < input.referenceRows; ++r) ++referenceCount[input.referenceLabels[r]];
  const long dim = input.dim;
#pragma omp parallel
  {
    std::vector<double> distances(input.referenceRows), selection(input.referenceRows);
    std::vector<std::pair<double, int32_t>> nearest;
#pragma omp for schedule(dynamic, 64)
    for (long q = 0; q < input.queryRows; ++q) {
      const int32_t label = input.queryLabels[q];
      const auto found = referenceCount.find(label);
      const long relevantCount = (found == referenceCount.end() ? 0 : found->second) - (input.sameSource ? 1 : 0);
      if (relevantCount <= 0) {
        averagePrecision[q] = std::numeric_limits<double>::quiet_NaN();
        hitAtOne[q] = 0;
        continue;
      }
      const double* query = input.queries + q * dim;
      for (long r = 0; r < input.referenceRows; ++r) {
        const double* reference = input.references + r * dim;
        double sum = 0;
        for (long k = 0; k < dim; ++k) {
          const double diff = query[k] - reference[k];
          sum += diff * diff;
        }
        distances[r] = sum;
      }
      // The query itself is never among its own neighbours.
      if (input.sameSource) distances[q] = std::numeric_limits<double>::infinity();
      // The R-th smallest distance, then the R nearest: everything nearer, and as many at that
      // distance as fit, lower indices first (the JavaScript's tie-break).
      std::copy(distances.begin(), distances.end(), selection.begin());
      std::nth_element(selection.begin(), selection.begin() + (relevantCount - 1), selection.end());
      const double threshold = selection[relevantCount - 1];
      nearest.clear();
      for (long r = 0; r < input.referenceRows; ++r) {
        if (distances[r] < threshold) nearest.emplace_back(distances[r], static_cast<int32_t>(r));
      }
      for (long r = 0; r < input.referenceRows && static_cast<long>(nearest.size()) < relevantCount; ++r) {
        if (distances[r] == threshold) nearest.emplace_back(distances[r], static_cast<int32_t>(r));
      }
      // Ranked by distance, ties to the lower index.
      std::sort(nearest.begin(), nearest.end());
      double precisionSum = 0;
      long relevantSoFar = 0;
      for (long i = 0; i < relevantCount; ++i) {
        if (input.referenceLabels[nearest[i].second] == label) precisionSum += static_cast<double>(++relevantSoFar) / static_cast<double>(i + 1);
      }
      averagePrecision[q] = precisionSum / static_cast<double>(relevantCount);
      hitAtOne[q] = input.referenceLabels[nearest[0].second] == label ? 1 : 0;
    }
  }
}

}  // namespace siamese
