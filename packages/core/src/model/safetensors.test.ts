import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SafetensorsError,
  bf16BitsToNumber,
  bf16ToFloat32,
  decodeSafetensors,
  encodeSafetensors,
  f16BitsToNumber,
  f16ToFloat32,
  readSafetensors,
  readSafetensorsSync,
  writeSafetensors,
  type NamedTensors,
} from './safetensors.js';

/** Builds a file by hand from a header object and raw data bytes, exactly as the spec lays it out. */
function handBuilt(header: unknown, data: Uint8Array, pad = true): Uint8Array {
  let json = new TextEncoder().encode(JSON.stringify(header));
  if (pad) {
    const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

function u16Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Uint16Array(values).buffer);
}

function expectError(fn: () => unknown, tensor: string | undefined, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SafetensorsError);
  const err = caught as SafetensorsError;
  expect(err.message).toMatch(pattern);
  if (tensor !== undefined) {
    expect(err.tensor).toBe(tensor);
    expect(err.message).toContain(`"${tensor}"`);
  }
}

const sample = (): NamedTensors => ({
  'model.norm.weight': { shape: [3], data: new Float32Array([1, -0, 2.5]) },
  'a.scalar': { shape: [], data: new Float32Array([Math.PI]) },
  'b.empty': { shape: [0, 4], data: new Float32Array(0) },
  // Values whose bits must survive: NaN payload, ±inf, subnormal, -0.
  'c.special': {
    shape: [2, 3],
    data: new Float32Array(new Uint32Array([0x7fc00001, 0x7f800000, 0xff800000, 0x00000001, 0x80000000, 0x3f800000]).buffer),
  },
});

describe('safetensors round trip', () => {
  it('write → read is equal bit for bit and keeps metadata', () => {
    const tensors = sample();
    const metadata = { format: 'pt', step: '12' };
    const back = decodeSafetensors(encodeSafetensors(tensors, metadata));
    expect(back.metadata).toEqual(metadata);
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      expect(back.tensors[name]!.shape).toEqual(t.shape);
      expect(new Uint32Array(back.tensors[name]!.data.buffer)).toEqual(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));
    }
  });

  it('reads subarray views and unaligned source buffers correctly', () => {
    const big = new Float32Array([9, 1, 2, 3, 9]);
    const bytes = encodeSafetensors({ x: { shape: [3], data: big.subarray(1, 4) } });
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(Array.from(decodeSafetensors(shifted.subarray(1)).tensors.x!.data)).toEqual([1, 2, 3]);
  });

  it('writes files atomically and reads them back (async and sync)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-'));
    try {
      const path = join(dir, 'model.safetensors');
      writeSafetensors(path, sample(), { note: 'hi' });
      writeSafetensors(path, sample(), { note: 'again' }); // overwrite through rename
      expect(readdirSync(dir)).toEqual(['model.safetensors']); // no temp file left behind
      expect((await readSafetensors(path)).metadata).toEqual({ note: 'again' });
      expect(readSafetensorsSync(path).tensors['a.scalar']!.data[0]).toBe(Math.fround(Math.PI));
      writeFileSync(path, readFileSync(path).subarray(0, 20));
      await expect(readSafetensors(path)).rejects.toThrow(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('safetensors layout matches the spec byte for byte', () => {
  it('header length, JSON, padding, offsets and data', () => {
    const bytes = encodeSafetensors({ 'w.b': { shape: [1, 2], data: new Float32Array([1, 2]) }, 'w.a': { shape: [1], data: new Float32Array([-2]) } }, { format: 'pt' });
    const json = '{"__metadata__":{"format":"pt"},"w.a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w.b":{"dtype":"F32","shape":[1,2],"data_offsets":[4,12]}}';
    const padded = Math.ceil(json.length / 8) * 8;
    const view = new DataView(bytes.buffer);
    expect(view.getBigUint64(0, true)).toBe(BigInt(padded));
    expect(padded % 8).toBe(0); // data starts 8-byte aligned
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + json.length))).toBe(json);
    expect(Array.from(bytes.subarray(8 + json.length, 8 + padded))).toEqual(new Array(padded - json.length).fill(0x20));
    const data = bytes.subarray(8 + padded);
    expect(Array.from(data)).toEqual([...f32Bytes([-2]), ...f32Bytes([1, 2])]);
    expect(bytes.length).toBe(8 + padded + 12);
    // Little-endian: 1.0f = 0x3f800000 → 00 00 80 3f.
    expect(Array.from(data.subarray(4, 8))).toEqual([0x00, 0x00, 0x80, 0x3f]);
  });

  it('reads a hand-built file with unpadded header and an unsorted header order', () => {
    const file = handBuilt({ y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] }, x: { dtype: 'F32', shape: [], data_offsets: [0, 4] } }, f32Bytes([7, 8, 9]), false);
    const { tensors, metadata } = decodeSafetensors(file);
    expect(metadata).toEqual({});
    expect(Array.from(tensors.x!.data)).toEqual([7]);
    expect(tensors.x!.shape).toEqual([]);
    expect(Array.from(tensors.y!.data)).toEqual([8, 9]);
  });
});

