import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsError, bf16BitsToNumber, f16BitsToNumber, openSafetensorsSync, readSafetensors, readSafetensorsSync, writeSafetensors } from './safetensors.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rlvr-st-stream-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The prefix and padded JSON header of a file whose data buffer follows, laid out by hand from the spec. */
function headerBytes(header: unknown): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

function thrown(work: () => unknown): SafetensorsError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(SafetensorsError);
    return error as SafetensorsError;
  }
  throw new Error('expected a SafetensorsError');
}

describe('streaming read of every decodable dtype, across chunk boundaries', () => {
  // Reads of 1 KiB: each big tensor spans many chunks and ends in a partial one; the small tensor first
  // puts the others at file positions that are not multiples of their element size.
  const chunkBytes = 1024;
  const big = 65536 + 6; // elements of the 2-byte dtypes: every bit pattern (NaNs included) and a partial chunk
  const bf16 = Uint16Array.from({ length: big }, (_, i) => (i * 7919) & 0xffff);
  const f16 = Uint16Array.from({ length: big }, (_, i) => (i * 104729) & 0xffff);
  const f64 = Float64Array.from({ length: 1000 }, (_, i) => (i - 500) / 3);
  const f32 = Float32Array.from({ length: 1001 }, (_, i) => Math.fround(Math.sin(i) * 1e3));
  const small = new Uint16Array([0x3c00, 0xc100, 0x7bff]); // F16 1, -2.5, 65504: 6 bytes
  const parts: [string, string, number[], Uint8Array][] = [
    ['s', 'F16', [3], new Uint8Array(small.buffer)],
    ['w.bf16', 'BF16', [big], new Uint8Array(bf16.buffer)],
    ['w.f16', 'F16', [2, big / 2], new Uint8Array(f16.buffer)],
    ['w.f64', 'F64', [f64.length], new Uint8Array(f64.buffer)],
    ['w.f32', 'F32', [f32.length], new Uint8Array(f32.buffer)],
  ];
  let path: string;
  beforeAll(() => {
    const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
    let offset = 0;
    for (const [name, dtype, shape, bytes] of parts) {
      header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
      offset += bytes.length;
    }
    path = join(dir, 'dtypes.safetensors');
    const fd = openSync(path, 'w');
    writeSync(fd, headerBytes(header));
    for (const [, , , bytes] of parts) writeSync(fd, bytes);
    closeSync(fd);
  });

  /** Bit-for-bit against the scalar decoders (checked against known bit patterns in safetensors.test.ts). */
  function expectDecoded(tensors: Record<string, { shape: number[]; data: Float32Array }>): void {
    expect(Array.from(tensors.s!.data)).toEqual([1, -2.5, 65504]);
    const b = tensors['w.bf16']!.data;
    const bBits = new Uint32Array(b.buffer, b.byteOffset, b.length);
    let mismatches = 0;
    for (let i = 0; i < big; i++) if (bBits[i] !== (bf16[i]! << 16) >>> 0) mismatches++;
    expect(mismatches).toBe(0);
    expect(b[12345]).toBe(bf16BitsToNumber(bf16[12345]!));
    const h = tensors['w.f16']!;
    expect(h.shape).toEqual([2, big / 2]);
    for (let i = 0; i < big; i++) if (!Object.is(h.data[i], Math.fround(f16BitsToNumber(f16[i]!)))) mismatches++;
    expect(mismatches).toBe(0);
    const d = tensors['w.f64']!.data;
    for (let i = 0; i < f64.length; i++) if (d[i] !== Math.fround(f64[i]!)) mismatches++;
    expect(mismatches).toBe(0);
    expect(Buffer.from(tensors['w.f32']!.data.buffer).equals(Buffer.from(f32.buffer))).toBe(true);
  }

  it('readSafetensorsSync', () => {
    const { tensors, metadata } = readSafetensorsSync(path, { chunkBytes });
    expect(metadata).toEqual({ format: 'pt' });
    expectDecoded(tensors);
  });

  it('readSafetensors (async)', async () => {
    expectDecoded((await readSafetensors(path, { chunkBytes })).tensors);
    // The default chunk (16 MiB, larger than the file) reads the same values.
    expectDecoded(readSafetensorsSync(path).tensors);
  });

  it('openSafetensorsSync: header without data, then one tensor at a time', () => {
    expect(() => openSafetensorsSync(path, { chunkBytes: 12 })).toThrow('chunkBytes must be a positive multiple of 8, got 12');
    const reader = openSafetensorsSync(path, { chunkBytes });
    try {
      expect(reader.names).toEqual(parts.map((p) => p[0]));
      expect(reader.info('w.f64')).toEqual({ dtype: 'F64', shape: [f64.length], byteLength: f64.byteLength });
      expect(reader.info('nope')).toBeUndefined();
      expect(Array.from(reader.read('s').data)).toEqual([1, -2.5, 65504]);
      expect(Array.from(reader.read('w.f64').data.subarray(0, 3))).toEqual([-500 / 3, -499 / 3, -166].map(Math.fround));
      const missing = thrown(() => reader.read('nope'));
      expect(missing.message).toBe(`${path}: no tensor "nope"`);
    } finally {
      reader.close();
    }
  });
});

