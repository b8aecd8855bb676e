/**
 * Safetensors reader and writer (https://github.com/huggingface/safetensors, format section):
 * u64 little-endian header length N, N bytes of UTF-8 JSON header, then the data buffer.
 * Written by hand because the format is tiny and the npm packages for it are either unmaintained or
 * pull in a whole tensor library. Reads F32, F16, BF16 and F64 (converted to Float32, since real
 * checkpoints ship F16/BF16); writes F32 only.
 *
 * Files of any size: the reader parses the header from a file descriptor and then reads one tensor at
 * a time with positioned reads, in chunks of {@link CHUNK_BYTES}, converting each chunk straight into
 * the tensor's Float32 result; the writer streams the header and then each tensor's bytes. No Buffer
 * ever holds the whole file (Node refuses to read a file above 2 GiB into one), so loading costs the
 * Float32 result plus one chunk.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { writeFileAtomic } from '../atomic-write.js';
import { CoreError } from '../errors.js';
import {
  DECODABLE,
  DTYPE_BYTES,
  LITTLE_ENDIAN,
  decodeInto,
  float32ToBf16Bits,
  swapBytes,
} from './safetensors-dtype.js';

export { bf16BitsToNumber, bf16ToFloat32, f16BitsToNumber, f16ToFloat32 } from './safetensors-dtype.js';

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

/** Bytes moved per read or write call by default: the most the reader holds besides the tensor being decoded. */
export const CHUNK_BYTES = 16 * 2 ** 20;

/** Options of the file readers. */
export interface ReadSafetensorsOptions {
  /** Bytes per positioned read, a positive multiple of 8; default {@link CHUNK_BYTES}. */
  chunkBytes?: number;
}

/** The validated chunk size of `options`. */
function chunkBytesOf(options: ReadSafetensorsOptions): number {
  const chunk = options.chunkBytes ?? CHUNK_BYTES;
  if (!Number.isSafeInteger(chunk) || chunk < 8 || chunk % 8 !== 0) {
    throw new SafetensorsError(`chunkBytes must be a positive multiple of 8, got ${chunk}`);
  }
  return chunk;
}

