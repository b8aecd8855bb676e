/**
 * Reuse of the decode cache's large buffers between `generate` calls. A fresh Float32Array of a few
 * hundred MB is zero pages until first written, and the first write to each page costs a page fault:
 * 1.2 s for 330 MB (the 30M benchmark's cache) on the project's machine, against 14 ms to refill memory
 * already touched. Sampling the same group shape again (every RL iteration) thus reuses the buffers.
 */

/** Holds the last released buffers for the next request of the same length. */
export class BufferPool {
  #free: Float32Array[] = [];

  /** A zero-filled array of `length` floats: a released one of that length if any, else a new one. */
  take(length: number): Float32Array {
    const i = this.#free.findIndex((a) => a.length === length);
    if (i < 0) return new Float32Array(length);
    const [array] = this.#free.splice(i, 1);
    return array!.fill(0);
  }

  /** Offers `arrays` for reuse, dropping earlier ones, so the pool holds at most one cache's buffers. */
  release(arrays: Float32Array[]): void {
    this.#free = [...arrays];
  }
}
