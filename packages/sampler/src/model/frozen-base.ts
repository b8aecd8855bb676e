/**
 * Which weight arrays of a LoRA graph's frozen base were already validated. Validation scans every
 * value for finiteness (seconds per update on a 1B-parameter base), and a training step feeds the same
 * frozen base again with new adapters. Only the adapters train under LoRA, so an array fed again under
 * the same name — the same object, with the same shape — still holds the values that were checked,
 * and its value scan can be skipped; a new array, or a changed shape, is checked in full.
 *
 * A full graph keeps no such record: a full fine-tune updates the policy's arrays in place, so the
 * same object then holds new values, and each of its updates is scanned in full.
 */
import type { NamedTensor, NamedTensors } from '@rlvr/core';

/** The arrays (and their shapes) of a frozen base that passed validation, by tensor name. */
export class FrozenBase {
  readonly #checked = new Map<string, { data: NamedTensor['data']; shape: readonly number[] }>();

  /** Names in `weights` whose array is the object last recorded under that name, with the same shape. */
  unchanged(weights: NamedTensors): Set<string> {
    const same = new Set<string>();
    for (const [name, t] of Object.entries(weights)) {
      const known = this.#checked.get(name);
      if (
        known !== undefined &&
        known.data === t.data &&
        known.shape.length === t.shape.length &&
        known.shape.every((d, i) => d === t.shape[i])
      ) {
        same.add(name);
      }
    }
    return same;
  }

  /** Records `weights`, which just passed validation, as the base now in use (replacing the previous one). */
  record(weights: NamedTensors): void {
    this.#checked.clear();
    for (const [name, t] of Object.entries(weights)) this.#checked.set(name, { data: t.data, shape: [...t.shape] });
  }
}
