export { buildOnnxModel, ONNX_OPSET } from './graph.ts';
export { decodeModelProto } from './onnx-schema.ts';
export type {
  ConvLayer,
  DenseLayer,
  InvertLayer,
  LayerActivation,
  ModelDescription,
  PoolLayer,
  Rotate90Layer,
  ScaleLayer,
  NormalizeLayer,
  SisterDescription,
  SisterLayer,
} from './layers.ts';
