/**
 * Builds an ONNX graph in code: nodes with unique intermediate value names and the constants they
 * read, for {@link encodeOnnxModel}. Used by every graph the project generates from the decoder chain.
 */
import type { OnnxInitializer, OnnxNode } from './onnx-proto.js';

/** Collects nodes and constant initializers; every helper returns the name of the value it defines. */
export class OnnxGraphBuilder {
  /** Nodes in the order they were added (a valid topological order when each input was defined first). */
  readonly nodes: OnnxNode[] = [];
  /** Constants and baked-in weights. */
  readonly initializers: OnnxInitializer[] = [];
  #counter = 0;
  readonly #prefix: string;

  /** `prefix` starts every generated name, so two graphs that exchange values never reuse a name. */
  constructor(prefix = '') {
    this.#prefix = prefix;
  }

  /** One node with one output (named `output`, or a fresh name); returns the output's name. */
  op(opType: string, inputs: string[], attributes: OnnxNode['attributes'] = [], output?: string): string {
    const out = output ?? this.#fresh(opType);
    this.nodes.push({ opType, inputs, outputs: [out], attributes });
    return out;
  }

  /** One node with `outputs` fresh outputs; returns their names. */
  ops(opType: string, inputs: string[], outputs: number, attributes: OnnxNode['attributes'] = []): string[] {
    const outs = Array.from({ length: outputs }, () => this.#fresh(opType));
    this.nodes.push({ opType, inputs, outputs: outs, attributes });
    return outs;
  }

  /** An int64 vector constant (shapes, axes, indices). */
  ints(values: number[], name?: string): string {
    const n = name ?? `${this.#prefix}const_i64_${this.#counter++}`;
    this.initializers.push({ name: n, dims: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) });
    return n;
  }

  /** An int64 scalar constant. */
  intScalar(value: number): string {
    const n = `${this.#prefix}const_i64_${this.#counter++}`;
    this.initializers.push({ name: n, dims: [], data: BigInt64Array.from([BigInt(value)]) });
    return n;
  }

  /** A float32 scalar constant. */
  float(value: number): string {
    const n = `${this.#prefix}const_f32_${this.#counter++}`;
    this.initializers.push({ name: n, dims: [], data: Float32Array.from([value]) });
    return n;
  }

  /** A named float32 tensor constant (a table or a baked-in weight). */
  floats(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push({ name, dims, data });
    return name;
  }

  #fresh(opType: string): string {
    return `${this.#prefix}${opType.toLowerCase()}_${this.#counter++}`;
  }
}
