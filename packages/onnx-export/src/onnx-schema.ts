import protobuf from 'protobufjs';

/**
 * The part of ONNX's protobuf schema (onnx.proto, IR version 8) that a feed-forward model needs,
 * as a protobufjs descriptor. The field numbers are the standard's; unused fields are left out
 * (protobuf readers skip nothing they need: absent optional fields keep their defaults).
 */
const descriptor = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ir_version: { type: 'int64', id: 1 },
            producer_name: { type: 'string', id: 2 },
            producer_version: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            model_version: { type: 'int64', id: 5 },
            doc_string: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opset_import: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadata_props: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { type: 'string', id: 1 },
            version: { type: 'int64', id: 2 },
          },
        },
        StringStringEntryProto: {
          fields: {
            key: { type: 'string', id: 1 },
            value: { type: 'string', id: 2 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            doc_string: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            op_type: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            doc_string: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            /** The discriminator: which of the value fields is set (AttributeType). */
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            data_type: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            raw_data: { type: 'bytes', id: 9 },
            doc_string: { type: 'string', id: 12 },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            doc_string: { type: 'string', id: 3 },
          },
        },
        TypeProto: {
          fields: {
            tensor_type: { type: 'TypeProtoTensor', id: 1 },
          },
        },
        // TypeProto.Tensor, flattened to a top-level name (names are not on the wire).
        TypeProtoTensor: {
          fields: {
            elem_type: { type: 'int32', id: 1 },
            shape: { type: 'TensorShapeProto', id: 2 },
          },
        },
        TensorShapeProto: {
          fields: {
            dim: { rule: 'repeated', type: 'TensorShapeDimension', id: 1 },
          },
        },
        // TensorShapeProto.Dimension: one of dim_value or dim_param is set.
        TensorShapeDimension: {
          fields: {
            dim_value: { type: 'int64', id: 1 },
            dim_param: { type: 'string', id: 2 },
          },
        },
      },
    },
  },
};

/** TensorProto.DataType values used here. */
export const onnxDataType = { float: 1, int64: 7 } as const;

/** AttributeProto.AttributeType values used here. */
export const onnxAttributeType = { float: 1, int: 2, string: 3, ints: 7 } as const;

const root = protobuf.Root.fromJSON(descriptor);
const modelProto = root.lookupType('onnx.ModelProto');

/** Serialises a ModelProto given as a plain object with the schema's (snake_case) field names. */
export function encodeModelProto(model: Record<string, unknown>): Uint8Array {
  const problem = modelProto.verify(model);
  if (problem) throw new Error(`not a valid ONNX ModelProto: ${problem}`);
  return modelProto.encode(modelProto.fromObject(model)).finish();
}

/** Parses ONNX bytes back into a plain object (for tests and checks). */
export function decodeModelProto(bytes: Uint8Array): Record<string, unknown> {
  return modelProto.toObject(modelProto.decode(bytes), { longs: Number });
}
