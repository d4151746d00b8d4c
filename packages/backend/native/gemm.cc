#include "gemm.h"
#include "portable_gemm.h"

#include <algorithm>
#include <chrono>
#include <csignal>

#include <pthread.h>

#ifdef SIAMESE_LAB_HAVE_OPENBLAS
#include <cblas.h>
#endif
#ifdef SIAMESE_LAB_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

namespace siamese {
namespace {

#ifdef SIAMESE_LAB_HAVE_DNNL
void dnnlSgemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, const float* a, int lda,
               const float* b, int ldb, float beta, float* c, int ldc) {
  dnnl_sgemm(transposeA ? 'T' : 'N', transposeB ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

std::string dnnlVersion() {
  const dnnl_version_t* v = dnnl_version();
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

std::string dnnlKernel() {
  switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "generic";
  }
}

const char* dnnlThreading() {
  switch (dnnl_version()->cpu_runtime) {
    case DNNL_RUNTIME_OMP: return "OpenMP";
    case DNNL_RUNTIME_TBB: return "TBB";
    case DNNL_RUNTIME_SEQ: return "sequential";
    default: return "threadpool";
  }
}

const GemmProvider kDnnl{"onednn", dnnlSgemm, dnnlVersion, dnnlKernel, dnnlThreading};
#endif

#ifdef SIAMESE_LAB_HAVE_OPENBLAS
void openBlasSgemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, const float* a, int lda,
                   const float* b, int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, m, n, k,
              alpha, a, lda, b, ldb, beta, c, ldc);
}

std::string openBlasVersion() {
  const std::string config = openblas_get_config();
  const size_t start = config.find("OpenBLAS");
  if (start == std::string::npos) return "OpenBLAS";
  size_t end = config.find(' ', start + 9);
  return config.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string openBlasKernel() { return openblas_get_corename(); }

const char* openBlasThreading() {
  switch (openblas_get_parallel()) {
    case 0: return "sequential";
    case 2: return "OpenMP";
    default: return "pthreads";
  }
}

const GemmProvider kOpenBlas{"openblas", openBlasSgemm, openBlasVersion, openBlasKernel, openBlasThreading};
#endif

// Always compiled in, never chosen unless asked for (SIAMESE_LAB_GEMM=portable): the same bits on
// every machine, at a fraction of the libraries' speed.
std::string portableVersion() { return "siamese-lab portable 1"; }
std::string portableKernel() { return "fixed-order"; }
const char* portableThreading() {
#ifdef _OPENMP
  return "OpenMP";
#else
  return "sequential";
#endif
}
const GemmProvider kPortable{"portable", portable::sgemm, portableVersion, portableKernel, portableThreading};

const GemmProvider* active = nullptr;

}  // namespace

const std::vector<const GemmProvider*>& gemmProviders() {
  // oneDNN first: it picks its kernels by the CPU's features at run time, while a given OpenBLAS
  // build knows only the CPUs that existed when it was released (0.3.21 runs its generic SSE3
  // kernel on newer processors unless OPENBLAS_CORETYPE is set). A fixed order, not a timing
  // race, so that one machine always computes with the same library.
  static const std::vector<const GemmProvider*> providers = {
#ifdef SIAMESE_LAB_HAVE_DNNL
      &kDnnl,
#endif
#ifdef SIAMESE_LAB_HAVE_OPENBLAS
      &kOpenBlas,
#endif
      &kPortable,
  };
  return providers;
}

bool selectGemmProvider(const std::string& name) {
  for (const GemmProvider* provider : gemmProviders()) {
    if (name == provider->name) {
      active = provider;
      return true;
    }
  }
  return false;
}

const GemmProvider* activeGemmProvider() {
  if (active == nullptr && !gemmProviders().empty()) active = gemmProviders().front();
  return active;
}

AsyncSignalsBlocked::AsyncSignalsBlocked() {
  sigset_t asynchronous;
  sigfillset(&asynchronous);
  // Faults raised by the code itself stay deliverable: blocked, they would kill the process silently.
  for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS}) sigdelset(&asynchronous, fault);
  pthread_sigmask(SIG_BLOCK, &asynchronous, &saved_);
}

