import type { LayerActivation, ModelDescription, SisterDescription } from './layers.ts';
import { encodeModelProto, onnxAttributeType, onnxDataType } from './onnx-schema.ts';

/** The operator set the graphs use: 13 has every operator here with axes as inputs (Unsqueeze, Slice). */
export const ONNX_OPSET = 13;
/** IR version 8 (ONNX 1.10): read by every onnxruntime since 1.10. */
const IR_VERSION = 8;

interface Attribute {
  name: string;
  type: number;
  i?: number;
  f?: number;
  ints?: number[];
}

interface OnnxNode {
  op_type: string;
  name: string;
  input: string[];
  output: string[];
  attribute: Attribute[];
}

interface Initializer {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

const intsAttribute = (name: string, ints: number[]): Attribute => ({ name, type: onnxAttributeType.ints, ints });
const intAttribute = (name: string, i: number): Attribute => ({ name, type: onnxAttributeType.int, i });

/** Little-endian bytes of a typed array (the raw_data layout ONNX requires; Node runs little-endian). */
function rawBytes(values: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

/** Where a sister's value is: the input as given (NHWC or flat), an NCHW image for ONNX's image operators, or flat features. */
type Layout = 'nhwc' | 'nchw' | 'flat';

/** Collects one graph's nodes and initializers; names are prefixed per sister so two sisters share a graph. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: Initializer[] = [];
  private count = 0;

  constructor(private readonly prefix: string) {}

  name(what: string): string {
    return `${this.prefix}/${what}_${this.count++}`;
  }

  floats(what: string, values: Float32Array, dims: number[]): string {
    const name = this.name(what);
    this.initializers.push({ name, dims, data_type: onnxDataType.float, raw_data: rawBytes(values) });
    return name;
  }

  int64s(what: string, values: Array<number | bigint>): string {
    const name = this.name(what);
    const data = BigInt64Array.from(values, (value) => BigInt(value));
    this.initializers.push({ name, dims: [values.length], data_type: onnxDataType.int64, raw_data: rawBytes(data) });
    return name;
  }

  node(opType: string, inputs: string[], attributes: Attribute[] = [], output = this.name(opType.toLowerCase())): string {
    this.nodes.push({ op_type: opType, name: this.name(`${opType}_node`), input: inputs, output: [output], attribute: attributes });
    return output;
  }
}

const INT64_MIN = -(2n ** 63n);

function activate(graph: GraphBuilder, x: string, activation: LayerActivation): string {
  if (activation === 'relu') return graph.node('Relu', [x]);
  if (activation === 'tanh') return graph.node('Tanh', [x]);
  if (activation === 'sigmoid') return graph.node('Sigmoid', [x]);
  return x;
}

/** [k, k, in, out] (tfjs, HWIO) to [out, in, k, k] (ONNX, OIHW). */
function kernelToOihw(kernel: Float32Array, [rows, cols, inputs, outputs]: [number, number, number, number]): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      for (let i = 0; i < inputs; i++) {
        for (let o = 0; o < outputs; o++)
          out[((o * inputs + i) * rows + r) * cols + c] = kernel[((r * cols + c) * inputs + i) * outputs + o];
      }
    }
  }
  return out;
}

function checkLength(what: string, values: Float32Array, dims: number[]): void {
  const expected = dims.reduce((product, dim) => product * dim, 1);
  if (values.length !== expected) throw new Error(`${what}: ${values.length} values for shape [${dims.join(', ')}]`);
}

/**
 * Adds one sister's nodes: the input as given (NHWC; channels of 1 may be left out), image layers
 * in NCHW (the layout of ONNX's Conv and pools: the input is transposed in the graph, kernels at
 * export), and before the first dense layer back to NHWC and flattened, so that dense weights keep
 * tfjs' feature order. Returns the output's value name.
 */
