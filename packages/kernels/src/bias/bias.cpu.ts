/** Fast f32 bias add and bias gradient (column sums) of the decoder's Linear layers, for the cpu backend; same maths as bias.reference.ts. */

/** Column sums of dy [rows, n] accumulated into db [n] (a Linear bias's gradient), f64 per column. */
export function columnSumsInto(dy: Float32Array, n: number, db: Float32Array): void {
  const acc = new Float64Array(n);
  for (let r = 0; r < dy.length; r += n) for (let j = 0; j < n; j++) acc[j] = acc[j]! + dy[r + j]!;
  for (let j = 0; j < n; j++) db[j] = db[j]! + acc[j]!;
}

/** Adds bias [n] to every row of y [rows, n] in place. */
export function addBiasRows(y: Float32Array, bias: Float32Array): void {
  const n = bias.length;
  for (let r = 0; r < y.length; r += n) for (let j = 0; j < n; j++) y[r + j] = y[r + j]! + bias[j]!;
}
