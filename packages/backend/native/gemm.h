// GEMM providers behind one interface: oneDNN (dnnl_sgemm) and OpenBLAS (cblas_sgemm), each
// compiled in only when the build found its library (SIAMESE_LAB_HAVE_DNNL / _OPENBLAS).
#pragma once

#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

namespace siamese {

struct GemmProvider {
  /** "onednn" or "openblas": the names SIAMESE_LAB_GEMM accepts. */
  const char* name;
  /** Row-major C = alpha op(A) op(B) + beta C. */
  void (*sgemm)(bool transposeA, bool transposeB, int m, int n, int k, float alpha, const float* a, int lda,
                const float* b, int ldb, float beta, float* c, int ldc);
  /** e.g. "oneDNN 2.6.3" or "OpenBLAS 0.3.21". */
  std::string (*version)();
  /** The kernel family it dispatched to on this CPU: oneDNN's effective ISA, OpenBLAS's core name. */
  std::string (*kernel)();
  /** How the library runs its threads: "OpenMP", "pthreads", "sequential", ... */
  const char* (*threading)();
};

/** The providers compiled in, in the documented order of preference (oneDNN first). */
const std::vector<const GemmProvider*>& gemmProviders();

/** Makes `name` the provider of every product; false when it is not compiled in. */
bool selectGemmProvider(const std::string& name);
const GemmProvider* activeGemmProvider();

/**
 * How a library product's output is cut for the threads: `count` blocks of `size` rows (or
 * columns) of C, the last possibly smaller. A function of the shape alone, so that the result
 * does not depend on the thread count; changing these constants changes the numerics of every
 * library run (they are recorded as the GEMM's partition).
 */
struct OutputBlocks {
  bool byRows;
  int size;
  int count;
};
constexpr int kOutputBlocks = 4;
constexpr int kMinimumBlock = 32;
constexpr int kBlockAlignment = 16;
/** Below this many multiply-adds one thread does every block: a parallel region costs more. */
constexpr double kParallelFlops = 1 << 18;
OutputBlocks outputBlocks(int m, int n);
/** The split above in words, as numerics records it for the library providers. */
std::string outputPartition();

/** Runs the active provider's sgemm and counts the time spent in it. */
void sgemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc);

/**
 * Blocks every asynchronous signal on this thread for its lifetime. oneDNN 2.x's JIT GEMM
 * kernels point the stack pointer into a heap buffer while they run (oneDNN issue 4845, fixed in
 * 3.11), so a signal handled on a thread inside one writes its frame into the heap and corrupts
 * it. Node takes signals on its main thread (a profiler's SIGPROF, SIGCHLD, SIGWINCH, SIGINT), so
 * every product runs inside one of these; a signal that arrives meanwhile waits (thread-directed)
 * or goes to another thread (process-directed).
 */
class AsyncSignalsBlocked {
 public:
  AsyncSignalsBlocked();
  ~AsyncSignalsBlocked();
  AsyncSignalsBlocked(const AsyncSignalsBlocked&) = delete;
  AsyncSignalsBlocked& operator=(const AsyncSignalsBlocked&) = delete;

 private:
  sigset_t saved_;
};

/** Creates OpenMP's worker threads with asynchronous signals blocked (they inherit the mask), so
 *  that no signal is ever handled on a thread running a library's kernel. Called at load and on
 *  every change of the thread count. */
void startThreadPool();

/** Threads of every library the addon uses (OpenBLAS's pool and OpenMP's, which oneDNN and the
 *  addon's own loops share); returns the count now in force. */
int setThreads(int threads);
int threads();

/** Nanoseconds spent inside sgemm and inside all native kernels since the last reset. */
struct NativeTimers {
  uint64_t gemmNanoseconds = 0;
  uint64_t gemmCalls = 0;
  uint64_t kernelNanoseconds = 0;
  uint64_t kernelCalls = 0;
};
NativeTimers& nativeTimers();
uint64_t nowNanoseconds();

/** Adds the lifetime of a native kernel call to the timers. */
class KernelTimer {
 public:
  KernelTimer() : start_(nowNanoseconds()) {}
  ~KernelTimer() {
    nativeTimers().kernelNanoseconds += nowNanoseconds() - start_;
    nativeTimers().kernelCalls += 1;
  }

 private:
  uint64_t start_;
};

}  // namespace siamese
