/**
 * Safetensors reader and writer (https://github.com/huggingface/safetensors, format section):
 * u64 little-endian header length N, N bytes of UTF-8 JSON header, then the data buffer.
 * Written by hand because the format is tiny and the npm packages for it are either unmaintained or
 * pull in a whole tensor library. Reads F32, F16, BF16 and F64 (converted to Float32, since real
 * checkpoints ship F16/BF16); writes F32 only.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../atomic-write.js';
import { CoreError } from '../errors.js';

/** One named host tensor: row-major Float32 data and its shape. */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/** Named tensors as Hugging Face names them (`model.layers.0.self_attn.q_proj.weight` → tensor). */
export type NamedTensors = Record<string, NamedTensor>;

/** String-to-string metadata kept in the header's `__metadata__` entry. */
export type SafetensorsMetadata = Record<string, string>;

/** What a safetensors file holds: its tensors and its optional metadata. */
export interface SafetensorsContent {
  tensors: NamedTensors;
  metadata: SafetensorsMetadata;
}

/** A malformed safetensors file or an invalid tensor to write; `tensor` names the culprit when there is one. */
export class SafetensorsError extends CoreError {
  override readonly name = 'SafetensorsError';
  /** Creates the error; `tensor` is the name of the tensor at fault, if any. */
  constructor(
    message: string,
    readonly tensor?: string,
  ) {
    super(message);
  }
}

/** Largest accepted header: the reference implementation's limit (100 MB), which stops a corrupt length from allocating gigabytes. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Element sizes of every dtype the format defines; only F32/F16/BF16/F64 can be decoded to Float32. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};
const DECODABLE = ['F32', 'F16', 'BF16', 'F64'];

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

let f16Table: Float32Array | undefined;

/** Decodes one IEEE binary16 bit pattern (subnormals, ±inf and NaN included) to a number. */
export function f16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Decodes one bfloat16 bit pattern to a number: bfloat16 is the upper half of a binary32. */
export function bf16BitsToNumber(bits: number): number {
  const u = new Uint32Array([(bits & 0xffff) << 16]);
  return new Float32Array(u.buffer)[0]!;
}

/** Converts F16 bit patterns to Float32 (every binary16 value is exact in binary32). */
export function f16ToFloat32(src: Uint16Array): Float32Array {
  // A 65,536-entry table (256 KiB, built once) makes a 0.5B checkpoint's conversion a lookup per element.
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) f16Table[i] = f16BitsToNumber(i);
  }
  const table = f16Table;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = table[src[i]!]!;
  return out;
}

/** Converts BF16 bit patterns to Float32 exactly (NaN payloads kept) by shifting into the high half. */
export function bf16ToFloat32(src: Uint16Array): Float32Array {
  const bits = new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  return new Float32Array(bits.buffer);
}

function describe(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

/** Copies little-endian bytes into a fresh, aligned array of `count` elements of `bytesPer` bytes. */
function copyLE(bytes: Uint8Array, begin: number, count: number, bytesPer: number): ArrayBuffer {
  const buf = new ArrayBuffer(count * bytesPer);
  const dst = new Uint8Array(buf);
  dst.set(bytes.subarray(begin, begin + count * bytesPer));
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < dst.length; i += bytesPer) dst.subarray(i, i + bytesPer).reverse();
  }
  return buf;
}

interface HeaderEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** Parses and validates the JSON header; `dataBytes` is the length of the data buffer. */
function parseHeader(json: unknown, dataBytes: number): { entries: HeaderEntry[]; metadata: SafetensorsMetadata } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SafetensorsError(`safetensors header must be a JSON object, got ${describe(json)}`);
  }
  const metadata: SafetensorsMetadata = {};
  const entries: HeaderEntry[] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new SafetensorsError(`__metadata__ must be an object of strings, got ${describe(raw)}`);
      }
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(`__metadata__.${k} must be a string, got ${describe(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null) {
      throw new SafetensorsError(`tensor "${name}": header entry must be an object, got ${describe(raw)}`, name);
    }
    const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
      throw new SafetensorsError(
        `tensor "${name}": unknown dtype ${describe(dtype)}; the format defines ${Object.keys(DTYPE_BYTES).join(', ')}`,
        name,
      );
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(
        `tensor "${name}": shape must be an array of non-negative integers, got ${describe(shape)}`,
        name,
      );
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      throw new SafetensorsError(
        `tensor "${name}": data_offsets must be [begin, end] with 0 ≤ begin ≤ end, got ${describe(offsets)}`,
        name,
      );
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataBytes) {
      throw new SafetensorsError(
        `tensor "${name}": data_offsets [${begin}, ${end}] run past the end of the data (${dataBytes} bytes); the file is truncated or the offsets are wrong`,
        name,
      );
    }
    const elements = (shape as number[]).reduce((a, b) => a * b, 1);
    const expected = elements * DTYPE_BYTES[dtype]!;
    if (end - begin !== expected) {
      throw new SafetensorsError(
        `tensor "${name}": shape [${shape.join(', ')}] × ${dtype} (${DTYPE_BYTES[dtype]} B) = ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
        name,
      );
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  // The spec requires the buffer to be indexed entirely, without holes or overlaps (no polyglot files).
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: HeaderEntry | undefined;
  for (const e of sorted) {
    if (e.begin < cursor) {
      throw new SafetensorsError(
        `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] overlap tensor "${previous!.name}" [${previous!.begin}, ${previous!.end}]`,
        e.name,
      );
    }
    if (e.begin > cursor) {
      throw new SafetensorsError(
        `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] leave a hole of ${e.begin - cursor} bytes before it (from byte ${cursor}); the spec forbids holes`,
        e.name,
      );
    }
    cursor = e.end;
    previous = e;
  }
  if (cursor !== dataBytes) {
    throw new SafetensorsError(
      `data buffer has ${dataBytes} bytes but the tensors index only ${cursor}${previous ? ` (last: "${previous.name}")` : ''}; trailing bytes are not allowed`,
      previous?.name,
    );
  }
  return { entries, metadata };
}