AsyncSignalsBlocked::~AsyncSignalsBlocked() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }

void startThreadPool() {
  const AsyncSignalsBlocked blocked;
  // OpenMP creates its worker threads at the first parallel region that needs them, and a new
  // thread starts with its creator's signal mask: created here, they never take a signal.
#ifdef _OPENMP
#pragma omp parallel
  { (void)0; }
#endif
}

std::string outputPartition() {
  return std::to_string(kOutputBlocks) + " output blocks of >= " + std::to_string(kMinimumBlock) + ", aligned to " +
         std::to_string(kBlockAlignment) + ", one library thread each";
}

OutputBlocks outputBlocks(int m, int n) {
  const bool byRows = m >= n;
  const int extent = byRows ? m : n;
  if (extent <= 0) return {byRows, 0, 0};  // an empty output: nothing to compute
  // At most kOutputBlocks blocks of at least kMinimumBlock rows (or columns), each a multiple of
  // kBlockAlignment but the last: a function of the shape alone, never of the thread count.
  int count = std::min(kOutputBlocks, std::max(1, extent / kMinimumBlock));
  int size = (extent + count - 1) / count;
  size = (size + kBlockAlignment - 1) / kBlockAlignment * kBlockAlignment;
  count = (extent + size - 1) / size;
  return {byRows, size, count};
}

namespace {

#ifdef _OPENMP
/** Makes the libraries run single-threaded on this thread for its lifetime (OpenMP's thread count
 *  is a per-thread setting; oneDNN reads it for every call). */
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

/** One output block: rows [first, first + count) of C, or its columns, from the matching rows of
 *  op(A) or columns of op(B). */
void blockProduct(const GemmProvider* provider, const OutputBlocks& blocks, int block, bool transposeA, bool transposeB, int m,
                  int n, int k, float alpha, const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc) {
  const int first = block * blocks.size;
  const int extent = blocks.byRows ? m : n;
  const int count = std::min(blocks.size, extent - first);
  const OneLibraryThread single;
  if (blocks.byRows) {
    const float* aBlock = transposeA ? a + first : a + static_cast<size_t>(first) * lda;
    provider->sgemm(transposeA, transposeB, count, n, k, alpha, aBlock, lda, b, ldb, beta, c + static_cast<size_t>(first) * ldc, ldc);
  } else {
    const float* bBlock = transposeB ? b + static_cast<size_t>(first) * ldb : b + first;
    provider->sgemm(transposeA, transposeB, m, count, k, alpha, a, lda, bBlock, ldb, beta, c + first, ldc);
  }
}

}  // namespace

void sgemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc) {
  const AsyncSignalsBlocked blocked;
  const uint64_t start = nowNanoseconds();
  const GemmProvider* provider = activeGemmProvider();
  if (provider == &kPortable) {
    // Already thread-count independent: its threads split the output into fixed tiles.
    provider->sgemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    // The libraries split a product across threads as they see fit, the summed dimension
    // included for some shapes, so 1 and 2 threads round differently. Here the output is cut
    // into blocks fixed by the shape, each computed whole by one single-threaded library call:
    // the threads only decide who computes which block, so every thread count gives one result.
    const OutputBlocks blocks = outputBlocks(m, n);
    const bool parallel = blocks.count > 1 && static_cast<double>(m) * n * k >= kParallelFlops;
#pragma omp parallel for schedule(static) if (parallel)
    for (int block = 0; block < blocks.count; ++block)
      blockProduct(provider, blocks, block, transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  nativeTimers().gemmNanoseconds += nowNanoseconds() - start;
  nativeTimers().gemmCalls += 1;
}

int setThreads(int count) {
  count = std::max(1, count);
#ifdef SIAMESE_LAB_HAVE_OPENBLAS
  // OpenBLAS computes each output block on one thread; the addon's OpenMP threads share the blocks.
  openblas_set_num_threads(1);
#endif
#ifdef _OPENMP
  omp_set_num_threads(count);
#endif
  startThreadPool();
  return threads();
}

int threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

NativeTimers& nativeTimers() {
  static NativeTimers timers;
  return timers;
}

uint64_t nowNanoseconds() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

}  // namespace siamese
