import * as ort from 'onnxruntime-node';
import { SeededRandom } from '@rlvr/core';
import { encodeOnnxModel } from '@rlvr/core';
import { MatmulError, OrtMatmul, type MatmulShape } from './ort-matmul.js';

const U = 2 ** -24; // f32 unit roundoff

function random(n: number, rng: SeededRandom): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.next() * 2 - 1;
  return x;
}

/** Plain f64 reference for C = op(A)·op(B), also returning Σ|a||b| per output for the error bound. */
function reference(a: Float32Array, b: Float32Array, s: MatmulShape): { c: Float64Array; mag: Float64Array } {
  const batch = s.batch ?? 1;
  const { m, k, n } = s;
  const c = new Float64Array(batch * m * n);
  const mag = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    const ao = p * m * k;
    const bo = s.broadcastB ? 0 : p * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        let abs = 0;
        for (let q = 0; q < k; q++) {
          const av = s.transA ? a[ao + q * m + i]! : a[ao + i * k + q]!;
          const bv = s.transB ? b[bo + j * k + q]! : b[bo + q * n + j]!;
          acc += av * bv;
          abs += Math.abs(av * bv);
        }
        c[p * m * n + i * n + j] = acc;
        mag[p * m * n + i * n + j] = abs;
      }
    }
  }
  return { c, mag };
}

const mm = new OrtMatmul();
afterAll(() => mm.dispose());

const shapes: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 1],
  [7, 1, 7],
  [7, 33, 5],
  [33, 7, 64],
  [64, 1, 5],
  [1, 64, 33],
  [65, 129, 31],
];
const kinds: [string, Partial<MatmulShape>][] = [
  ['NN', {}],
  ['NT', { transB: true }],
  ['TN', { transA: true }],
  ['TT', { transA: true, transB: true }],
];
const cases: [string, MatmulShape][] = [];
for (const [kind, flags] of kinds) {
  for (const [m, k, n] of shapes) cases.push([`${kind} ${m}×${k}×${n}`, { m, k, n, ...flags }]);
  cases.push([`${kind} batched 3×(7×33×5)`, { batch: 3, m: 7, k: 33, n: 5, ...flags }]);
  cases.push([`${kind} batched 64×(1×5×1)`, { batch: 64, m: 1, k: 5, n: 1, ...flags }]);
  cases.push([`${kind} batched 1×(64×1×5)`, { batch: 1, m: 64, k: 1, n: 5, ...flags }]);
  cases.push([`${kind} batched 4×(9×17×3), broadcast B`, { batch: 4, m: 9, k: 17, n: 3, broadcastB: true, ...flags }]);
}

describe('OrtMatmul vs a plain f64 loop', () => {
  it.each(cases)('%s', async (_name, s) => {
    const rng = new SeededRandom(s.m * 1000 + s.k * 10 + s.n);
    const batch = s.batch ?? 1;
    const a = random(batch * s.m * s.k, rng);
    const b = random((s.broadcastB ? 1 : batch) * s.k * s.n, rng);
    // Write into a view of a larger, poisoned buffer: checks the preallocated-output path and offsets.
    const backing = new Float32Array(batch * s.m * s.n + 8).fill(NaN);
    const out = backing.subarray(3, 3 + batch * s.m * s.n);
    const result = await mm.matmul(a, b, s, out);
    expect(result).toBe(out);
    expect(Number.isNaN(backing[2]!) && Number.isNaN(backing[3 + out.length]!)).toBe(true);
    const { c, mag } = reference(a, b, s);
    for (let i = 0; i < c.length; i++) {
      // Any summation order obeys |ĉ − c| ≤ γ_k Σ|a||b| with γ_k ≈ k·u; 2·k·u leaves room for the f32
      // rounding of the result itself (one more u·|c|).
      const tol = 2 * (s.k + 1) * U * mag[i]!;
      expect(Math.abs(out[i]! - c[i]!)).toBeLessThanOrEqual(tol);
    }
  });

  it('allocates the output when none is given, and handles k = 0 and empty outputs', async () => {
    const c = await mm.matmul(new Float32Array([1, 2]), new Float32Array([3, 4]), { m: 1, k: 2, n: 1 });
    expect(Array.from(c)).toEqual([11]);
    expect(Array.from(await mm.matmul(new Float32Array(0), new Float32Array(0), { m: 2, k: 0, n: 2 }, new Float32Array(4).fill(7)))).toEqual([0, 0, 0, 0]);
    expect((await mm.matmul(new Float32Array(0), new Float32Array(6), { m: 0, k: 2, n: 3 })).length).toBe(0);
  });

  it('one session per product kind serves every shape', async () => {
    const fresh = new OrtMatmul({ threads: 1 });
    for (const [m, k, n] of [
      [3, 4, 5],
      [50, 2, 9],
      [1, 1, 1],
    ] as const) {
      await fresh.matmul(new Float32Array(m * k), new Float32Array(k * n), { m, k, n, transB: true });
    }
    expect(fresh.sessionCount).toBe(1);
    await fresh.dispose();
    await expect(fresh.matmul(new Float32Array(1), new Float32Array(1), { m: 1, k: 1, n: 1 })).rejects.toThrow(/disposed/);
  });

  it('sessions are created with and without spinning threads (the config entry is accepted) and agree', async () => {
    const a = random(33 * 17, new SeededRandom(5));
    const b = random(17 * 9, new SeededRandom(6));
    const results: Float32Array[] = [];
    for (const spinning of [false, true]) {
      const m = new OrtMatmul({ threads: 2, spinning });
      expect(m.spinning).toBe(spinning);
      results.push(await m.matmul(a, b, { m: 33, k: 17, n: 9 }));
      await m.dispose();
    }
    expect(new OrtMatmul().spinning).toBe(false);
    expect(Array.from(results[1]!)).toEqual(Array.from(results[0]!));
  });

  it('rejects wrong lengths, bad dims and aliasing with a message naming the argument', async () => {
    const a = new Float32Array(6);
    await expect(mm.matmul(a, new Float32Array(6), { m: 2, k: 3, n: 3 })).rejects.toThrow(/B has 6 values, expected k 3 × n 3 = 9/);
    await expect(mm.matmul(new Float32Array(5), new Float32Array(6), { m: 2, k: 3, n: 2 })).rejects.toThrow(/A has 5 values/);
    await expect(mm.matmul(a, new Float32Array(6), { m: 2, k: 3, n: 2 }, new Float32Array(5))).rejects.toThrow(/out has 5 values, expected 4/);
    await expect(mm.matmul(a, new Float32Array(6), { m: 2.5, k: 3, n: 2 })).rejects.toThrow(MatmulError);
    await expect(mm.matmul(a, new Float32Array(6), { m: 2, k: 3, n: 2, broadcastB: true })).rejects.toThrow(/broadcastB needs batch/);
    const shared = new Float32Array(10);
    await expect(mm.matmul(shared.subarray(0, 6), new Float32Array(6), { m: 2, k: 3, n: 2 }, shared.subarray(5, 9))).rejects.toThrow(/overlaps/);
  });
});

