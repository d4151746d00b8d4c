// N-API addon: matrix products (through the GEMM provider of gemm.h: oneDNN or OpenBLAS),
// fused dense-layer kernels and fused optimizer updates that work directly on the tfjs wasm
// backend's memory. Every kernel takes the wasm memory's ArrayBuffer first and byte offsets
// into it, so no tensor data is copied between JavaScript and C++.
#include <napi.h>

#include "convolution.h"
#include "gemm.h"
#include "optimizer_update.h"
#include "pooling.h"
#include "retrieval.h"

#ifdef SIAMESE_LAB_HAVE_OPENBLAS
#include <cblas.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace {

// Below this many elements an element-wise pass stays on the calling thread: waking a second
// one costs more than it saves.
constexpr size_t kParallelElements = 1 << 16;

enum Activation { kLinear = 0, kRelu = 1, kRelu6 = 2, kLeakyRelu = 3, kElu = 4, kSigmoid = 5 };
enum BiasMode { kNoBias = 0, kBiasScalar = 1, kBiasPerColumn = 2, kBiasFullMatrix = 3 };

// A view of the wasm heap; every pointer handed out is bounds-checked against it.
struct Heap {
  uint8_t* base = nullptr;
  size_t bytes = 0;
  bool ok = true;
  std::string problem;

  float* floats(const Napi::Value& offsetValue, size_t count, const char* what) {
    return floats(offsetValue.As<Napi::Number>().DoubleValue(), count, what);
  }

  float* floats(double offset, size_t count, const char* what) {
    if (offset < 0 || std::fmod(offset, 4.0) != 0 || offset + count * 4.0 > static_cast<double>(bytes)) {
      if (ok) problem = std::string("blas addon: ") + what + " lies outside wasm memory";
      ok = false;
      return nullptr;
    }
    return reinterpret_cast<float*>(base + static_cast<size_t>(offset));
  }
};

Heap heapOf(const Napi::Value& value) {
  Heap heap;
  if (!value.IsArrayBuffer()) {
    heap.ok = false;
    heap.problem = "blas addon: first argument must be the wasm memory ArrayBuffer";
    return heap;
  }
  auto buffer = value.As<Napi::ArrayBuffer>();
  heap.base = static_cast<uint8_t*>(buffer.Data());
  heap.bytes = buffer.ByteLength();
  return heap;
}

int intArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }
double numberArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }

