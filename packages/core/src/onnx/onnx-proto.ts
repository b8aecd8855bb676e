/**
 * A minimal protobuf encoder for the few ONNX messages needed to build graphs in memory
 * (ModelProto, GraphProto, NodeProto, AttributeProto, ValueInfoProto, TypeProto, TensorProto).
 * Field numbers follow onnx/onnx.proto3. Hand-written because the format subset is ~100 lines and a
 * protobuf runtime plus generated code would be a large dependency for it.
 */

/** ONNX TensorProto.DataType.FLOAT. */
export const ONNX_FLOAT = 1;
/** ONNX TensorProto.DataType.INT32. */
export const ONNX_INT32 = 6;
/** ONNX TensorProto.DataType.INT64 (token ids, positions and shapes in Hugging Face exports). */
export const ONNX_INT64 = 7;
/** ONNX TensorProto.DataType.BOOL. */
export const ONNX_BOOL = 9;

/**
 * Appends protobuf wire-format values. Large payloads (initializers) are kept as separate chunks, not
 * copied byte by byte, so a model with megabytes of weights encodes in about one memcpy.
 */
class Writer {
  private readonly parts: Uint8Array[] = [];
  private pending: number[] = [];
  private size = 0;

  get length(): number {
    return this.size + this.pending.length;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.parts.push(Uint8Array.from(this.pending));
    this.size += this.pending.length;
    this.pending = [];
  }

  varint(v: number | bigint): void {
    // int64 fields encode negatives as 10-byte two's complement; ONNX dims and attributes can be negative (e.g. axis -1).
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.pending.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.pending.push(Number(x));
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number | bigint): void {
    this.tag(field, 0);
    this.varint(v);
  }

  float(field: number, v: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.pending.push(...b);
  }

  raw(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    this.chunk(data);
  }

  string(field: number, s: string): void {
    this.raw(field, new TextEncoder().encode(s));
  }

  message(field: number, encode: (w: Writer) => void): void {
    const inner = new Writer();
    encode(inner);
    this.tag(field, 2);
    this.varint(inner.length);
    inner.flush();
    for (const part of inner.parts) this.chunk(part);
  }

  private chunk(data: Uint8Array): void {
    if (data.length < 64) {
      for (let i = 0; i < data.length; i++) this.pending.push(data[i]!);
      return;
    }
    this.flush();
    this.parts.push(data);
    this.size += data.length;
  }

  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
}

/** One tensor dimension: a fixed size or a symbolic name shared by inputs/outputs. */
export type OnnxDim = number | string;

/** A graph input or output: name, element type (default float32), shape with fixed or symbolic dims. */
export interface OnnxValueInfo {
  name: string;
  dims: OnnxDim[];
  /** TensorProto.DataType, e.g. {@link ONNX_INT64}; default {@link ONNX_FLOAT}. */
  elemType?: number;
}

/** A node attribute; integers become INT, non-integers FLOAT, number arrays INTS. */
export interface OnnxAttribute {
  name: string;
  value: number | number[] | string;
  /** Forces FLOAT for integral values such as Gemm's alpha = 1. */
  float?: boolean;
}

/** One graph node (an operator application). */
export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attributes?: OnnxAttribute[];
}

/** A constant baked into the graph; the element type follows the array (f32, int32 or int64). */
export interface OnnxInitializer {
  name: string;
  dims: number[];
  data: Float32Array | Int32Array | BigInt64Array;
}

/** A whole single-graph model. */
export interface OnnxModel {
  nodes: OnnxNode[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers?: OnnxInitializer[];
  graphName?: string;
  /** ModelProto.producer_name; default `@rlvr/core`. */
  producer?: string;
  /** Default opset 17 (ai.onnx); ir_version is 8, the IR that opset 17 pairs with. */
  opset?: number;
  /** Extra operator-set domains, e.g. `{ domain: 'com.microsoft', version: 1 }`. */
  extraOpsets?: { domain: string; version: number }[];
}

function encodeValueInfo(w: Writer, v: OnnxValueInfo): void {
  w.string(1, v.name); // ValueInfoProto.name
  w.message(2, (type) =>
    // ValueInfoProto.type: TypeProto
    type.message(1, (tt) => {
      // TypeProto.tensor_type
      tt.int(1, v.elemType ?? ONNX_FLOAT); // elem_type
      tt.message(2, (shape) => {
        // TensorShapeProto
        for (const d of v.dims) {
          shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d))); // dim_value | dim_param
        }
      });
    }),
  );
}

function encodeAttribute(w: Writer, a: OnnxAttribute): void {
  w.string(1, a.name);
  if (typeof a.value === 'string') {
    w.string(4, a.value);
    w.int(20, 3); // AttributeType.STRING
  } else if (Array.isArray(a.value)) {
    for (const i of a.value) w.int(8, i); // ints (unpacked form is always accepted)
    w.int(20, 7); // INTS
  } else if (a.float || !Number.isInteger(a.value)) {
    w.float(2, a.value);
    w.int(20, 1); // FLOAT
  } else {
    w.int(3, a.value);
    w.int(20, 2); // INT
  }
}

function tensorType(data: OnnxInitializer['data']): number {
  if (data instanceof Float32Array) return ONNX_FLOAT;
  if (data instanceof Int32Array) return ONNX_INT32;
  return ONNX_INT64;
}

function encodeTensor(w: Writer, t: OnnxInitializer): void {
  for (const d of t.dims) w.int(1, d); // dims
  w.int(2, tensorType(t.data)); // data_type
  w.string(8, t.name);
  // raw_data is little-endian by spec; typed arrays are host-endian, and every supported host is little-endian.
  w.raw(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

/** Encodes a model as ONNX ModelProto bytes, ready for `InferenceSession.create(bytes)`. */
export function encodeOnnxModel(m: OnnxModel): Uint8Array {
  const w = new Writer();
  w.int(1, 8); // ir_version
  w.string(2, m.producer ?? '@rlvr/core'); // producer_name
  w.message(7, (g) => {
    // graph
    for (const n of m.nodes) {
      g.message(1, (nw) => {
        for (const i of n.inputs) nw.string(1, i);
        for (const o of n.outputs) nw.string(2, o);
        if (n.name) nw.string(3, n.name);
        nw.string(4, n.opType);
        for (const a of n.attributes ?? []) nw.message(5, (aw) => encodeAttribute(aw, a));
        if (n.domain) nw.string(7, n.domain);
      });
    }
    g.string(2, m.graphName ?? 'graph');
    for (const t of m.initializers ?? []) g.message(5, (tw) => encodeTensor(tw, t));
    for (const v of m.inputs) g.message(11, (vw) => encodeValueInfo(vw, v));
    for (const v of m.outputs) g.message(12, (vw) => encodeValueInfo(vw, v));
  });
  w.message(8, (o) => {
    // opset_import
    o.string(1, '');
    o.int(2, m.opset ?? 17);
  });
  for (const extra of m.extraOpsets ?? []) {
    w.message(8, (o) => {
      o.string(1, extra.domain);
      o.int(2, extra.version);
    });
  }
  return w.finish();
}
