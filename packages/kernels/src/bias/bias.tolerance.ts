/**
 * The error bound of the WGSL bias gradient against the f64 reference: |gpu − ref| ≤ (rows + 1)·u·Σ_r |dy[r, j]|
 * per column j, u = 2⁻²⁴. Why: the kernel adds the rows' values in sequence in f32, rows − 1 roundings of
 * at most u relative to the running sum of magnitudes (γ_rows), and the reference rounds its f64 sum
 * once more. A dropped or doubled row moves a column by a whole |dy| term. The bias add itself is one
 * correctly rounded f32 add, bit-exact (no tolerance).
 */
export function biasGradTolerance(dy: Float32Array, rows: number, n: number): Float64Array {
  const tol = new Float64Array(n);
  for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) tol[j] = tol[j]! + Math.abs(dy[r * n + j]!);
  return tol.map((m) => (rows + 1) * 2 ** -24 * m + 1e-30);
}