bool checkArgs(const Napi::CallbackInfo& info, size_t count) {
  if (info.Length() < count) {
    Napi::TypeError::New(info.Env(), "blas addon: expected " + std::to_string(count) + " arguments")
        .ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

bool report(const Napi::CallbackInfo& info, const Heap& heap) {
  if (heap.ok) return true;
  Napi::RangeError::New(info.Env(), heap.problem).ThrowAsJavaScriptException();
  return false;
}

void applyActivation(float* values, size_t count, int activation, float alpha) {
  switch (activation) {
    case kRelu:
      // As tfjs: NaN stays NaN (a comparison with NaN is false, so test for "< 0", not "> 0").
      for (size_t i = 0; i < count; ++i) values[i] = values[i] < 0.f ? 0.f : values[i];
      break;
    case kRelu6:
      for (size_t i = 0; i < count; ++i) values[i] = std::min(std::max(values[i], 0.f), 6.f);
      break;
    case kLeakyRelu:
      for (size_t i = 0; i < count; ++i) values[i] = values[i] < 0.f ? alpha * values[i] : values[i];
      break;
    case kElu:
      for (size_t i = 0; i < count; ++i) values[i] = values[i] < 0.f ? std::expm1(values[i]) : values[i];
      break;
    case kSigmoid:
      for (size_t i = 0; i < count; ++i) values[i] = 1.f / (1.f + std::exp(-values[i]));
      break;
    default:
      break;
  }
}

// Fills each row of the [rows, cols] output with the bias, so that sgemm can accumulate onto it.
void fillBias(float* out, int rows, int cols, const float* bias, int biasMode) {
  const size_t n = static_cast<size_t>(rows) * cols;
  switch (biasMode) {
    case kBiasScalar:
      std::fill(out, out + n, bias[0]);
      break;
    case kBiasPerColumn:
      for (int r = 0; r < rows; ++r) std::copy(bias, bias + cols, out + static_cast<size_t>(r) * cols);
      break;
    case kBiasFullMatrix:
      std::copy(bias, bias + n, out);
      break;
    default:
      break;
  }
}

// batchedMatMul(memory, transposeA, transposeB, batch, m, n, k, aOffset, aBatches, bOffset,
//               bBatches, outOffset, biasOffset, biasMode, activation, leakyAlpha)
// out[i] = activation(op(a[i % aBatches]) @ op(b[i % bBatches]) + bias), row-major, where
// op(a) is [m, k] and op(b) is [k, n]. biasMode 0 skips the bias.
Napi::Value BatchedMatMul(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 16)) return info.Env().Undefined();
  siamese::KernelTimer timer;
  Heap heap = heapOf(info[0]);
  const bool transposeA = info[1].ToBoolean();
  const bool transposeB = info[2].ToBoolean();
  const int batch = intArg(info, 3), m = intArg(info, 4), n = intArg(info, 5), k = intArg(info, 6);
  const int aBatches = intArg(info, 8), bBatches = intArg(info, 10);
  const int biasMode = intArg(info, 13), activation = intArg(info, 14);
  const float leakyAlpha = static_cast<float>(numberArg(info, 15));
  if (batch <= 0 || m < 0 || n < 0 || k < 0 || aBatches <= 0 || bBatches <= 0) {
    Napi::RangeError::New(info.Env(), "blas addon: bad matrix dimensions").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const size_t aSize = static_cast<size_t>(m) * k, bSize = static_cast<size_t>(k) * n,
               outSize = static_cast<size_t>(m) * n;
  float* a = heap.floats(info[7], aSize * aBatches, "a");
  float* b = heap.floats(info[9], bSize * bBatches, "b");
  float* out = heap.floats(info[11], outSize * batch, "out");
  const size_t biasSize = biasMode == kBiasScalar ? 1 : biasMode == kBiasPerColumn ? n : outSize;
  const float* bias = biasMode == kNoBias ? nullptr : heap.floats(info[12], biasSize, "bias");
  if (!report(info, heap) || outSize == 0) return info.Env().Undefined();

  const int lda = transposeA ? m : k;
  const int ldb = transposeB ? k : n;
  for (int i = 0; i < batch; ++i) {
    float* c = out + outSize * i;
    if (bias != nullptr) fillBias(c, m, n, bias, biasMode);
    if (k == 0) {
      if (bias == nullptr) std::fill(c, c + outSize, 0.f);
    } else {
      siamese::sgemm(transposeA, transposeB, m, n, k, 1.f, a + aSize * (i % aBatches), lda, b + bSize * (i % bBatches), ldb,
                  bias != nullptr ? 1.f : 0.f, c, n);
    }
    applyActivation(c, outSize, activation, leakyAlpha);
  }
  return info.Env().Undefined();
}

// denseForward(memory, xOffset, weightsOffset, biasOffset, outOffset, rows, inputs, outputs, relu)
// out[rows, outputs] = act(x[rows, inputs] @ weights[inputs, outputs] + bias[outputs]).
Napi::Value DenseForward(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 9)) return info.Env().Undefined();
  siamese::KernelTimer timer;
  Heap heap = heapOf(info[0]);
  const int rows = intArg(info, 5), inputs = intArg(info, 6), outputs = intArg(info, 7);
  const bool relu = info[8].ToBoolean();
  const float* x = heap.floats(info[1], static_cast<size_t>(rows) * inputs, "x");
  const float* weights = heap.floats(info[2], static_cast<size_t>(inputs) * outputs, "weights");
  const float* bias = heap.floats(info[3], outputs, "bias");
  float* out = heap.floats(info[4], static_cast<size_t>(rows) * outputs, "out");
  if (!report(info, heap) || rows == 0 || outputs == 0) return info.Env().Undefined();
  const bool parallel = static_cast<size_t>(rows) * outputs >= kParallelElements;
#pragma omp parallel for schedule(static) if (parallel)
  for (int r = 0; r < rows; ++r) std::copy(bias, bias + outputs, out + static_cast<size_t>(r) * outputs);
  if (inputs > 0) {
    siamese::sgemm(false, false, rows, outputs, inputs, 1.f, x, inputs, weights, outputs, 1.f, out, outputs);
  }
  if (relu) {
#pragma omp parallel for schedule(static) if (parallel)
    for (int r = 0; r < rows; ++r) applyActivation(out + static_cast<size_t>(r) * outputs, outputs, kRelu, 0.f);
  }
  return info.Env().Undefined();
}

thread_local std::vector<float> maskedGradientScratch;

