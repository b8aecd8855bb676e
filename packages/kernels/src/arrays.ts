/**
 * Flat CPU arrays as every CPU implementation takes them (references, fast cpu ops, the CPU decoder):
 * the float and integer array types, allocation of outputs of the same kind as the inputs, and the
 * argument checks of the plain-loop references (which throw {@link KernelReferenceError}).
 *
 * Why generic over Float32Array | Float64Array: kernels run on Float32Array (the f32 contract of every
 * GPU kernel), but the finite-difference tests must run the *same* code end-to-end in f64 — an f32
 * forward would drown a 1e-5 step in 1e-7 rounding noise. Outputs take the kind of the first float
 * input; accumulation is always in JS numbers (f64) and the result is rounded once when stored.
 */

import { KernelReferenceError } from './errors.js';

/** A flat row-major float tensor: Float32Array in production, Float64Array in gradient checks. */
export type Floats = Float32Array | Float64Array;

/** Integer ids (token ids, positions, masks given as integers). */
export type Ints = Int32Array | Uint32Array | readonly number[];

/** A new zero-filled array of `n` elements of the same kind (f32 or f64) as `like`. */
export function allocLike<T extends Floats>(like: T, n: number): T {
  return (like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n)) as T;
}

/** Throw unless `value` is an integer ≥ `min`. */
export function requireInt(argument: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new KernelReferenceError(argument, `expected an integer ≥ ${min}, got ${value}`);
  }
}

/** Throw unless `array` has exactly `n` elements (the layout the caller documented). */
export function requireLength(argument: string, array: ArrayLike<number>, n: number, layout: string): void {
  if (array.length !== n) {
    throw new KernelReferenceError(argument, `expected ${n} elements (${layout}), got ${array.length}`);
  }
}

/** Throw unless `value` is a finite number. */
export function requireFinite(argument: string, value: number): void {
  if (!Number.isFinite(value)) throw new KernelReferenceError(argument, `expected a finite number, got ${value}`);
}

/** Element `i` of an array whose bounds the caller has already checked (keeps strict index types quiet). */
export function at(array: ArrayLike<number>, i: number): number {
  return array[i] as number;
}
