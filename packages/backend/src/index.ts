export { tf } from './tfjs.ts';
export type {
  DataType,
  GradSaveFunc,
  NamedTensorMap,
  Optimizer,
  Rank,
  Scalar,
  Tensor,
  Tensor1D,
  Tensor2D,
  Tensor3D,
  TensorLike,
  Variable,
} from '@tensorflow/tfjs-core';
export { selectBackend, availableBackends, FAST_PATH_HINT, type ActiveBackend, type SelectBackendOptions } from './select-backend.ts';
export { backendSettingSchema, BACKEND_NAMES, type BackendName, type ConcreteBackendName } from './settings.ts';
export { denseLayer, type DenseLayerOptions } from './dense-layer.ts';
export {
  setBlasAddonLoader,
  GEMM_PROVIDERS,
  type BlasAddon,
  type BlasAddonLoader,
  type GemmProviderInfo,
  type GemmProviderName,
} from './native-addon.ts';
export {
  describeNumerics,
  numericsIdentity,
  numericsDifferences,
  formatNumerics,
  parseNumerics,
  numericsCpuFlags,
  type Numerics,
  type GemmDescription,
} from './numerics.ts';
export { createTrainingOptimizer, type TrainingOptimizer, type PreparedUpdate } from './fused-optimizer.ts';
export { readNativeTimers, measureGemmBound } from './gemm-provider.ts';
export { fusedContrastiveLoss, type FusedPairLossOptions } from './pair-loss.ts';