// denseBackward(memory, dyOffset, outOffset, xOffset, weightsOffset, dxOffset (-1: skip),
//               dWeightsOffset, dBiasOffset, rows, inputs, outputs, relu)
// With dz = relu ? dy * step(out) : dy (step as tfjs: 1 above 0, 0 at or below, NaN for NaN,
// so a NaN or infinite dy is never masked away, exactly as tfjs' ReLU gradient): dBias = column sums of dz, dWeights = x^T dz,
// dx = dz weights^T.
Napi::Value DenseBackward(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 12)) return info.Env().Undefined();
  siamese::KernelTimer timer;
  Heap heap = heapOf(info[0]);
  const int rows = intArg(info, 8), inputs = intArg(info, 9), outputs = intArg(info, 10);
  const bool relu = info[11].ToBoolean();
  const size_t outCount = static_cast<size_t>(rows) * outputs;
  const float* dy = heap.floats(info[1], outCount, "dy");
  const float* out = relu ? heap.floats(info[2], outCount, "out") : nullptr;
  const float* x = heap.floats(info[3], static_cast<size_t>(rows) * inputs, "x");
  const float* weights = heap.floats(info[4], static_cast<size_t>(inputs) * outputs, "weights");
  const bool wantDx = numberArg(info, 5) >= 0;
  float* dx = wantDx ? heap.floats(info[5], static_cast<size_t>(rows) * inputs, "dx") : nullptr;
  float* dWeights = heap.floats(info[6], static_cast<size_t>(inputs) * outputs, "dWeights");
  float* dBias = heap.floats(info[7], outputs, "dBias");
  if (!report(info, heap)) return info.Env().Undefined();

  const float* dz = dy;
  if (relu) {
    maskedGradientScratch.resize(outCount);
    float* masked = maskedGradientScratch.data();
#pragma omp parallel for schedule(static) if (outCount >= kParallelElements)
    for (int r = 0; r < rows; ++r) {
      for (size_t i = static_cast<size_t>(r) * outputs, end = i + outputs; i < end; ++i) {
        const float step = std::isnan(out[i]) ? out[i] : (out[i] > 0.f ? 1.f : 0.f);
        masked[i] = dy[i] * step;
      }
    }
    dz = masked;
  }
  // Split by columns, each column summed over the rows in order: the same float additions in
  // the same order on any number of threads.
  constexpr int kColumnBlock = 64;
  const int columnBlocks = (outputs + kColumnBlock - 1) / kColumnBlock;
#pragma omp parallel for schedule(static) if (outCount >= kParallelElements)
  for (int block = 0; block < columnBlocks; ++block) {
    const int begin = block * kColumnBlock, end = std::min(outputs, begin + kColumnBlock);
    std::fill(dBias + begin, dBias + end, 0.f);
    for (int r = 0; r < rows; ++r) {
      const float* row = dz + static_cast<size_t>(r) * outputs;
      for (int c = begin; c < end; ++c) dBias[c] += row[c];
    }
  }
  if (rows == 0) {
    std::fill(dWeights, dWeights + static_cast<size_t>(inputs) * outputs, 0.f);
  } else if (inputs > 0 && outputs > 0) {
    siamese::sgemm(true, false, inputs, outputs, rows, 1.f, x, inputs, dz, outputs, 0.f, dWeights, outputs);
  }
  if (dx != nullptr) {
    if (outputs == 0) {
      std::fill(dx, dx + static_cast<size_t>(rows) * inputs, 0.f);
    } else if (rows > 0 && inputs > 0) {
      siamese::sgemm(false, true, rows, inputs, outputs, 1.f, dz, outputs, weights, outputs, 0.f, dx, inputs);
    }
  }
  return info.Env().Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 1)) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), siamese::setThreads(intArg(info, 0)));
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), siamese::threads());
}

// providers() -> names of the GEMM providers compiled in, in order of preference.
Napi::Value Providers(const Napi::CallbackInfo& info) {
  const auto& providers = siamese::gemmProviders();
  Napi::Array names = Napi::Array::New(info.Env(), providers.size());
  for (size_t i = 0; i < providers.size(); ++i) names.Set(static_cast<uint32_t>(i), providers[i]->name);
  return names;
}

// setProvider(name) -> true when `name` is compiled in (and now used for every product).
Napi::Value SetProvider(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 1)) return info.Env().Undefined();
  return Napi::Boolean::New(info.Env(), siamese::selectGemmProvider(info[0].As<Napi::String>().Utf8Value()));
}

// providerInfo() -> { name, version, kernel, threading, threads } of the provider in use.
Napi::Value ProviderInfo(const Napi::CallbackInfo& info) {
  const siamese::GemmProvider* provider = siamese::activeGemmProvider();
  if (provider == nullptr) return info.Env().Null();
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("name", provider->name);
  result.Set("version", provider->version());
  result.Set("kernel", provider->kernel());
  result.Set("threading", provider->threading());
  result.Set("threads", siamese::threads());
  // The portable GEMM tiles its own output; the libraries run on the addon's fixed output blocks.
  if (std::string(provider->name) != "portable") result.Set("partition", siamese::outputPartition());
  return result;
}

// getConfig() -> OpenBLAS's build configuration and core name (empty without OpenBLAS).
Napi::Value GetConfig(const Napi::CallbackInfo& info) {
  Napi::Object result = Napi::Object::New(info.Env());
#ifdef SIAMESE_LAB_HAVE_OPENBLAS
  result.Set("config", Napi::String::New(info.Env(), openblas_get_config()));
  result.Set("corename", Napi::String::New(info.Env(), openblas_get_corename()));
#else
  result.Set("config", Napi::String::New(info.Env(), ""));
  result.Set("corename", Napi::String::New(info.Env(), ""));
#endif
  return result;
}

