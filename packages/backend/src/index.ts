export { tf } from './tfjs.ts';
export type { GradSaveFunc, Optimizer, Rank, Scalar, Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
export { selectBackend, availableBackends, type ActiveBackend, type SelectBackendOptions } from './select-backend.ts';
export { backendSettingSchema, BACKEND_NAMES, type BackendName, type ConcreteBackendName } from './settings.ts';
export { denseLayer, type DenseLayerOptions } from './dense-layer.ts';
export { type BlasAddon, type GemmProviderInfo, type GemmProviderName } from './native-addon.ts';
export {
  describeNumerics,
  numericsDifferences,
  formatNumerics,
  parseNumerics,
  type Numerics,
  type GemmDescription,
  type ConvDescription,
} from './numerics.ts';
export { createTrainingOptimizer, type TrainingOptimizer, type PreparedUpdate } from './fused-optimizer.ts';
export { streamTriad } from './blas-backend.ts';
export { readNativeTimers, measureGemmBound, nativeQueryRanking, builtGemmProviders } from './gemm-provider.ts';
export { fusedContrastiveLoss, fusedContrastiveLossStacked, type FusedPairLossOptions } from './pair-loss.ts';
export { stackedHalves } from './stacked.ts';
