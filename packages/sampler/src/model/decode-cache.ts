/**
 * The KV cache of a decode batch (left-padded rows, one token per step), in one of two layouts:
 * - `append` (Optimum graphs): one [B, kvH, length, D] cache per layer holding each row's prompt and
 *   generated tokens; the graph returns past + new, which replaces it (a full copy per step).
 * - `shared` (the project's graph): each prompt's prefill cache is kept **once** ([kvH, prompts, …],
 *   left-padded to the longest prompt) and read by its M rows through a prompt-major grid of row slots
 *   (see {@link DecodeCache.slots}); generated tokens go
 *   into a preallocated per-row buffer, one slot per step. Keys are stored transposed ([…, D, length]).
 *   Memory: prompts × prompt length + rows × generated tokens, instead of rows × (prompt + generated).
 */
import { SamplerError } from '../errors.js';
import type { KvLayout } from './decoder-graph.js';
import type { BufferPool } from './buffer-pool.js';

/** One prompt's prefill cache: [1, kvHeads, length, headDim] per layer. */
export interface PrefillCache {
  length: number;
  keys: Float32Array[];
  values: Float32Array[];
}

/** The shapes a cache needs. */
export interface CacheGeometry {
  numLayers: number;
  numKvHeads: number;
  headDim: number;
}

/**
 * Copies [kvH, n, D] into per-head [D, cap] (transposed) or [cap, D] blocks at slot `at`; head h's
 * block starts at `base + h · headStride`.
 */
function place(
  dst: Float32Array,
  base: number,
  headStride: number,
  src: Float32Array,
  kvH: number,
  n: number,
  d: number,
  cap: number,
  at: number,
  transposed: boolean,
): void {
  for (let h = 0; h < kvH; h++) {
    const head = base + h * headStride;
    if (!transposed) dst.set(src.subarray(h * n * d, (h + 1) * n * d), head + at * d);
    else {
      for (let t = 0; t < n; t++) for (let j = 0; j < d; j++) dst[head + j * cap + at + t] = src[(h * n + t) * d + j]!;
    }
  }
}

/**
 * `shared` layout: the graph sees this many more generated-token slots per row each time the visible
 * ones are full, up to the `generated` limit. The graph's per-row attention reads every visible slot
 * (masked or not), and that read is the memory-bound part of a decode step, so widening with the text
 * instead of showing the limit from the start roughly halves it over a generation. The buffers are
 * allocated at the limit once; widening moves the filled slots to the wider stride in place.
 */
export const CACHE_CHUNK = 16;

/** A batch's cache (see the module comment). */
export class DecodeCache {
  /** `shared` only: per layer, the prompts' prefix keys [kvH, P, D, prefixLength] and values [kvH, P, prefixLength, D]. */
  readonly prefixKeys: Float32Array[] = [];
  /** See {@link DecodeCache.prefixKeys}. */
  readonly prefixValues: Float32Array[] = [];
  /** `shared`: slots of the prefix cache (the longest prompt); `append`: 0. */
  readonly prefixLength: number = 0;

  private constructor(
    /** Layout of the buffers. */
    readonly layout: KvLayout,
    private readonly g: CacheGeometry,
    /** Per row: which prompt (index into the prefills) it continues. */
    public rowPrompt: number[],
    /** Per prompt: leading padding slots (longest prompt − its length). */
    private readonly promptPads: number[],
    /** Per-row slots filled: `append` — padding + prompt + generated; `shared` — generated tokens only. */
    public length: number,
    /** Per-row slots allocated (= length for `append`; `shared` grows by {@link CACHE_CHUNK} up to `limit`). */
    public capacity: number,
    /** `shared`: the most generated-token slots a row may take (the `generated` given to fromPrefills). */
    private readonly limit: number,
    /** Per layer, per-row keys: `append` [B, kvH, capacity, D]; `shared` [B, kvH, D, capacity]. */
    public keys: Float32Array[],
    /** Per layer, per-row values [B, kvH, capacity, D]. */
    public values: Float32Array[],
    /** `shared`: per layer, the allocations behind `keys` and `values` (sized for `limit` slots; those are views). */
    private stores: { keys: Float32Array[]; values: Float32Array[] } | null = null,
    /** Where the stores come from and go back to on {@link DecodeCache.release}. */
    private readonly pool: BufferPool | null = null,
  ) {}

  /** Rows in the batch. */
  get batch(): number {
    return this.rowPrompt.length;
  }

  /** Number of prompts whose prefix caches are held (`shared`). */
  get prompts(): number {
    return this.promptPads.length;
  }