// timers(reset) -> { gemmMs, gemmCalls, kernelMs, kernelCalls } since the last reset: time in
// the provider's sgemm, and in the addon's kernels as a whole (GEMM included).
Napi::Value Timers(const Napi::CallbackInfo& info) {
  siamese::NativeTimers& timers = siamese::nativeTimers();
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("gemmMs", timers.gemmNanoseconds / 1e6);
  result.Set("gemmCalls", static_cast<double>(timers.gemmCalls));
  result.Set("kernelMs", timers.kernelNanoseconds / 1e6);
  result.Set("kernelCalls", static_cast<double>(timers.kernelCalls));
  if (info.Length() > 0 && info[0].ToBoolean()) timers = siamese::NativeTimers();
  return result;
}

// optimizerUpdate(memory, kind, constants: Float64Array, plan: Float64Array): one step's update of
// every variable and its state, written where they are.
// constants: [negativeLearningRate, momentum, beta1, oneMinusBeta1, beta2, oneMinusBeta2,
//             oneMinusAccBeta1, oneMinusAccBeta2, epsilon] (each rounded to float32 here).
// plan: per variable [size, value, gradient, slot0, slot1] (byte offsets; slots the optimizer kind
// does not use are ignored). Value and slots are read and written in place: the caller makes sure
// that no other tensor holds their buffers.
Napi::Value OptimizerUpdate(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 4)) return info.Env().Undefined();
  siamese::KernelTimer timer;
  Heap heap = heapOf(info[0]);
  const int kindCode = intArg(info, 1);
  if (kindCode < siamese::kSgd || kindCode > siamese::kAdagrad || !info[2].IsTypedArray() || !info[3].IsTypedArray()) {
    Napi::TypeError::New(info.Env(), "blas addon: optimizerUpdate(memory, kind, constants, plan)").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const auto kind = static_cast<siamese::OptimizerKind>(kindCode);
  Napi::Float64Array constantsArray = info[2].As<Napi::Float64Array>();
  Napi::Float64Array plan = info[3].As<Napi::Float64Array>();
  constexpr size_t kPlanRow = 5;
  if (constantsArray.ElementLength() < 9 || plan.ElementLength() % kPlanRow != 0) {
    Napi::RangeError::New(info.Env(), "blas addon: optimizerUpdate: bad constants or plan length").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const auto f = [&](size_t i) { return static_cast<float>(constantsArray[i]); };
  siamese::OptimizerConstants constants;
  constants.negativeLearningRate = f(0);
  constants.momentum = f(1);
  constants.beta1 = f(2);
  constants.oneMinusBeta1 = f(3);
  constants.beta2 = f(4);
  constants.oneMinusBeta2 = f(5);
  constants.oneMinusAccBeta1 = f(6);
  constants.oneMinusAccBeta2 = f(7);
  constants.epsilon = f(8);

  const int slots = siamese::slotsOf(kind);
  std::vector<siamese::VariableUpdate> variables(plan.ElementLength() / kPlanRow);
  for (size_t v = 0; v < variables.size(); ++v) {
    const double* row = plan.Data() + v * kPlanRow;
    siamese::VariableUpdate& update = variables[v];
    update.size = static_cast<size_t>(row[0]);
    update.value = heap.floats(row[1], update.size, "value");
    update.gradient = heap.floats(row[2], update.size, "gradient");
    if (slots >= 1) update.slot0 = heap.floats(row[3], update.size, "slot");
    if (slots >= 2) update.slot1 = heap.floats(row[4], update.size, "slot");
  }
  if (!report(info, heap)) return info.Env().Undefined();
  siamese::updateVariables(kind, constants, variables);
  return info.Env().Undefined();
}

// allFinite(memory, plan: Float64Array) -> true when no element is NaN or infinite.
// plan: per tensor [offset (bytes), count].
Napi::Value AllFinite(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 2)) return info.Env().Undefined();
  siamese::KernelTimer timer;
  Heap heap = heapOf(info[0]);
  if (!info[1].IsTypedArray() || info[1].As<Napi::Float64Array>().ElementLength() % 2 != 0) {
    Napi::TypeError::New(info.Env(), "blas addon: allFinite(memory, plan: [offset, count]...)").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  Napi::Float64Array plan = info[1].As<Napi::Float64Array>();
  std::vector<siamese::FloatSpan> spans(plan.ElementLength() / 2);
  for (size_t i = 0; i < spans.size(); ++i) {
    spans[i].size = static_cast<size_t>(plan[2 * i + 1]);
    spans[i].data = heap.floats(plan[2 * i], spans[i].size, "values");
  }
  if (!report(info, heap)) return info.Env().Undefined();
  return Napi::Boolean::New(info.Env(), siamese::allFinite(spans));
}