function describe(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

/** What the header says about one tensor; offsets are relative to the data buffer. */
interface HeaderEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** A tensor as the header describes it, before its data is read. */
export interface SafetensorsTensorInfo {
  /** The stored dtype (e.g. `BF16`); reading converts it to Float32. */
  dtype: string;
  /** Its shape. */
  shape: number[];
  /** Bytes it takes in the file. */
  byteLength: number;
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
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
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

/** A parsed header: where the data buffer starts, the tensors by name (in header order) and the metadata. */
interface ParsedHeader {
  dataStart: number;
  entries: Map<string, HeaderEntry>;
  metadata: SafetensorsMetadata;
}

/**
 * A byte source request of the decoding generators: fill `into` from absolute file position
 * `position`; `tensor` names the tensor being read (none for the header), for the error when the
 * source ends early.
 */
interface ReadRequest {
  position: number;
  into: Uint8Array;
  tensor?: string;
}

/** A decoding step that asks its driver for bytes and returns a `T`; one generator serves memory, sync and async sources. */
type Reads<T> = Generator<ReadRequest, T, void>;

/** Reads and validates the length prefix and JSON header of a source of `size` bytes. */
function* headerReads(size: number): Reads<ParsedHeader> {
  if (size < 8) throw new SafetensorsError(`file is truncated: ${size} bytes, the header length alone needs 8`);
  const prefix = new Uint8Array(8);
  yield { position: 0, into: prefix };
  const n = new DataView(prefix.buffer).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerBytes = Number(n);
  if (8 + headerBytes > size) {
    throw new SafetensorsError(
      `file is truncated: header claims ${headerBytes} bytes but only ${size - 8} follow the length`,
    );
  }
  const text = new Uint8Array(headerBytes);
  yield { position: 8, into: text };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(text));
  } catch (e) {
    throw new SafetensorsError(`header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  const dataStart = 8 + headerBytes;
  const { entries, metadata } = parseHeader(json, size - dataStart);
  return { dataStart, entries: new Map(entries.map((e) => [e.name, e])), metadata };
}

/** Reads one tensor as Float32, chunk by chunk (F32 on little-endian hosts straight into the result). */
function* tensorReads(e: HeaderEntry, dataStart: number, chunk = CHUNK_BYTES): Reads<NamedTensor> {
  if (!DECODABLE.includes(e.dtype)) {
    throw new SafetensorsError(
      `tensor "${e.name}": dtype ${e.dtype} cannot be read as Float32; supported: ${DECODABLE.join(', ')}`,
      e.name,
    );
  }
  const size = DTYPE_BYTES[e.dtype]!;
  const bytes = e.end - e.begin;
  const out = new Float32Array(bytes / size);
  if (e.dtype === 'F32' && LITTLE_ENDIAN) {
    const target = new Uint8Array(out.buffer);
    for (let at = 0; at < bytes; at += chunk) {
      const into = target.subarray(at, Math.min(bytes, at + chunk));
      yield { position: dataStart + e.begin + at, into, tensor: e.name };
    }
  } else {
    // One scratch chunk (a multiple of every element size), converted into the result after each read.
    const scratch = new Uint8Array(Math.min(bytes, chunk));
    for (let at = 0; at < bytes; at += chunk) {
      const into = scratch.subarray(0, Math.min(bytes - at, chunk));
      yield { position: dataStart + e.begin + at, into, tensor: e.name };
      decodeInto(e.dtype, into, out, at / size);
    }
  }
  return { shape: [...e.shape], data: out };
}

/** The error for a source that ended before `request` was filled (a file truncated while being read). */
function endedEarly(request: ReadRequest, filled: number): SafetensorsError {
  const at = request.position + filled;
  const what = request.tensor === undefined ? 'header' : `tensor "${request.tensor}"`;
  return new SafetensorsError(
    `${what}: the file ends at byte ${at}, before the ${request.into.length} bytes from byte ${request.position} were read; it was truncated while being read`,
    request.tensor,
  );
}

/** Runs a decoding step against bytes in memory. */
function fromBytes<T>(reads: Reads<T>, bytes: Uint8Array): T {
  for (let step = reads.next(); ; step = reads.next()) {
    if (step.done) return step.value;
    const { position, into } = step.value;
    const available = bytes.subarray(position, position + into.length);
    if (available.length < into.length) throw endedEarly(step.value, available.length);
    into.set(available);
  }
}

/** Runs a decoding step against a file descriptor with positioned reads. */
function fromFd<T>(reads: Reads<T>, fd: number): T {
  for (let step = reads.next(); ; step = reads.next()) {
    if (step.done) return step.value;
    const { position, into } = step.value;
    let filled = 0;
    while (filled < into.length) {
      const n = readSync(fd, into, filled, into.length - filled, position + filled);
      if (n === 0) throw endedEarly(step.value, filled);
      filled += n;
    }
  }
}

/** Runs a decoding step against an open file handle, asynchronously. */
async function fromHandle<T>(reads: Reads<T>, handle: FileHandle): Promise<T> {
  for (let step = reads.next(); ; step = reads.next()) {
    if (step.done) return step.value;
    const { position, into } = step.value;
    let filled = 0;
    while (filled < into.length) {
      const { bytesRead } = await handle.read(into, filled, into.length - filled, position + filled);
      if (bytesRead === 0) throw endedEarly(step.value, filled);
      filled += bytesRead;
    }
  }
}

/** Decodes a whole safetensors file held in memory; F16/BF16/F64 tensors are converted to Float32. */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsContent {
  const header = fromBytes(headerReads(bytes.length), bytes);
  const tensors: NamedTensors = {};
  for (const e of header.entries.values()) tensors[e.name] = fromBytes(tensorReads(e, header.dataStart), bytes);
  return { tensors, metadata: header.metadata };
}

/** A SafetensorsError prefixed with the file's path (other errors unchanged). */
function withPath(error: unknown, path: string): unknown {
  if (error instanceof SafetensorsError) return new SafetensorsError(`${path}: ${error.message}`, error.tensor);
  return error;
}

/** An open safetensors file whose tensors are read one at a time; {@link SafetensorsReader.close} it when done. */
export interface SafetensorsReader {
  /** The file's path, which every error names. */
  readonly path: string;
  /** The header's `__metadata__` strings. */
  readonly metadata: SafetensorsMetadata;
  /** Tensor names in header order. */
  readonly names: readonly string[];
  /** What the header says about `name`, or undefined if the file has no such tensor. */
  info(name: string): SafetensorsTensorInfo | undefined;
  /** Reads `name` as Float32 (positioned reads of its bytes only). */
  read(name: string): NamedTensor;
  /** Reads every tensor, one at a time. */
  readAll(): NamedTensors;
  /** Closes the file descriptor. */
  close(): void;
}

/**
 * Opens `path` and parses and validates its header (offsets against the file's size) without reading
 * any tensor data; errors are SafetensorsErrors prefixed with the path.
 */
export function openSafetensorsSync(path: string, options: ReadSafetensorsOptions = {}): SafetensorsReader {
  const chunk = chunkBytesOf(options);
  const fd = openSync(path, 'r');
  let header: ParsedHeader;
  try {
    header = fromFd(headerReads(fstatSync(fd).size), fd);
  } catch (error) {
    closeSync(fd);
    throw withPath(error, path);
  }
  const read = (name: string): NamedTensor => {
    const entry = header.entries.get(name);
    if (!entry) throw new SafetensorsError(`${path}: no tensor "${name}"`, name);
    try {
      return fromFd(tensorReads(entry, header.dataStart, chunk), fd);
    } catch (error) {
      throw withPath(error, path);
    }
  };
  return {
    path,
    metadata: header.metadata,
    names: [...header.entries.keys()],
    info(name) {
      const e = header.entries.get(name);
      return e && { dtype: e.dtype, shape: [...e.shape], byteLength: e.end - e.begin };
    },
    read,
    readAll() {
      const tensors: NamedTensors = {};
      for (const name of header.entries.keys()) tensors[name] = read(name);
      return tensors;
    },
    close: () => closeSync(fd),
  };
}

/** Reads and decodes a safetensors file of any size, tensor by tensor; errors are prefixed with the path. */
export async function readSafetensors(path: string, options: ReadSafetensorsOptions = {}): Promise<SafetensorsContent> {
  const chunk = chunkBytesOf(options);
  const handle = await open(path, 'r');
  try {
    const header = await fromHandle(headerReads((await handle.stat()).size), handle);
    const tensors: NamedTensors = {};
    for (const e of header.entries.values()) {
      tensors[e.name] = await fromHandle(tensorReads(e, header.dataStart, chunk), handle);
    }
    return { tensors, metadata: header.metadata };
  } catch (error) {
    throw withPath(error, path);
  } finally {
    await handle.close();
  }
}

/** Synchronous {@link readSafetensors}. */
export function readSafetensorsSync(path: string, options: ReadSafetensorsOptions = {}): SafetensorsContent {
  const reader = openSafetensorsSync(path, options);
  try {
    return { tensors: reader.readAll(), metadata: reader.metadata };
  } finally {
    reader.close();
  }
}

/** The dtypes the writer stores: F32 as held, or BF16 rounded to nearest even (as real checkpoints ship). */
export type WriteDtype = 'F32' | 'BF16';

/** A validated file to write: the length prefix and padded header, the tensor order, the data size and dtype. */
interface FileLayout {
  head: Uint8Array;
  names: string[];
  dataBytes: number;
  dtype: WriteDtype;
}

/** Validates the tensors and metadata and lays out the header; nothing is written yet. */
function layOut(tensors: NamedTensors, metadata?: SafetensorsMetadata, dtype: WriteDtype = 'F32'): FileLayout {
  if (dtype !== 'F32' && dtype !== 'BF16') {
    throw new SafetensorsError(`dtype: the writer stores F32 or BF16, got ${describe(dtype)}`);
  }
  const size = DTYPE_BYTES[dtype]!;
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
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + count * size] };
    offset += count * size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + padded);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  head.fill(0x20, 8 + json.length);
  return { head, names, dataBytes: offset, dtype };
}

/** The file's bytes in order, at most {@link CHUNK_BYTES} at a time (views of the tensors on little-endian hosts). */
function* fileChunks(layout: FileLayout, tensors: NamedTensors): Generator<Uint8Array> {
  yield layout.head;
  if (layout.dtype === 'BF16') {
    yield* bf16Chunks(layout, tensors);
    return;
  }
  for (const name of layout.names) {
    const data = tensors[name]!.data;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    for (let at = 0; at < bytes.length; at += CHUNK_BYTES) {
      const chunk = bytes.subarray(at, Math.min(bytes.length, at + CHUNK_BYTES));
      if (LITTLE_ENDIAN) yield chunk;
      else {
        const copy = chunk.slice();
        swapBytes(copy, 4);
        yield copy;
      }
    }
  }
}

/** The BF16 data of the file's tensors, converted {@link CHUNK_BYTES} of output at a time (one buffer reused). */
function* bf16Chunks(layout: FileLayout, tensors: NamedTensors): Generator<Uint8Array> {
  const out = new Uint16Array(CHUNK_BYTES / 2);
  for (const name of layout.names) {
    const data = tensors[name]!.data;
    for (let at = 0; at < data.length; at += out.length) {
      const n = Math.min(out.length, data.length - at);
      const view = out.subarray(0, n);
      float32ToBf16Bits(data.subarray(at, at + n), view);
      const bytes = new Uint8Array(view.buffer, 0, n * 2);
      if (!LITTLE_ENDIAN) swapBytes(bytes, 2);
      yield bytes;
    }
  }
}

/** Throws the {@link SafetensorsError} that {@link writeSafetensors} would throw for these tensors and metadata, writing nothing. */
export function validateSafetensors(tensors: NamedTensors, metadata?: SafetensorsMetadata, dtype?: WriteDtype): void {
  layOut(tensors, metadata, dtype);
}

/** Encodes named F32 tensors (and optional string metadata) as safetensors bytes. */
export function encodeSafetensors(tensors: NamedTensors, metadata?: SafetensorsMetadata): Uint8Array {
  const layout = layOut(tensors, metadata);
  const out = new Uint8Array(layout.head.length + layout.dataBytes);
  let pos = 0;
  for (const chunk of fileChunks(layout, tensors)) {
    out.set(chunk, pos);
    pos += chunk.length;
  }
  return out;
}

/**
 * Writes tensors as an F32 (or, with `dtype` BF16, a bfloat16) file of any size, streamed tensor by
 * tensor, atomically: to a temporary file in the same directory, fsync, then rename, so a crash
 * mid-write (e.g. during a checkpoint) never leaves a truncated file under the final name. Invalid
 * tensors are refused before anything is written.
 */
export function writeSafetensors(
  path: string,
  tensors: NamedTensors,
  metadata?: SafetensorsMetadata,
  dtype: WriteDtype = 'F32',
): void {
  const layout = layOut(tensors, metadata, dtype);
  writeFileAtomic(path, fileChunks(layout, tensors));
}