  /**
   * The batch cache for rows continuing `prefills[rowPrompt[r]]`, left-padded to the longest prompt;
   * `generated` (shared layout) is the most generated-token slots a row may take (shown to the graph in
   * chunks); `pool` (shared layout) supplies the per-row buffers and takes them back on `release`.
   */
  static fromPrefills(
    layout: KvLayout,
    g: CacheGeometry,
    prefills: PrefillCache[],
    rowPrompt: number[],
    generated: number,
    pool: BufferPool | null = null,
  ): DecodeCache {
    const longest = Math.max(...prefills.map((p) => p.length));
    const promptPads = prefills.map((p) => longest - p.length);
    const { numKvHeads: kvH, headDim: d } = g;
    const keys: Float32Array[] = [];
    const values: Float32Array[] = [];
    if (layout === 'append') {
      for (let layer = 0; layer < g.numLayers; layer++) {
        const k = new Float32Array(rowPrompt.length * kvH * longest * d);
        const v = new Float32Array(rowPrompt.length * kvH * longest * d);
        rowPrompt.forEach((p, r) => {
          const src = prefills[p]!;
          const base = r * kvH * longest * d;
          place(k, base, longest * d, src.keys[layer]!, kvH, src.length, d, longest, promptPads[p]!, false);
          place(v, base, longest * d, src.values[layer]!, kvH, src.length, d, longest, promptPads[p]!, false);
        });
        keys.push(k);
        values.push(v);
      }
      return new DecodeCache(layout, g, [...rowPrompt], promptPads, longest, longest, Infinity, keys, values);
    }
    const limit = Math.max(generated, 1);
    const cap = Math.min(limit, CACHE_CHUNK);
    const stores = { keys: [] as Float32Array[], values: [] as Float32Array[] };
    for (let layer = 0; layer < g.numLayers; layer++) {
      const size = rowPrompt.length * kvH * limit * d;
      stores.keys.push(pool ? pool.take(size) : new Float32Array(size));
      stores.values.push(pool ? pool.take(size) : new Float32Array(size));
      keys.push(stores.keys[layer]!.subarray(0, rowPrompt.length * kvH * cap * d));
      values.push(stores.values[layer]!.subarray(0, rowPrompt.length * kvH * cap * d));
    }
    const cache = new DecodeCache(layout, g, [...rowPrompt], promptPads, 0, cap, limit, keys, values, stores, pool);
    (cache as { prefixLength: number }).prefixLength = longest;
    for (let layer = 0; layer < g.numLayers; layer++) {
      const pk = new Float32Array(prefills.length * kvH * longest * d);
      const pv = new Float32Array(prefills.length * kvH * longest * d);
      // Head-major ([kvH, prompts, …]): the graph's per-prompt products batch over (head, prompt).
      const headStride = prefills.length * longest * d;
      prefills.forEach((src, p) => {
        const base = p * longest * d;
        place(pk, base, headStride, src.keys[layer]!, kvH, src.length, d, longest, promptPads[p]!, true);
        place(pv, base, headStride, src.values[layer]!, kvH, src.length, d, longest, promptPads[p]!, false);
      });
      cache.prefixKeys.push(pk);
      cache.prefixValues.push(pv);
    }
    return cache;
  }

  /**
   * The prompt-major grid of rows for the graph's prefix attention: `slotRow` [prompts · perPrompt] names
   * the row in each slot (prompt p's j-th row in slot p · perPrompt + j; an unused slot repeats row 0,
   * its result is dropped), `rowSlot` [batch] each row's slot. `perPrompt` is the most rows any prompt has.
   */
  slots(): { slotRow: BigInt64Array; rowSlot: BigInt64Array; perPrompt: number } {
    const counts = new Array<number>(this.prompts).fill(0);
    for (const p of this.rowPrompt) counts[p]!++;
    const perPrompt = Math.max(1, ...counts);
    const slotRow = new BigInt64Array(this.prompts * perPrompt);
    const rowSlot = new BigInt64Array(this.batch);
    counts.fill(0);
    this.rowPrompt.forEach((p, r) => {
      const slot = p * perPrompt + counts[p]!++;
      slotRow[slot] = BigInt(r);
      rowSlot[r] = BigInt(slot);
    });
    return { slotRow, rowSlot, perPrompt };
  }

  /**
   * The next step's attention mask [B, prefixLength + capacity + 1]: a row's own prompt slots (after its
   * padding), its filled generated slots and the new token are 1.
   */
  mask(): BigInt64Array {
    const total = this.prefixLength + this.capacity + 1;
    const mask = new BigInt64Array(this.batch * total);
    this.rowPrompt.forEach((p, r) => {
      const row = r * total;
      const pad = this.promptPads[p]!;
      if (this.layout === 'append') mask.fill(1n, row + pad, row + this.length);
      else {
        mask.fill(1n, row + pad, row + this.prefixLength);
        mask.fill(1n, row + this.prefixLength, row + this.prefixLength + this.length);
      }
      mask[row + total - 1] = 1n;
    });
    return mask;
  }