// triad(memory, aOffset, bOffset, cOffset, count, s): a[i] = b[i] + s c[i] on the update's chunks
// and threads (the bench's yardstick for the update's bandwidth).
Napi::Value Triad(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 6)) return info.Env().Undefined();
  siamese::KernelTimer timer;
  Heap heap = heapOf(info[0]);
  const size_t count = static_cast<size_t>(numberArg(info, 4));
  float* a = heap.floats(info[1], count, "a");
  const float* b = heap.floats(info[2], count, "b");
  const float* c = heap.floats(info[3], count, "c");
  if (!report(info, heap)) return info.Env().Undefined();
  siamese::triad(a, b, c, static_cast<float>(numberArg(info, 5)), count);
  return info.Env().Undefined();
}

// conv2d(memory, direction, shape: Int32Array, aOffset, bOffset, outOffset) -> the path taken
// ("onednn" or "portable"). direction 0: (x, filter) -> y; 1: (dy, filter) -> dx; 2: (x, dy) ->
// dfilter, on tfjs' layouts (NHWC, filters [kh, kw, in, out]). shape: [batch, inHeight, inWidth,
// inChannels, filterHeight, filterWidth, outChannels, outHeight, outWidth, strideHeight,
// strideWidth, dilationHeight, dilationWidth, padTop, padLeft].
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 6)) return info.Env().Undefined();
  siamese::KernelTimer timer;
  Heap heap = heapOf(info[0]);
  const int direction = intArg(info, 1);
  if (direction < siamese::kConvForward || direction > siamese::kConvBackwardFilter || !info[2].IsTypedArray() ||
      info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array || info[2].As<Napi::Int32Array>().ElementLength() != 15) {
    Napi::TypeError::New(info.Env(), "blas addon: conv2d(memory, direction, shape: Int32Array(15), a, b, out)").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  Napi::Int32Array dims = info[2].As<Napi::Int32Array>();
  siamese::ConvShape s;
  s.batch = dims[0], s.inHeight = dims[1], s.inWidth = dims[2], s.inChannels = dims[3];
  s.filterHeight = dims[4], s.filterWidth = dims[5], s.outChannels = dims[6], s.outHeight = dims[7], s.outWidth = dims[8];
  s.strideHeight = dims[9], s.strideWidth = dims[10], s.dilationHeight = dims[11], s.dilationWidth = dims[12];
  s.padTop = dims[13], s.padLeft = dims[14];
  for (int i = 0; i < 15; ++i) {
    if (dims[i] < (i >= 9 && i <= 12 ? 1 : 0)) {
      Napi::RangeError::New(info.Env(), "blas addon: conv2d: bad shape").ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
  }
  const size_t input = static_cast<size_t>(s.batch) * s.inHeight * s.inWidth * s.inChannels;
  const size_t output = static_cast<size_t>(s.batch) * s.outHeight * s.outWidth * s.outChannels;
  const size_t filter = static_cast<size_t>(s.filterHeight) * s.filterWidth * s.inChannels * s.outChannels;
  const size_t sizes[3][3] = {{input, filter, output}, {output, filter, input}, {input, output, filter}};
  const float* a = heap.floats(info[3], sizes[direction][0], "a");
  const float* b = heap.floats(info[4], sizes[direction][1], "b");
  float* out = heap.floats(info[5], sizes[direction][2], "out");
  if (!report(info, heap)) return info.Env().Undefined();
  return Napi::String::New(info.Env(), siamese::convolution(static_cast<siamese::ConvDirection>(direction), s, a, b, out));
}

// convInfo() -> { provider, version, kernel, partition, onednnCalls, portableCalls, implementations }
Napi::Value ConvInfo(const Napi::CallbackInfo& info) {
  const siamese::ConvolutionStats stats = siamese::convolutionStats();
  Napi::Object result = Napi::Object::New(info.Env());
  const std::string provider = siamese::convolutionProvider();
  result.Set("provider", provider);
  // oneDNN's version and the ISA its kernels dispatch to (they decide the bits, with the partition);
  // the portable loops are the addon's own.
  std::string version = "siamese-lab portable conv 1", kernel = "fixed-order";
  for (const siamese::GemmProvider* gemm : siamese::gemmProviders()) {
    if (provider == "onednn" && std::string(gemm->name) == "onednn") version = gemm->version(), kernel = gemm->kernel();
  }
  result.Set("version", version);
  result.Set("kernel", kernel);
  result.Set("partition", provider == "onednn" ? siamese::convolutionPartition() : "each output element whole on one thread");
  result.Set("onednnCalls", static_cast<double>(stats.onednnCalls));
  result.Set("portableCalls", static_cast<double>(stats.portableCalls));
  Napi::Array names = Napi::Array::New(info.Env(), stats.implementations.size());
  for (size_t i = 0; i < stats.implementations.size(); ++i) names.Set(static_cast<uint32_t>(i), stats.implementations[i]);
  result.Set("implementations", names);
  return result;
}

// maxPool(memory, shape: Int32Array, xOffset, yOffset) and maxPoolGrad(memory, shape, xOffset,
// dyOffset, dxOffset), NHWC. shape: [batch, inHeight, inWidth, channels, outHeight, outWidth,
// filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft].
bool poolShapeArg(const Napi::CallbackInfo& info, siamese::PoolShape& s) {
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      info[1].As<Napi::Int32Array>().ElementLength() != 14) {
    Napi::TypeError::New(info.Env(), "blas addon: pooling shape must be an Int32Array(14)").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Int32Array d = info[1].As<Napi::Int32Array>();
  for (int i = 0; i < 14; ++i) {
    if (d[i] < (i >= 6 && i <= 11 ? 1 : 0)) {
      Napi::RangeError::New(info.Env(), "blas addon: pooling: bad shape").ThrowAsJavaScriptException();
      return false;
    }
  }
  s.batch = d[0], s.inHeight = d[1], s.inWidth = d[2], s.channels = d[3], s.outHeight = d[4], s.outWidth = d[5];
  s.filterHeight = d[6], s.filterWidth = d[7], s.strideHeight = d[8], s.strideWidth = d[9];
  s.dilationHeight = d[10], s.dilationWidth = d[11], s.padTop = d[12], s.padLeft = d[13];
  return true;
}

Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 4)) return info.Env().Undefined();
  siamese::KernelTimer timer;
  Heap heap = heapOf(info[0]);
  siamese::PoolShape s;
  if (!poolShapeArg(info, s)) return info.Env().Undefined();
  const float* x = heap.floats(info[2], static_cast<size_t>(s.batch) * s.inHeight * s.inWidth * s.channels, "x");
  float* y = heap.floats(info[3], static_cast<size_t>(s.batch) * s.outHeight * s.outWidth * s.channels, "y");
  if (!report(info, heap)) return info.Env().Undefined();
  siamese::maxPool(s, x, y);
  return info.Env().Undefined();
}

Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 5)) return info.Env().Undefined();
  siamese::KernelTimer timer;
  Heap heap = heapOf(info[0]);
  siamese::PoolShape s;
  if (!poolShapeArg(info, s)) return info.Env().Undefined();
  const size_t input = static_cast<size_t>(s.batch) * s.inHeight * s.inWidth * s.channels;
  const float* x = heap.floats(info[2], input, "x");
  const float* dy = heap.floats(info[3], static_cast<size_t>(s.batch) * s.outHeight * s.outWidth * s.channels, "dy");
  float* dx = heap.floats(info[4], input, "dx");
  if (!report(info, heap)) return info.Env().Undefined();
  siamese::maxPoolGrad(s, x, dy, dx);
  return info.Env().Undefined();
}

