export {
  readIdx,
  parseIdx,
  encodeIdx,
  readIdxBytes,
  isGzip,
  idxTypeCode,
  type IdxArray,
  type IdxDataType,
  type IdxTypedArray,
} from './idx.ts';
export {
  readNpy,
  readNpz,
  parseNpy,
  parseNpz,
  encodeNpy,
  encodeNpz,
  writeNpy,
  writeNpz,
  npyNumbers,
  type NpyArray,
  type NpyDataType,
  type NpyNumericData,
} from './npy.ts';
export {
  loadIdxDataset,
  datasetFromIdx,
  bytesToUnitFloats,
  imageSize,
  selectExamples,
  sliceExamples,
  sha256Hex,
  type Dataset,
  type LoadIdxDatasetOptions,
} from './dataset.ts';
export {
  loadMnist,
  loadFashionMnist,
  seedSplit,
  defaultMnistDirectory,
  DEFAULT_FASHION_MNIST_DIRECTORY,
  MNIST_SHA256,
  FASHION_MNIST_SHA256,
  MNIST_CLASS_NAMES,
  FASHION_MNIST_CLASS_NAMES,
  datasetClassNames,
  verifiedFingerprint,
  IDX_FILE_NAMES,
  type IdxFileKey,
  type TrainTest,
} from './mnist.ts';
export { fingerprintOf, digestFile, type DataFingerprint, type FileDigest } from './fingerprint.ts';
export { splitDataset, type SplitOptions } from './split.ts';
export {
  loadImageFolder,
  normalizePixels,
  normalizeUnitFloats,
  type ImageFolderOptions,
  type LoadedSource,
  type Normalization,
  type InputEncoding,
} from './image-folder.ts';
export { loadNpySource, type NpySourceOptions } from './npy-source.ts';
export { defaultCacheDirectory } from './decode-cache.ts';
export { loadDataSource, type SourceData, type LoadSourceOptions } from './source.ts';
export { takeSubset, indicesByClass, type SubsetOptions } from './subset.ts';
export { transformDataset, type TransformOptions } from './transform.ts';
export {
  createPairSampler,
  createEpochBatcher,
  validatePairSamplerOptions,
  type PairSampler,
  type PairSamplerOptions,
  type PairBatch,
  type EpochBatcher,
} from './pairs.ts';
export {
  createClassBalancedSampler,
  type ClassBalancedSampler,
  type ClassBalancedSamplerOptions,
  type LabelledBatch,
} from './class-balanced-sampler.ts';
export {
  dataSettingsSchema,
  samplerSettingsSchema,
  datasetNames,
  type DatasetName,
  type DataSettings,
  type PairSamplerKind,
  isBatchSamplerKind,
  SAMPLER_KINDS,
  type SamplerKind,
  type BatchSamplerKind,
} from './settings.ts';