describe('a file whose header claims more data than it holds', () => {
  it('is refused at open, naming the file and the tensor; a file truncated while being read names them too', () => {
    const path = join(dir, 'short.safetensors');
    writeSafetensors(path, { a: { shape: [4], data: new Float32Array(4) }, b: { shape: [1000], data: new Float32Array(1000).fill(2) } });
    const size = statSync(path).size;
    truncateSync(path, size - 8);
    const error = thrown(() => openSafetensorsSync(path));
    expect(error.tensor).toBe('b');
    expect(error.message).toMatch(new RegExp(`^${path}: tensor "b": data_offsets \\[16, 4016\\] run past the end of the data \\(4008 bytes\\)`));
    // Valid at open, then cut short before a tensor is read.
    writeSafetensors(path, { a: { shape: [4], data: new Float32Array(4) }, b: { shape: [1000], data: new Float32Array(1000).fill(2) } });
    const reader = openSafetensorsSync(path);
    try {
      truncateSync(path, size - 100);
      const cut = thrown(() => reader.read('b'));
      expect(cut.tensor).toBe('b');
      expect(cut.message).toMatch(new RegExp(`^${path}: tensor "b": the file ends at byte ${size - 100}`));
    } finally {
      reader.close();
    }
  });
});

describe('files above 2 GiB', () => {
  it('reads one tensor of a sparse 2.1 GiB file without reading the file whole', () => {
    // A sparse file: the length is set with ftruncate and only the header and two small tensors are
    // written, so it costs no disk. Node refuses to read it whole (the reader this module replaced did).
    const path = join(dir, 'sparse.safetensors');
    const bigBytes = 2 ** 31 + 2 ** 24;
    const header = headerBytes({
      head: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
      big: { dtype: 'BF16', shape: [bigBytes / 2], data_offsets: [16, 16 + bigBytes] },
      tail: { dtype: 'F32', shape: [2, 2], data_offsets: [16 + bigBytes, 32 + bigBytes] },
    });
    const fd = openSync(path, 'w');
    try {
      ftruncateSync(fd, header.length + 32 + bigBytes);
      writeSync(fd, header, 0, header.length, 0);
      writeSync(fd, new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer), 0, 16, header.length);
      writeSync(fd, new Uint8Array(new Float32Array([5, 6, 7, 8]).buffer), 0, 16, header.length + 16 + bigBytes);
    } finally {
      closeSync(fd);
    }
    expect(statSync(path).size).toBeGreaterThan(2 ** 31);
    expect(() => readFileSync(path)).toThrow(/2 GiB|ERR_FS_FILE_TOO_LARGE/);
    const before = process.memoryUsage().arrayBuffers;
    const reader = openSafetensorsSync(path);
    try {
      expect(reader.info('big')).toEqual({ dtype: 'BF16', shape: [bigBytes / 2], byteLength: bigBytes });
      const tail = reader.read('tail');
      expect(tail.shape).toEqual([2, 2]);
      expect(Array.from(tail.data)).toEqual([5, 6, 7, 8]);
      expect(Array.from(reader.read('head').data)).toEqual([1, 2, 3, 4]);
      // Nothing near the file's size was allocated: only the header and two 16-byte tensors.
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(2 ** 20);
    } finally {
      reader.close();
      rmSync(path);
    }
  });
});
