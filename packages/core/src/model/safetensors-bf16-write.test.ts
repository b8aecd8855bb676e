import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsError, openSafetensorsSync, readSafetensorsSync, writeSafetensors } from './safetensors.js';
import { writeSafetensorsSharded } from './safetensors-sharded.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rlvr-st-bf16-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// bfloat16 keeps 7 mantissa bits: the spacing at 1 is 2^-7. Each row: the f32 value, its bf16 value worked
// out by hand under round-to-nearest-even, and the bf16 bit pattern.
const CASES: [number, number, number][] = [
  [1, 1, 0x3f80],
  [1 + 2 ** -8, 1, 0x3f80], // halfway, mantissa 0 is even: down
  [1 + 2 ** -7 + 2 ** -8, 1 + 2 ** -6, 0x3f82], // halfway, mantissa 1 is odd: up to 2
  [1 + 2 ** -8 + 2 ** -20, 1 + 2 ** -7, 0x3f81], // past halfway: up
  [-2.5, -2.5, 0xc020],
  [-0, -0, 0x8000],
  [Infinity, Infinity, 0x7f80],
  [-Infinity, -Infinity, 0xff80],
  [3.4e38, Infinity, 0x7f80], // above bf16's largest finite value (≈ 3.39e38) rounds to ∞, as torch does
];

describe('writeSafetensors dtype BF16', () => {
  it('stores each value rounded to nearest even (hand-worked bit patterns), 2 bytes an element, and reads back as those values', () => {
    const values = Float32Array.from([...CASES.map(([v]) => v), NaN]);
    const path = join(dir, 'w.safetensors');
    writeSafetensors(path, { w: { shape: [values.length], data: values } }, { format: 'pt' }, 'BF16');
    const reader = openSafetensorsSync(path);
    try {
      expect(reader.info('w')).toEqual({ dtype: 'BF16', shape: [values.length], byteLength: values.length * 2 });
    } finally {
      reader.close();
    }
    const bytes = readFileSync(path);
    const bits = new Uint16Array(bytes.buffer.slice(bytes.byteOffset + bytes.length - values.length * 2, bytes.byteOffset + bytes.length));
    expect([...bits.subarray(0, CASES.length)]).toEqual(CASES.map(([, , b]) => b));
    const back = readSafetensorsSync(path).tensors.w!.data;
    expect([...back.subarray(0, CASES.length)]).toEqual(CASES.map(([, v]) => v));
    expect(Number.isNaN(back[CASES.length])).toBe(true);
  });

  it('shards by the bytes stored: 2 an element, and the index totals them', () => {
    const t = (n: number) => ({ shape: [n], data: Float32Array.from({ length: n }, (_, i) => i) });
    // 3 tensors of 100 elements = 200 bytes each in BF16; a 400-byte limit holds two of them.
    const paths = writeSafetensorsSharded(dir, 'model', { a: t(100), b: t(100), c: t(100) }, { maxShardBytes: 400, dtype: 'BF16' });
    expect(paths.map((p) => p.slice(dir.length + 1))).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json']);
    const index = JSON.parse(readFileSync(paths[2]!, 'utf8')) as { metadata: { total_size: number } };
    expect(index.metadata.total_size).toBe(600);
    // Integers below 256 are exact in bf16.
    expect([...readSafetensorsSync(paths[1]!).tensors.c!.data]).toEqual([...t(100).data]);
  });

  it('refuses a dtype it does not store, naming it', () => {
    expect(() => writeSafetensors(join(dir, 'x.safetensors'), {}, undefined, 'F16' as never)).toThrow(new SafetensorsError('dtype: the writer stores F32 or BF16, got "F16"'));
  });
});