// gemmBound(rows, layers: number[], iterations) -> { bestMs, meanMs }: the matrix products of one
// training step of an MLP with these layer sizes (forward; then per layer from the last, the
// weight gradient and, for all but the first, the input gradient) on the provider in use, on
// buffers of its own: the time a step would take if nothing but its GEMMs took time.
Napi::Value GemmBound(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 3) || !info[1].IsArray()) return info.Env().Undefined();
  const int rows = intArg(info, 0), iterations = std::max(1, intArg(info, 2));
  Napi::Array layerArray = info[1].As<Napi::Array>();
  std::vector<int> layers;
  for (uint32_t i = 0; i < layerArray.Length(); ++i) layers.push_back(layerArray.Get(i).As<Napi::Number>().Int32Value());
  if (rows < 1 || layers.size() < 2 || *std::min_element(layers.begin(), layers.end()) < 1) {
    Napi::RangeError::New(info.Env(), "blas addon: gemmBound needs rows >= 1 and two or more layer sizes >= 1").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const size_t count = layers.size() - 1;
  auto filled = [](size_t n) {
    std::vector<float> values(n);
    for (size_t i = 0; i < n; ++i) values[i] = static_cast<float>((i * 2654435761u) % 1000) / 1000.f - 0.5f;
    return values;
  };
  std::vector<std::vector<float>> activations, weights, weightGradients, gradients;
  for (size_t i = 0; i <= count; ++i) activations.push_back(filled(static_cast<size_t>(rows) * layers[i]));
  for (size_t i = 0; i < count; ++i) {
    weights.push_back(filled(static_cast<size_t>(layers[i]) * layers[i + 1]));
    weightGradients.push_back(filled(static_cast<size_t>(layers[i]) * layers[i + 1]));
    gradients.push_back(filled(static_cast<size_t>(rows) * layers[i + 1]));
  }
  double best = 1e300, total = 0;
  for (int iteration = 0; iteration < iterations + 2; ++iteration) {
    const uint64_t start = siamese::nowNanoseconds();
    for (size_t i = 0; i < count; ++i) {
      siamese::sgemm(false, false, rows, layers[i + 1], layers[i], 1.f, activations[i].data(), layers[i],
                     weights[i].data(), layers[i + 1], 0.f, activations[i + 1].data(), layers[i + 1]);
    }
    for (size_t i = count; i-- > 0;) {
      siamese::sgemm(true, false, layers[i], layers[i + 1], rows, 1.f, activations[i].data(), layers[i],
                     gradients[i].data(), layers[i + 1], 0.f, weightGradients[i].data(), layers[i + 1]);
      if (i > 0) {
        siamese::sgemm(false, true, rows, layers[i], layers[i + 1], 1.f, gradients[i].data(), layers[i + 1],
                       weights[i].data(), layers[i + 1], 0.f, gradients[i - 1].data(), layers[i]);
      }
    }
    const double ms = (siamese::nowNanoseconds() - start) / 1e6;
    if (iteration >= 2) {  // two warm-up rounds
      total += ms;
      best = std::min(best, ms);
    }
  }
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("bestMs", best);
  result.Set("meanMs", total / iterations);
  return result;
}

