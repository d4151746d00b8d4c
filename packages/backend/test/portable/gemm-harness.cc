// Reads A and B (float32, row-major as given) from a file, runs the portable GEMM with the
// transposes and shapes on the command line, and writes C: the test compiles this under several
// -march settings and compares the bits with the addon's.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../../native/portable_gemm.h"

#ifdef _OPENMP
#include <omp.h>
#endif

int main(int argc, char** argv) {
  if (argc != 9) {
    std::fprintf(stderr, "usage: gemm-harness IN OUT transposeA transposeB m n k threads\n");
    return 2;
  }
  const bool transposeA = std::atoi(argv[3]) != 0, transposeB = std::atoi(argv[4]) != 0;
  const int m = std::atoi(argv[5]), n = std::atoi(argv[6]), k = std::atoi(argv[7]);
#ifdef _OPENMP
  omp_set_num_threads(std::atoi(argv[8]));
#endif
  std::vector<float> a(static_cast<size_t>(m) * k), b(static_cast<size_t>(k) * n), c(static_cast<size_t>(m) * n);
  FILE* in = std::fopen(argv[1], "rb");
  if (!in || std::fread(a.data(), sizeof(float), a.size(), in) != a.size() || std::fread(b.data(), sizeof(float), b.size(), in) != b.size()) return 1;
  std::fclose(in);
  siamese::portable::sgemm(transposeA, transposeB, m, n, k, 1.0f, a.data(), transposeA ? m : k, b.data(), transposeB ? k : n, 0.0f,
                           c.data(), n);
  FILE* out = std::fopen(argv[2], "wb");
  if (!out || std::fwrite(c.data(), sizeof(float), c.size(), out) != c.size()) return 1;
  std::fclose(out);
  return 0;
}
