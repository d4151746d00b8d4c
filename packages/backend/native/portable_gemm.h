// The `portable` GEMM: every element of C is one fixed sequence of float32 operations,
//   acc = 0; for p = 0 .. k-1: acc = acc + a[i][p] * b[p][j]   (a rounded product, then a rounded sum)
//   c[i][j] = alpha * acc (+ beta * c[i][j] when beta != 0),
// whatever the instruction set, the vector width or the thread count. Vector lanes hold different
// j, never partial sums of one element, and threads split C into tiles, never the k loop; the file
// must be compiled with -ffp-contract=off (no fused multiply-add). So the same inputs give the
// same bits on any x86-64 (or other IEEE-754) machine, at a fraction of the tuned libraries' speed.
// Header-only so that a test can compile it on its own under other -march settings.
#pragma once

#include <cstring>
#include <vector>

namespace siamese {
namespace portable {

// 16 floats: one AVX-512 register, two AVX ones, four SSE ones; the compiler picks.
typedef float Lanes __attribute__((vector_size(64)));
constexpr int kLanes = 16;
constexpr int kTileColumns = 4 * kLanes;
constexpr int kTileRows = 4;

inline Lanes loadLanes(const float* from) {
  Lanes lanes;
  std::memcpy(&lanes, from, sizeof(lanes));
  return lanes;
}

inline void storeLanes(float* to, Lanes lanes) { std::memcpy(to, &lanes, sizeof(lanes)); }

inline float finish(float acc, float alpha, float beta, float previous) {
  const float scaled = alpha * acc;
  return beta == 0.0f ? scaled : scaled + beta * previous;
}

/** Rows [row, row + R) by columns [column, column + 64) of C, a and b packed row-major. */
template <int R>
void fullTile(int row, int column, int n, int k, const float* a, const float* b, float alpha, float beta, float* c, int ldc) {
  Lanes acc[R][4];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < 4; v++) acc[r][v] = Lanes{};
  for (int p = 0; p < k; p++) {
    const float* bRow = b + static_cast<size_t>(p) * n + column;
    const Lanes b0 = loadLanes(bRow), b1 = loadLanes(bRow + kLanes), b2 = loadLanes(bRow + 2 * kLanes),
                b3 = loadLanes(bRow + 3 * kLanes);
    for (int r = 0; r < R; r++) {
      const float value = a[static_cast<size_t>(row + r) * k + p];
      acc[r][0] += value * b0;
      acc[r][1] += value * b1;
      acc[r][2] += value * b2;
      acc[r][3] += value * b3;
    }
  }
  for (int r = 0; r < R; r++) {
    float* cRow = c + static_cast<size_t>(row + r) * ldc + column;
    for (int v = 0; v < 4; v++) {
      float sums[kLanes];
      storeLanes(sums, acc[r][v]);
      for (int lane = 0; lane < kLanes; lane++) {
        float* out = cRow + v * kLanes + lane;
        *out = finish(sums[lane], alpha, beta, *out);
      }
    }
  }
}

/** The same sequence one element at a time: the columns past the last full tile. */
inline void narrowTile(int row, int rows, int column, int columns, int n, int k, const float* a, const float* b, float alpha,
                       float beta, float* c, int ldc) {
  for (int r = row; r < row + rows; r++) {
    for (int j = column; j < column + columns; j++) {
      float acc = 0.0f;
      for (int p = 0; p < k; p++) acc += a[static_cast<size_t>(r) * k + p] * b[static_cast<size_t>(p) * n + j];
      float* out = c + static_cast<size_t>(r) * ldc + j;
      *out = finish(acc, alpha, beta, *out);
    }
  }
}

/** op(x) as a dense row-major rows x columns matrix: a copy when transposed or strided. */
inline const float* packed(bool transpose, int rows, int columns, const float* x, int ld, std::vector<float>& scratch) {
  if (!transpose && ld == columns) return x;
  scratch.resize(static_cast<size_t>(rows) * columns);
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < columns; j++)
      scratch[static_cast<size_t>(i) * columns + j] = transpose ? x[static_cast<size_t>(j) * ld + i] : x[static_cast<size_t>(i) * ld + j];
  return scratch.data();
}

/** Row-major C = alpha op(A) op(B) + beta C, with the fixed per-element order above. */
inline void sgemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                  int ldb, float beta, float* c, int ldc) {
  std::vector<float> aScratch, bScratch;
  const float* aPacked = packed(transposeA, m, k, a, lda, aScratch);
  const float* bPacked = packed(transposeB, k, n, b, ldb, bScratch);
  const int rowBlocks = (m + kTileRows - 1) / kTileRows;
  const int fullColumnTiles = n / kTileColumns;
  const int tailColumns = n - fullColumnTiles * kTileColumns;
  const int columnTiles = fullColumnTiles + (tailColumns > 0 ? 1 : 0);
  const long tiles = static_cast<long>(rowBlocks) * columnTiles;
  // Tiles are independent and each is computed whole by one thread: the split cannot change a bit.
#pragma omp parallel for schedule(static) if (tiles > 1 && static_cast<double>(m) * n * k > 1e6)
  for (long tile = 0; tile < tiles; tile++) {
    const int columnTile = static_cast<int>(tile / rowBlocks);
    const int row = static_cast<int>(tile % rowBlocks) * kTileRows;
    const int rows = m - row < kTileRows ? m - row : kTileRows;
    const int column = columnTile * kTileColumns;
    if (columnTile == fullColumnTiles) {
      narrowTile(row, rows, column, tailColumns, n, k, aPacked, bPacked, alpha, beta, c, ldc);
      continue;
    }
    switch (rows) {
      case 4: fullTile<4>(row, column, n, k, aPacked, bPacked, alpha, beta, c, ldc); break;
      case 3: fullTile<3>(row, column, n, k, aPacked, bPacked, alpha, beta, c, ldc); break;
      case 2: fullTile<2>(row, column, n, k, aPacked, bPacked, alpha, beta, c, ldc); break;
      default: fullTile<1>(row, column, n, k, aPacked, bPacked, alpha, beta, c, ldc); break;
    }
  }
}

}  // namespace portable
}  // namespace siamese