// The seed's pair loss on embeddings a, b [rows, dim] with labels s [rows] (1 = similar):
//   sq = sum_k (a - b)^2, d = sqrt(sq + epsilon), h = relu(margin - d),
//   loss_i = s sq + (1 - s) h^2, reduced by mean (or sum),
// each step a float32 operation as tfjs' composable graph does it, and the gradient as tfjs'
// gradients of those operations (so a NaN appears exactly where tfjs' would: d = 0 with
// epsilon = 0 gives 0 / 0 in sqrt's gradient, for positive pairs too).
struct PairLossArgs {
  const float* a;
  const float* b;
  const float* similar;
  int rows, dim;
  float margin, epsilon;
  bool mean;
};

bool pairLossArgs(const Napi::CallbackInfo& info, Heap& heap, size_t first, PairLossArgs& args) {
  args.rows = intArg(info, first + 3);
  args.dim = intArg(info, first + 4);
  args.margin = static_cast<float>(numberArg(info, first + 5));
  args.epsilon = static_cast<float>(numberArg(info, first + 6));
  args.mean = info[first + 7].ToBoolean();
  const size_t count = static_cast<size_t>(args.rows) * args.dim;
  args.a = heap.floats(info[first], count, "a");
  args.b = heap.floats(info[first + 1], count, "b");
  args.similar = heap.floats(info[first + 2], args.rows, "similar");
  return args.rows > 0 && args.dim > 0;
}

// One pair's forward terms: sq = |a - b|^2, d = sqrt(sq + epsilon), t = margin - d, h = relu(t).
struct PairTerms {
  float squared, distance, marginGap, hinge;
};

PairTerms pairTerms(const PairLossArgs& args, int i) {
  const float* ai = args.a + static_cast<size_t>(i) * args.dim;
  const float* bi = args.b + static_cast<size_t>(i) * args.dim;
  float sq = 0.f;
  for (int k = 0; k < args.dim; ++k) {
    const float diff = ai[k] - bi[k];
    sq += diff * diff;
  }
  const float d = args.epsilon == 0.f ? std::sqrt(sq) : std::sqrt(sq + args.epsilon);
  const float t = args.margin - d;
  return {sq, d, t, t < 0.f ? 0.f : t};
}

// contrastiveLoss(memory, aOffset, bOffset, similarOffset, rows, dim, margin, epsilon, mean, outOffset)
Napi::Value ContrastiveLoss(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 10)) return info.Env().Undefined();
  siamese::KernelTimer timer;
  Heap heap = heapOf(info[0]);
  PairLossArgs args;
  const bool sized = pairLossArgs(info, heap, 1, args);
  float* out = heap.floats(info[9], 1, "out");
  if (!report(info, heap)) return info.Env().Undefined();
  float total = 0.f;
  for (int i = 0; sized && i < args.rows; ++i) {
    const PairTerms p = pairTerms(args, i);
    total += args.similar[i] * p.squared + (1.f - args.similar[i]) * (p.hinge * p.hinge);
  }
  *out = args.mean ? total / static_cast<float>(args.rows) : total;
  return info.Env().Undefined();
}