describe('OrtMatmul.exp', () => {
  it('equals e^x within 4 f32 ulps over the f32 range, with exact ±∞, 0 and NaN', async () => {
    // Grid over [−87, 87] (e^x stays a normal f32) plus the special values.
    const grid = Array.from({ length: 20001 }, (_, i) => -87 + (174 * i) / 20000);
    const x = Float32Array.from([...grid, 0, -0, -Infinity, Infinity, NaN, -120]);
    const out = await mm.exp(x, new Float32Array(x.length).fill(-1));
    for (let i = 0; i < grid.length; i++) {
      const e = Math.exp(x[i]!);
      expect(Math.abs(out[i]! - e)).toBeLessThanOrEqual(4 * 2 * U * e);
    }
    const tail = Array.from(out.subarray(grid.length));
    expect(tail.slice(0, 4)).toEqual([1, 1, 0, Infinity]);
    expect(tail[4]).toBeNaN();
    // e^{−120} underflows f32: 0 or a denormal, never negative or NaN.
    expect(tail[5]! >= 0 && tail[5]! < 1e-37).toBe(true);
  });

  it('rejects a wrong output length or overlap, naming it', async () => {
    await expect(mm.exp(new Float32Array(3), new Float32Array(2))).rejects.toThrow(/out has 2 values, expected x's 3/);
    const shared = new Float32Array(4);
    await expect(mm.exp(shared.subarray(0, 2), shared.subarray(1, 3))).rejects.toThrow(/overlaps/);
  });
});

describe('onnx-proto encoder', () => {
  it('builds a model with an initializer, attributes and a fixed dim that ORT runs', async () => {
    // C = 2·(X·Wᵀ) + 0.5·bias exercises TensorProto, FLOAT/INT attributes and mixed fixed/symbolic dims.
    const w = new Float32Array([1, 2, 3, 4, 5, 6]); // [2, 3]
    const bias = new Float32Array([10, -10]);
    const bytes = encodeOnnxModel({
      nodes: [
        {
          opType: 'Gemm',
          inputs: ['X', 'W', 'bias'],
          outputs: ['Y'],
          name: 'g',
          attributes: [
            { name: 'transB', value: 1 },
            { name: 'alpha', value: 2, float: true },
            { name: 'beta', value: 0.5 },
          ],
        },
      ],
      inputs: [{ name: 'X', dims: ['rows', 3] }],
      outputs: [{ name: 'Y', dims: ['rows', 2] }],
      initializers: [
        { name: 'W', dims: [2, 3], data: w },
        { name: 'bias', dims: [2], data: bias },
      ],
    });
    const session = await ort.InferenceSession.create(bytes);
    const y = await session.run({ X: new ort.Tensor('float32', new Float32Array([1, 0, -1, 2, 2, 2]), [2, 3]) });
    expect(Array.from(y.Y!.data as Float32Array)).toEqual([2 * (1 - 3) + 5, 2 * (4 - 6) - 5, 2 * 12 + 5, 2 * 30 - 5]);
    await session.release();
  });

  it('encodes negative int attributes (10-byte varints), e.g. Softmax axis = -1', async () => {
    const session = await ort.InferenceSession.create(
      encodeOnnxModel({
        nodes: [{ opType: 'Softmax', inputs: ['X'], outputs: ['Y'], attributes: [{ name: 'axis', value: -1 }] }],
        inputs: [{ name: 'X', dims: [2, 2] }],
        outputs: [{ name: 'Y', dims: [2, 2] }],
      }),
    );
    const y = (await session.run({ X: new ort.Tensor('float32', new Float32Array([0, 0, 0, Math.log(3)]), [2, 2]) })).Y!.data as Float32Array;
    expect(Array.from(y).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0.5, 0.5, 0.25, 0.75]);
    await session.release();
  });
});
