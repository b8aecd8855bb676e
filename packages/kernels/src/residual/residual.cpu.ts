/** Fast f32 residual add for the cpu backend (into a caller buffer, which may alias an input); same maths as residual.reference.ts. */

/** Residual add y = a + b into y (y may alias a or b). */
export function addInto(a: Float32Array, b: Float32Array, y: Float32Array): void {
  const n = a.length;
  for (let i = 0; i < n; i++) y[i] = a[i]! + b[i]!;
}
