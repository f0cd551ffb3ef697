/**
 * A write-only encoder for the small part of the ONNX format gankit's native kernels need:
 * a model of float32 graph inputs and outputs, and nodes (default ONNX domain or another
 * operator set) with int, int-list and float attributes. (Protobuf wire format by hand: the maintained protobuf libraries need
 * the whole onnx.proto schema compiled in for the ~15 fields used here.)
 */

/** A node attribute: an int, a list of ints, or a float written as `{ float: x }`. */
export type OnnxAttribute = number | number[] | { float: number };

/** An ONNX node: `opType` over named tensors, with int, int-list and float attributes. */
export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, OnnxAttribute>;
  /** The operator set the op comes from; the default ONNX domain when absent. */
  domain?: string;
}

/** A float32 graph input or output; a negative dimension is left for onnxruntime to infer. */
export interface OnnxValue {
  name: string;
  shape: readonly number[];
}

/** An ONNX graph as {@link encodeOnnxModel} takes it. */
export interface OnnxGraph {
  nodes: OnnxNode[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
}

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;
const ATTR_FLOAT = 1;
const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2;
const ATTR_INTS = 7;
const IR_VERSION = 8;
const OPSET = 18; // Col2Im needs 18

class ProtoWriter {
  private readonly bytes: number[] = [];

  private varint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`onnx model: ${value} is not an integer`);
    // int64 two's complement: negative values take ten bytes
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, value, true); // protobuf's fixed32 is little-endian
    this.bytes.push(...new Uint8Array(view.buffer));
    return this;
  }

  int(field: number, value: number): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  raw(field: number, data: Uint8Array): this {
    this.tag(field, WIRE_BYTES);
    this.varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.raw(field, new TextEncoder().encode(value));
  }

  message(field: number, body: ProtoWriter): this {
    return this.raw(field, body.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function valueInfo(value: OnnxValue): ProtoWriter {
  const shape = new ProtoWriter();
  value.shape.forEach((d, i) => {
    // dim { dim_value }, or a named dim_param where the size is left to onnxruntime (d < 0)
    shape.message(1, d >= 0 ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, `d${i}`));
  });
  const tensorType = new ProtoWriter().int(1, FLOAT).message(2, shape); // elem_type, shape
  return new ProtoWriter().string(1, value.name).message(2, new ProtoWriter().message(1, tensorType));
}

function attribute(name: string, value: OnnxAttribute): ProtoWriter {
  const a = new ProtoWriter().string(1, name);
  if (typeof value === 'object' && !Array.isArray(value)) return a.float(2, value.float).int(20, ATTR_FLOAT); // f
  if (Array.isArray(value)) {
    for (const v of value) a.int(8, v); // ints
    return a.int(20, ATTR_INTS);
  }
  return a.int(3, value).int(20, ATTR_INT); // i
}

function node(n: OnnxNode, index: number): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, `${n.opType}_${index}`).string(4, n.opType);
  if (n.domain !== undefined) w.string(7, n.domain);
  for (const [name, value] of Object.entries(n.attributes ?? {})) w.message(5, attribute(name, value));
  return w;
}

/**
 * The ONNX ModelProto bytes (IR version 8, default-domain opset 18) of a graph.
 * @throws RangeError for a non-integer attribute or dimension
 */
export function encodeOnnxModel(graph: OnnxGraph): Uint8Array {
  const g = new ProtoWriter();
  graph.nodes.forEach((n, i) => {
    g.message(1, node(n, i));
  });
  g.string(2, 'gankit');
  for (const v of graph.inputs) g.message(11, valueInfo(v));
  for (const v of graph.outputs) g.message(12, valueInfo(v));
  const model = new ProtoWriter()
    .int(1, IR_VERSION)
    .string(2, 'gankit')
    .message(7, g)
    .message(8, new ProtoWriter().string(1, '').int(2, OPSET));
  const domains = new Set(graph.nodes.flatMap((n) => (n.domain === undefined ? [] : [n.domain])));
  for (const d of domains) model.message(8, new ProtoWriter().string(1, d).int(2, 1));
  return model.finish();
}