describe('safetensors corruption errors name the tensor', () => {
  const ok = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  it('offsets out of range (truncated data)', () => {
    expectError(() => decodeSafetensors(handBuilt({ a: ok, b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, f32Bytes([1, 2, 3]))), 'b', /run past the end/);
  });
  it('overlapping offsets', () => {
    expectError(() => decodeSafetensors(handBuilt({ a: ok, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32Bytes([1, 2]))), 'b', /overlap tensor "a"/);
  });
  it('a hole between tensors', () => {
    expectError(
      () => decodeSafetensors(handBuilt({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, f32Bytes([1, 2, 3]))),
      'b',
      /hole/,
    );
  });
  it('trailing bytes not indexed', () => {
    expectError(() => decodeSafetensors(handBuilt({ a: ok }, f32Bytes([1, 2, 3]))), 'a', /trailing bytes/);
  });
  it('shape × dtype size ≠ byte length', () => {
    expectError(() => decodeSafetensors(handBuilt({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32Bytes([1, 2]))), 'a', /= 12 bytes but data_offsets \[0, 8\] hold 8/);
    expectError(() => decodeSafetensors(handBuilt({ a: { dtype: 'F16', shape: [3], data_offsets: [0, 8] } }, f32Bytes([1, 2]))), 'a', /F16/);
  });
  it('unknown dtype and known-but-unreadable dtype', () => {
    expectError(() => decodeSafetensors(handBuilt({ a: { dtype: 'F42', shape: [2], data_offsets: [0, 8] } }, f32Bytes([1, 2]))), 'a', /unknown dtype "F42"/);
    expectError(() => decodeSafetensors(handBuilt({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, f32Bytes([1, 2]))), 'a', /I64 cannot be read as Float32/);
  });
  it('malformed shape and offsets', () => {
    expectError(() => decodeSafetensors(handBuilt({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, f32Bytes([1, 2]))), 'a', /shape/);
    expectError(() => decodeSafetensors(handBuilt({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, f32Bytes([1, 2]))), 'a', /data_offsets/);
    expectError(() => decodeSafetensors(handBuilt({ a: 5 }, f32Bytes([]))), 'a', /header entry/);
  });
  it('header too large, truncated header, truncated length, bad JSON, bad metadata', () => {
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 200_000_000n, true);
    expectError(() => decodeSafetensors(huge), undefined, /exceeds the 100000000-byte limit/);
    const file = handBuilt({ a: ok }, f32Bytes([1, 2]));
    expectError(() => decodeSafetensors(file.subarray(0, 20)), undefined, /truncated: header claims/);
    expectError(() => decodeSafetensors(file.subarray(0, 5)), undefined, /truncated: 5 bytes/);
    expectError(() => decodeSafetensors(handBuilt('x' as unknown as object, new Uint8Array(0)).fill(0x7b, 8, 9)), undefined, /not valid UTF-8 JSON/);
    expectError(() => decodeSafetensors(handBuilt({ __metadata__: { n: 1 } }, new Uint8Array(0))), undefined, /__metadata__\.n must be a string/);
  });
  it('the writer rejects inconsistent tensors by name', () => {
    expectError(() => encodeSafetensors({ w: { shape: [2, 2], data: new Float32Array(3) } }), 'w', /4 elements but data has 3/);
    expectError(() => encodeSafetensors({ w: { shape: [1.5], data: new Float32Array(1) } }), 'w', /shape/);
    expectError(() => encodeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } }), '__metadata__', /reserved/);
  });
});

describe('F16 / BF16 decoding', () => {
  it('decodes known F16 bit patterns', () => {
    const cases: [number, number][] = [
      [0x3c00, 1],
      [0xc100, -2.5],
      [0x0000, 0],
      [0x7bff, 65504],
      [0x0001, 2 ** -24], // smallest subnormal
      [0x03ff, 1023 * 2 ** -24], // largest subnormal
      [0x0400, 2 ** -14], // smallest normal
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
    ];
    for (const [bits, value] of cases) expect(f16BitsToNumber(bits)).toBe(value);
    expect(Object.is(f16BitsToNumber(0x8000), -0)).toBe(true);
    expect(f16BitsToNumber(0x7e00)).toBeNaN();
    expect(f16BitsToNumber(0xfc01)).toBeNaN();
    const arr = f16ToFloat32(new Uint16Array(cases.map((c) => c[0])));
    expect(Array.from(arr)).toEqual(cases.map((c) => Math.fround(c[1])));
  });

  it('decodes known BF16 bit patterns', () => {
    const cases: [number, number][] = [
      [0x3f80, 1],
      [0xc020, -2.5],
      [0x0001, 2 ** -133], // smallest subnormal (2^-149 · 2^16)
      [0x7f80, Infinity],
      [0xff80, -Infinity],
      [0x7f7f, 3.3895313892515355e38],
    ];
    for (const [bits, value] of cases) expect(bf16BitsToNumber(bits)).toBe(value);
    expect(bf16BitsToNumber(0x7fc0)).toBeNaN();
    const arr = bf16ToFloat32(new Uint16Array([...cases.map((c) => c[0]), 0x7fc1]));
    expect(Array.from(arr.subarray(0, cases.length))).toEqual(cases.map((c) => c[1]));
    expect(new Uint32Array(arr.buffer)[cases.length]).toBe(0x7fc10000); // NaN payload kept
  });

  it('reads F16, BF16 and F64 tensors from a file as Float32', () => {
    const f64 = new Uint8Array(new Float64Array([0.1]).buffer);
    const file = handBuilt(
      {
        h: { dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] },
        b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
        d: { dtype: 'F64', shape: [1], data_offsets: [12, 20] },
      },
      new Uint8Array([...u16Bytes([0x3c00, 0xc100, 0x0001, 0x7c00]), ...u16Bytes([0x3f80, 0xc020]), ...f64]),
    );
    const { tensors } = decodeSafetensors(file);
    expect(Array.from(tensors.h!.data)).toEqual([1, -2.5, Math.fround(2 ** -24), Infinity]);
    expect(tensors.h!.shape).toEqual([2, 2]);
    expect(Array.from(tensors.b!.data)).toEqual([1, -2.5]);
    expect(tensors.d!.data[0]).toBe(Math.fround(0.1));
  });
});