function addSister(graph: GraphBuilder, sister: SisterDescription): { input: string; output: string; outputSize: number } {
  const { rows, cols, channels } = sister.image;
  let x = sister.inputName;
  let layout = 'nhwc' as Layout; // toNchw changes it: no narrowing
  let shape = { rows, cols, channels };
  let features = rows * cols * channels;
  const toNchw = () => {
    if (layout === 'nchw') return;
    if (layout === 'flat') throw new Error(`${sister.inputName}: an image layer after a dense layer`);
    // A single channel is left out of the input's shape: add it as axis 1.
    x =
      channels === 1
        ? graph.node('Unsqueeze', [x, graph.int64s('axes', [1])])
        : graph.node('Transpose', [x], [intsAttribute('perm', [0, 3, 1, 2])]);
    layout = 'nchw';
  };
  for (const layer of sister.layers) {
    switch (layer.kind) {
      case 'scale':
        x = graph.node('Mul', [x, graph.floats('scale', Float32Array.of(layer.factor), [])]);
        break;
      case 'invert':
        x = graph.node('Sub', [graph.floats('one', Float32Array.of(1), []), x]);
        break;
      case 'normalize': {
        if (layout === 'flat') throw new Error(`${sister.inputName}: normalisation after a dense layer`);
        if (layer.mean.length !== shape.channels || layer.std.length !== shape.channels)
          throw new Error(`${sister.inputName}: normalisation for ${layer.mean.length} channels on an image of ${shape.channels}`);
        // Broadcast along the channel axis: last in NHWC (absent for one channel), second in NCHW.
        const dims = layout === 'nchw' ? [shape.channels, 1, 1] : channels === 1 && shape.channels === 1 ? [] : [shape.channels];
        x = graph.node('Sub', [x, graph.floats('mean', Float32Array.from(layer.mean), dims)]);
        x = graph.node('Div', [x, graph.floats('std', Float32Array.from(layer.std), dims)]);
        break;
      }
      case 'rotate90':
        toNchw();
        // Transposed, then each row reversed: out(i, j) = in(rows - 1 - j, i).
        x = graph.node('Transpose', [x], [intsAttribute('perm', [0, 1, 3, 2])]);
        x = graph.node('Slice', [
          x,
          graph.int64s('starts', [-1]),
          graph.int64s('ends', [INT64_MIN]),
          graph.int64s('axes', [3]),
          graph.int64s('steps', [-1]),
        ]);
        shape = { ...shape, rows: shape.cols, cols: shape.rows };
        break;
      case 'max_pool':
      case 'average_pool':
        toNchw();
        x = graph.node(
          layer.kind === 'max_pool' ? 'MaxPool' : 'AveragePool',
          [x],
          [intsAttribute('kernel_shape', [layer.size, layer.size]), intsAttribute('strides', [layer.size, layer.size])],
        );
        shape = { ...shape, rows: Math.floor(shape.rows / layer.size), cols: Math.floor(shape.cols / layer.size) };
        break;
      case 'conv': {
        const [k, kCols, inputs, outputs] = layer.kernelShape;
        if (k !== kCols || k % 2 === 0)
          throw new Error(`${sister.inputName}: convolution kernels must be square and odd, got ${k}x${kCols}`);
        if (inputs !== shape.channels)
          throw new Error(`${sister.inputName}: a kernel for ${inputs} channels on an image of ${shape.channels}`);
        checkLength('kernel', layer.kernel, layer.kernelShape);
        checkLength('bias', layer.bias, [outputs]);
        toNchw();
        const pad = (k - 1) / 2;
        const kernel = graph.floats('kernel', kernelToOihw(layer.kernel, layer.kernelShape), [outputs, inputs, k, k]);
        const bias = graph.floats('bias', layer.bias, [outputs]);
        x = graph.node(
          'Conv',
          [x, kernel, bias],
          [intsAttribute('kernel_shape', [k, k]), intsAttribute('pads', [pad, pad, pad, pad]), intsAttribute('strides', [1, 1])],
        );
        x = activate(graph, x, layer.activation);
        shape = { ...shape, channels: outputs };
        break;
      }
      case 'dense': {
        if (layout === 'nchw') {
          x = graph.node('Transpose', [x], [intsAttribute('perm', [0, 2, 3, 1])]);
          layout = 'nhwc';
        }
        if (layout === 'nhwc') {
          features = shape.rows * shape.cols * shape.channels;
          x = graph.node('Flatten', [x], [intAttribute('axis', 1)]);
          layout = 'flat';
        }
        const [inputs, outputs] = layer.weightsShape;
        if (inputs !== features) throw new Error(`${sister.inputName}: a dense layer for ${inputs} features after ${features}`);
        checkLength('weights', layer.weights, layer.weightsShape);
        checkLength('bias', layer.bias, [outputs]);
        x = graph.node('Gemm', [x, graph.floats('weights', layer.weights, [inputs, outputs]), graph.floats('bias', layer.bias, [outputs])]);
        x = activate(graph, x, layer.activation);
        features = outputs;
        break;
      }
    }
  }
  if (layout !== 'flat') throw new Error(`${sister.inputName}: a sister must end with a dense layer (its embedding)`);
  graph.node('Identity', [x], [], sister.outputName);
  return { input: sister.inputName, output: sister.outputName, outputSize: features };
}

function tensorType(dims: Array<number | string>) {
  return {
    tensor_type: {
      elem_type: onnxDataType.float,
      shape: { dim: dims.map((dim) => (typeof dim === 'number' ? { dim_value: dim } : { dim_param: dim })) },
    },
  };
}

/**
 * The model as ONNX bytes (opset 13): per sister one float32 input [batch, rows, cols] (or
 * [batch, rows, cols, channels] when channels > 1) and one output [batch, embedding], the batch
 * dimension symbolic.
 */
export function buildOnnxModel(model: ModelDescription): Uint8Array {
  if (model.sisters.length === 0) throw new Error('a model needs at least one sister');
  const names = model.sisters.flatMap((sister) => [sister.inputName, sister.outputName]);
  if (new Set(names).size !== names.length) throw new Error(`input and output names must be distinct: ${names.join(', ')}`);
  const nodes: OnnxNode[] = [];
  const initializers: Initializer[] = [];
  const inputs: unknown[] = [];
  const outputs: unknown[] = [];
  model.sisters.forEach((sister, index) => {
    const graph = new GraphBuilder(`sister_${index}`);
    const { outputSize } = addSister(graph, sister);
    nodes.push(...graph.nodes);
    initializers.push(...graph.initializers);
    const batch = sister.batchName ?? 'batch';
    const { rows, cols, channels } = sister.image;
    inputs.push({ name: sister.inputName, type: tensorType(channels === 1 ? [batch, rows, cols] : [batch, rows, cols, channels]) });
    outputs.push({ name: sister.outputName, type: tensorType([batch, outputSize]) });
  });
  return encodeModelProto({
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'siamese-lab',
    producer_version: model.producerVersion,
    ...(model.docString !== undefined && { doc_string: model.docString }),
    metadata_props: Object.entries(model.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: { name: model.graphName, node: nodes, initializer: initializers, input: inputs, output: outputs },
  });
}