// contrastiveLossGrad(memory, aOffset, bOffset, similarOffset, rows, dim, margin, epsilon, mean, dyOffset, daOffset, dbOffset)
Napi::Value ContrastiveLossGrad(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 12)) return info.Env().Undefined();
  siamese::KernelTimer timer;
  Heap heap = heapOf(info[0]);
  PairLossArgs args;
  const bool sized = pairLossArgs(info, heap, 1, args);
  const float* dy = heap.floats(info[9], 1, "dy");
  const size_t count = static_cast<size_t>(args.rows) * args.dim;
  float* da = heap.floats(info[10], count, "da");
  float* db = heap.floats(info[11], count, "db");
  if (!report(info, heap) || !sized) return info.Env().Undefined();
  const float perPair = args.mean ? *dy / static_cast<float>(args.rows) : *dy;
  for (int i = 0; i < args.rows; ++i) {
    const float* ai = args.a + static_cast<size_t>(i) * args.dim;
    const float* bi = args.b + static_cast<size_t>(i) * args.dim;
    const PairTerms p = pairTerms(args, i);
    const float s = args.similar[i];
    const float dHinge = perPair * (1.f - s);
    const float dH = dHinge * (p.hinge * 2.f);
    const float step = std::isnan(p.marginGap) ? p.marginGap : (p.marginGap > 0.f ? 1.f : 0.f);
    const float dT = dH * step;
    const float dSqrtInput = -dT / (p.distance * 2.f);
    const float dSq = perPair * s + dSqrtInput;  // the squared distance feeds both terms
    for (int k = 0; k < args.dim; ++k) {
      const float g = dSq * ((ai[k] - bi[k]) * 2.f);
      da[static_cast<size_t>(i) * args.dim + k] = g;
      db[static_cast<size_t>(i) * args.dim + k] = -g;
    }
  }
  return info.Env().Undefined();
}

// rankQueries(queries: Float64Array, queryLabels: Int32Array, references: Float64Array,
//             referenceLabels: Int32Array, dim, sameSource, averagePrecision: Float64Array,
//             hitAtOne: Uint8Array): fills the last two, one entry per query.
Napi::Value RankQueries(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 8)) return info.Env().Undefined();
  const bool typed = info[0].IsTypedArray() && info[1].IsTypedArray() && info[2].IsTypedArray() && info[3].IsTypedArray() &&
                     info[6].IsTypedArray() && info[7].IsTypedArray();
  if (!typed) {
    Napi::TypeError::New(info.Env(), "blas addon: rankQueries expects typed arrays").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  auto queries = info[0].As<Napi::Float64Array>();
  auto queryLabels = info[1].As<Napi::Int32Array>();
  auto references = info[2].As<Napi::Float64Array>();
  auto referenceLabels = info[3].As<Napi::Int32Array>();
  const long dim = intArg(info, 4);
  auto averagePrecision = info[6].As<Napi::Float64Array>();
  auto hitAtOne = info[7].As<Napi::Uint8Array>();
  const long queryRows = static_cast<long>(queryLabels.ElementLength());
  const long referenceRows = static_cast<long>(referenceLabels.ElementLength());
  if (dim < 1 || static_cast<long>(queries.ElementLength()) != queryRows * dim ||
      static_cast<long>(references.ElementLength()) != referenceRows * dim ||
      static_cast<long>(averagePrecision.ElementLength()) != queryRows || static_cast<long>(hitAtOne.ElementLength()) != queryRows ||
      (info[5].ToBoolean() && queryRows != referenceRows)) {
    Napi::RangeError::New(info.Env(), "blas addon: rankQueries: sizes do not fit").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const siamese::RankingInput input{queries.Data(), queryLabels.Data(), queryRows, references.Data(), referenceLabels.Data(),
                                    referenceRows, dim, info[5].ToBoolean()};
  siamese::rankQueries(input, averagePrecision.Data(), hitAtOne.Data());
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  siamese::startThreadPool();
  exports.Set("batchedMatMul", Napi::Function::New(env, BatchedMatMul));
  exports.Set("denseForward", Napi::Function::New(env, DenseForward));
  exports.Set("denseBackward", Napi::Function::New(env, DenseBackward));
  exports.Set("optimizerUpdate", Napi::Function::New(env, OptimizerUpdate));
  exports.Set("allFinite", Napi::Function::New(env, AllFinite));
  exports.Set("triad", Napi::Function::New(env, Triad));
  exports.Set("conv2d", Napi::Function::New(env, Conv2d));
  exports.Set("convInfo", Napi::Function::New(env, ConvInfo));
  exports.Set("maxPool", Napi::Function::New(env, MaxPool));
  exports.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("providers", Napi::Function::New(env, Providers));
  exports.Set("setProvider", Napi::Function::New(env, SetProvider));
  exports.Set("providerInfo", Napi::Function::New(env, ProviderInfo));
  exports.Set("getConfig", Napi::Function::New(env, GetConfig));
  exports.Set("timers", Napi::Function::New(env, Timers));
  exports.Set("gemmBound", Napi::Function::New(env, GemmBound));
  exports.Set("contrastiveLoss", Napi::Function::New(env, ContrastiveLoss));
  exports.Set("contrastiveLossGrad", Napi::Function::New(env, ContrastiveLossGrad));
  exports.Set("rankQueries", Napi::Function::New(env, RankQueries));
  return exports;
}

}  // namespace

NODE_API_MODULE(siamese_lab_blas, Init)