/** Decodes a whole safetensors file held in memory; F16/BF16/F64 tensors are converted to Float32. */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsContent {
  if (bytes.length < 8) {
    throw new SafetensorsError(`file is truncated: ${bytes.length} bytes, the header length alone needs 8`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerBytes = Number(n);
  if (8 + headerBytes > bytes.length) {
    throw new SafetensorsError(
      `file is truncated: header claims ${headerBytes} bytes but only ${bytes.length - 8} follow the length`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerBytes)));
  } catch (e) {
    throw new SafetensorsError(`header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  const dataStart = 8 + headerBytes;
  const { entries, metadata } = parseHeader(json, bytes.length - dataStart);
  const tensors: NamedTensors = {};
  for (const e of entries) {
    if (!DECODABLE.includes(e.dtype)) {
      throw new SafetensorsError(
        `tensor "${e.name}": dtype ${e.dtype} cannot be read as Float32; supported: ${DECODABLE.join(', ')}`,
        e.name,
      );
    }
    const size = DTYPE_BYTES[e.dtype]!;
    const count = (e.end - e.begin) / size;
    const buf = copyLE(bytes, dataStart + e.begin, count, size);
    let data: Float32Array;
    if (e.dtype === 'F32') data = new Float32Array(buf);
    else if (e.dtype === 'F16') data = f16ToFloat32(new Uint16Array(buf));
    else if (e.dtype === 'BF16') data = bf16ToFloat32(new Uint16Array(buf));
    else data = Float32Array.from(new Float64Array(buf));
    tensors[e.name] = { shape: [...e.shape], data };
  }
  return { tensors, metadata };
}

/** Encodes named F32 tensors (and optional string metadata) as safetensors bytes. */
export function encodeSafetensors(tensors: NamedTensors, metadata?: SafetensorsMetadata): Uint8Array {
  // Same order as the reference writer for a single dtype: sorted by name, so output is deterministic.
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`metadata "${k}" must be a string, got ${describe(v)}`);
    }
    header.__metadata__ = { ...metadata };
  }
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__' || name.length === 0) {
      throw new SafetensorsError(`tensor name ${describe(name)} is reserved or empty`, name);
    }
    const t = tensors[name]!;
    if (!(t.data instanceof Float32Array)) {
      throw new SafetensorsError(`tensor "${name}": data must be a Float32Array`, name);
    }
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(
        `tensor "${name}": shape must be non-negative integers, got ${describe(t.shape)}`,
        name,
      );
    }
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new SafetensorsError(
        `tensor "${name}": shape [${t.shape.join(', ')}] has ${count} elements but data has ${t.data.length}`,
        name,
      );
    }
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + count * 4] };
    offset += count * 4;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let pos = 8 + padded;
  for (const name of names) {
    const data = tensors[name]!.data;
    const src = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    out.set(src, pos);
    if (!LITTLE_ENDIAN) for (let i = pos; i < pos + src.length; i += 4) out.subarray(i, i + 4).reverse();
    pos += src.length;
  }
  return out;
}

/** Reads and decodes a safetensors file; errors are prefixed with the path. */
export async function readSafetensors(path: string): Promise<SafetensorsContent> {
  return decodeWithPath(await readFile(path), path);
}

/** Synchronous {@link readSafetensors}. */
export function readSafetensorsSync(path: string): SafetensorsContent {
  return decodeWithPath(readFileSync(path), path);
}

function decodeWithPath(bytes: Uint8Array, path: string): SafetensorsContent {
  try {
    return decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new SafetensorsError(`${path}: ${e.message}`, e.tensor);
    throw e;
  }
}

/**
 * Writes tensors atomically: to a temporary file in the same directory, fsync, then rename, so a
 * crash mid-write (e.g. during a checkpoint) never leaves a truncated file under the final name.
 */
export function writeSafetensors(path: string, tensors: NamedTensors, metadata?: SafetensorsMetadata): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
