// N-API addon: OpenBLAS sgemm and fused dense-layer kernels that work in place on the
// tfjs wasm backend's memory. Every function takes the wasm memory's ArrayBuffer first
// and byte offsets into it, so no tensor data is copied between JavaScript and C++.
#include <napi.h>
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace {

enum Activation { kLinear = 0, kRelu = 1, kRelu6 = 2, kLeakyRelu = 3, kElu = 4, kSigmoid = 5 };
enum BiasMode { kNoBias = 0, kBiasScalar = 1, kBiasPerColumn = 2, kBiasFullMatrix = 3 };

// A view of the wasm heap; every pointer handed out is bounds-checked against it.
struct Heap {
  uint8_t* base = nullptr;
  size_t bytes = 0;
  bool ok = true;
  std::string problem;

  float* floats(const Napi::Value& offsetValue, size_t count, const char* what) {
    double offset = offsetValue.As<Napi::Number>().DoubleValue();
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
      for (size_t i = 0; i < count; ++i) values[i] = values[i] > 0.f ? values[i] : 0.f;
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
      cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                  m, n, k, 1.f, a + aSize * (i % aBatches), lda, b + bSize * (i % bBatches), ldb,
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
  Heap heap = heapOf(info[0]);
  const int rows = intArg(info, 5), inputs = intArg(info, 6), outputs = intArg(info, 7);
  const bool relu = info[8].ToBoolean();
  const float* x = heap.floats(info[1], static_cast<size_t>(rows) * inputs, "x");
  const float* weights = heap.floats(info[2], static_cast<size_t>(inputs) * outputs, "weights");
  const float* bias = heap.floats(info[3], outputs, "bias");
  float* out = heap.floats(info[4], static_cast<size_t>(rows) * outputs, "out");
  if (!report(info, heap) || rows == 0 || outputs == 0) return info.Env().Undefined();
  fillBias(out, rows, outputs, bias, kBiasPerColumn);
  if (inputs > 0) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, outputs, inputs, 1.f, x, inputs, weights,
                outputs, 1.f, out, outputs);
  }
  if (relu) applyActivation(out, static_cast<size_t>(rows) * outputs, kRelu, 0.f);
  return info.Env().Undefined();
}

thread_local std::vector<float> maskedGradientScratch;

// denseBackward(memory, dyOffset, outOffset, xOffset, weightsOffset, dxOffset (-1: skip),
//               dWeightsOffset, dBiasOffset, rows, inputs, outputs, relu)
// With dz = relu ? dy * (out > 0) : dy: dBias = column sums of dz, dWeights = x^T dz,
// dx = dz weights^T.
Napi::Value DenseBackward(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 12)) return info.Env().Undefined();
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
    for (size_t i = 0; i < outCount; ++i) masked[i] = out[i] > 0.f ? dy[i] : 0.f;
    dz = masked;
  }
  std::fill(dBias, dBias + outputs, 0.f);
  for (int r = 0; r < rows; ++r) {
    const float* row = dz + static_cast<size_t>(r) * outputs;
    for (int c = 0; c < outputs; ++c) dBias[c] += row[c];
  }
  if (rows == 0) {
    std::fill(dWeights, dWeights + static_cast<size_t>(inputs) * outputs, 0.f);
  } else if (inputs > 0 && outputs > 0) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, inputs, outputs, rows, 1.f, x, inputs, dz, outputs, 0.f,
                dWeights, outputs);
  }
  if (dx != nullptr) {
    if (outputs == 0) {
      std::fill(dx, dx + static_cast<size_t>(rows) * inputs, 0.f);
    } else if (rows > 0 && inputs > 0) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, inputs, outputs, 1.f, dz, outputs, weights,
                  outputs, 0.f, dx, inputs);
    }
  }
  return info.Env().Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  if (!checkArgs(info, 1)) return info.Env().Undefined();
  openblas_set_num_threads(std::max(1, intArg(info, 0)));
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
}

Napi::Value GetConfig(const Napi::CallbackInfo& info) {
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("config", Napi::String::New(info.Env(), openblas_get_config()));
  result.Set("corename", Napi::String::New(info.Env(), openblas_get_corename()));
  return result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("batchedMatMul", Napi::Function::New(env, BatchedMatMul));
  exports.Set("denseForward", Napi::Function::New(env, DenseForward));
  exports.Set("denseBackward", Napi::Function::New(env, DenseBackward));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("getConfig", Napi::Function::New(env, GetConfig));
  return exports;
}

}  // namespace

NODE_API_MODULE(siamese_lab_blas, Init)