  /** Takes the step's outputs: `append` — the presents replace the cache; `shared` — the new K/V [B, kvH, 1, D] go to slot `length`. */
  advance(keys: Float32Array[], values: Float32Array[]): void {
    if (this.layout === 'append') {
      this.keys = keys;
      this.values = values;
      this.length++;
      this.capacity++;
      return;
    }
    if (this.length >= this.capacity) {
      if (this.capacity >= this.limit) {
        throw new SamplerError(
          `DecodeCache.advance: the generated-token KV cache is full (${this.limit} slots, the \`generated\` given to fromPrefills)`,
        );
      }
      this.grow(Math.min(this.limit, this.capacity + CACHE_CHUNK));
    }
    const { numKvHeads: kvH, headDim: d } = this.g;
    const cap = this.capacity;
    const slot = this.length;
    for (let layer = 0; layer < this.g.numLayers; layer++) {
      const k = this.keys[layer]!;
      const v = this.values[layer]!;
      const nk = keys[layer]!;
      const nv = values[layer]!;
      // Row-head pairs are contiguous in both the [B, kvH, 1, D] outputs and the buffers.
      for (let rh = 0; rh < this.batch * kvH; rh++) {
        v.set(nv.subarray(rh * d, (rh + 1) * d), (rh * cap + slot) * d);
        const base = rh * cap * d + slot;
        for (let j = 0; j < d; j++) k[base + j * cap] = nk[rh * d + j]!;
      }
    }
    this.length++;
  }

  /**
   * `shared`: widens the per-row buffers to `capacity` slots, moving each line's filled slots to the new
   * stride in place (last line first, so nothing is overwritten before it moves).
   */
  private grow(capacity: number): void {
    const { numKvHeads: kvH, headDim: d } = this.g;
    const old = this.capacity;
    const filled = this.length;
    const heads = this.batch * kvH;
    const stores = this.stores!;
    for (let layer = 0; layer < this.g.numLayers; layer++) {
      const k = stores.keys[layer]!;
      const v = stores.values[layer]!;
      // Keys [B·kvH·D lines, capacity]; values [B·kvH blocks, capacity, D].
      // A plain loop, last slot first (a line's new place can overlap its old one): one copyWithin per
      // line costs far more per call than the few floats it moves.
      for (let line = heads * d - 1; line > 0; line--) {
        const from = line * old;
        const to = line * capacity;
        for (let t = filled - 1; t >= 0; t--) k[to + t] = k[from + t]!;
      }
      for (let rh = heads - 1; rh > 0; rh--) v.copyWithin(rh * capacity * d, rh * old * d, (rh * old + filled) * d);
      this.keys[layer] = k.subarray(0, heads * d * capacity);
      this.values[layer] = v.subarray(0, heads * capacity * d);
    }
    this.capacity = capacity;
  }

  /** Keeps only rows `keep` (in that order): finished samples stop costing compute. Prefix caches stay. */
  selectRows(keep: number[]): void {
    const rowSize = this.g.numKvHeads * this.capacity * this.g.headDim;
    // `shared` keeps room for `limit` slots per row, so later widening stays in place.
    const storeRow = this.stores ? this.g.numKvHeads * this.limit * this.g.headDim : rowSize;
    const pick = (all: Float32Array): Float32Array => {
      const out = new Float32Array(keep.length * storeRow);
      keep.forEach((r, i) => out.set(all.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize));
      return out;
    };
    if (this.stores) {
      // Rows kept in order (the sampler's case) move down within the same buffers: a new allocation
      // would pay the first-touch page faults (see BufferPool) every time rows finish.
      const inOrder = keep.every((r, i) => i === 0 || r > keep[i - 1]!);
      const compact = (all: Float32Array): Float32Array => {
        keep.forEach((r, i) => all.copyWithin(i * rowSize, r * rowSize, (r + 1) * rowSize));
        return all;
      };
      if (inOrder) this.stores = { keys: this.stores.keys.map(compact), values: this.stores.values.map(compact) };
      else this.stores = { keys: this.keys.map(pick), values: this.values.map(pick) };
      this.keys = this.stores.keys.map((k) => k.subarray(0, keep.length * rowSize));
      this.values = this.stores.values.map((v) => v.subarray(0, keep.length * rowSize));
    } else {
      this.keys = this.keys.map(pick);
      this.values = this.values.map(pick);
    }
    this.rowPrompt = keep.map((r) => this.rowPrompt[r]!);
  }

  /** Gives the per-row buffers back to the pool they came from (`shared`); the cache is unusable after. */
  release(): void {
    if (this.pool && this.stores) this.pool.release([...this.stores.keys, ...this.stores.values]);
    this.stores = null;
    this.keys = [];
    this.values = [];
  }

  /** Bytes held by the cache buffers (prefix and per-row). */
  get bytes(): number {
    const sum = (arrays: Float32Array[]): number => arrays.reduce((n, a) => n + a.length, 0);
    const perRow = this.stores ?? this;
    return 4 * (sum(perRow.keys) + sum(perRow.values) + sum(this.prefixKeys) + sum(this.prefixValues));
  }
}
