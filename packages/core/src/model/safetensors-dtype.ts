/**
 * The safetensors dtypes and their conversion to Float32, one chunk of raw little-endian bytes at a
 * time, so that a reader can turn a BF16/F16 tensor into Float32 while holding only the Float32 result
 * and one chunk of the file.
 */

/** Element sizes of every dtype the format defines; only F32/F16/BF16/F64 can be decoded to Float32. */
export const DTYPE_BYTES: Readonly<Record<string, number>> = {
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

/** The dtypes {@link decodeInto} converts to Float32. */
export const DECODABLE: readonly string[] = ['F32', 'F16', 'BF16', 'F64'];

/** True on little-endian hosts, where the file's bytes are the in-memory layout. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

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

/** Writes the Float32 values of F16 bit patterns `src` into `out` from element `at`. */
function f16Into(src: Uint16Array, out: Float32Array, at: number): void {
  // A 65,536-entry table (256 KiB, built once) makes the conversion a lookup per element.
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) f16Table[i] = f16BitsToNumber(i);
  }
  const table = f16Table;
  for (let i = 0; i < src.length; i++) out[at + i] = table[src[i]!]!;
}

/** Writes BF16 bit patterns `src` into `out` from element `at`, exactly (NaN payloads kept), by shifting into the high half. */
function bf16Into(src: Uint16Array, out: Float32Array, at: number): void {
  const bits = new Uint32Array(out.buffer, out.byteOffset + at * 4, src.length);
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
}

/** Converts F16 bit patterns to Float32 (every binary16 value is exact in binary32). */
export function f16ToFloat32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  f16Into(src, out, 0);
  return out;
}

/** Converts BF16 bit patterns to Float32 exactly (NaN payloads kept) by shifting into the high half. */
export function bf16ToFloat32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  bf16Into(src, out, 0);
  return out;
}

/** Reverses the bytes of each `bytesPer`-byte element in place (little-endian file ↔ big-endian host). */
export function swapBytes(bytes: Uint8Array, bytesPer: number): void {
  for (let i = 0; i < bytes.length; i += bytesPer) bytes.subarray(i, i + bytesPer).reverse();
}

/**
 * Converts `raw`, whole little-endian elements of `dtype` (a decodable one) starting at an 8-byte-aligned
 * offset of its buffer, into `out` from element `at`. `raw` is byte-swapped in place on big-endian hosts.
 */
export function decodeInto(dtype: string, raw: Uint8Array, out: Float32Array, at: number): void {
  const size = DTYPE_BYTES[dtype]!;
  if (!LITTLE_ENDIAN) swapBytes(raw, size);
  const count = raw.length / size;
  if (dtype === 'F32') out.set(new Float32Array(raw.buffer, raw.byteOffset, count), at);
  else if (dtype === 'F16') f16Into(new Uint16Array(raw.buffer, raw.byteOffset, count), out, at);
  else if (dtype === 'BF16') bf16Into(new Uint16Array(raw.buffer, raw.byteOffset, count), out, at);
  else if (dtype === 'F64') {
    const src = new Float64Array(raw.buffer, raw.byteOffset, count);
    for (let i = 0; i < count; i++) out[at + i] = src[i]!;
  } else throw new Error(`decodeInto: ${dtype} is not decodable`);
}

/**
 * Float32 values to bfloat16 bit patterns, rounded to nearest even as torch's `.to(torch.bfloat16)`
 * rounds (NaN stays a quiet NaN); `out` has `src.length` elements.
 */
export function float32ToBf16Bits(src: Float32Array, out: Uint16Array): void {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    if ((b & 0x7fffffff) > 0x7f800000) out[i] = (b >>> 16) | 0x40;
    else out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
}
