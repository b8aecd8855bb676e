/**
 * What the package's WGSL kernels are and how each is held to account: the data behind the generated
 * KERNELS.md (`npm run kernels-table`). One entry per kernel folder; a test checks that every file named
 * here exists, so the table cannot drift from the tree.
 */

/** One WGSL kernel of the package. */
export interface KernelEntry {
  /** Folder under src/ (also the kernel id). */
  id: string;
  /** What it computes. */
  computes: string;
  /** Passes implemented on the GPU. */
  passes: 'forward' | 'forward + backward' | 'update';
  /** WGSL files, relative to src/. */
  wgsl: readonly string[];
  /** The CPU reference it is tested against, relative to src/. */
  reference: string;
  /** The GPU test, relative to src/. */
  gpuTest: string;
  /** The tolerance in one line (the derivation is in the named file). */
  tolerance: string;
  /** bench-results/kernels.json entries that measure it, if any. */
  benchEntries: readonly string[];
}

/** Every WGSL kernel of @rlvr/kernels, in the order of the decoder's forward pass. */
export const KERNEL_TABLE: readonly KernelEntry[] = [
  { id: 'embedding', computes: 'token embedding gather; deterministic CSR scatter-add gradient; a table over one binding in row windows', passes: 'forward + backward', wgsl: ['embedding/embedding.wgsl'], reference: 'reference/embedding.ts', gpuTest: 'embedding/embedding.gpu.test.ts', tolerance: 'gather bit-exact; scatter (count+1)·u·Σ|dout|', benchEntries: [] },
  { id: 'rmsnorm', computes: 'RMSNorm y = x·rstd·w; dx, dweight', passes: 'forward + backward', wgsl: ['rmsnorm/rmsnorm.wgsl', 'rmsnorm/rmsnorm-backward.wgsl'], reference: 'reference/rmsnorm.ts', gpuTest: 'rmsnorm/rmsnorm.gpu.test.ts', tolerance: '(H+16)·u·|x·s·w| forward, derived bounds backward (rmsnorm.tolerance.ts)', benchEntries: [] },
  { id: 'matmul', computes: 'C = A·B, NN/NT/TN/TT, batched, 4×4 register blocking, vec4 when aligned; operands over one binding as sub-products over windows', passes: 'forward + backward', wgsl: ['matmul/matmul.wgsl'], reference: 'matmul/matmul.reference.ts', gpuTest: 'matmul/matmul.gpu.test.ts', tolerance: '(K+2)·2⁻²⁴·(|A|·|B|)ᵢⱼ, rigorous (matmul.tolerance.ts)', benchEntries: ['matmul-256-webgpu', 'matmul-1024-webgpu', 'matmul-decoder-webgpu'] },
  { id: 'rope', computes: 'rotary embedding, HF rotate-half; inverse rotation for the gradient', passes: 'forward + backward', wgsl: ['rope/rope.wgsl'], reference: 'reference/rope.ts', gpuTest: 'rope/rope.gpu.test.ts', tolerance: '4u·(|a|+|b|) per rotated pair', benchEntries: [] },
  { id: 'attention', computes: 'causal self-attention, grouped-query heads, padding mask; o and lse; dq, dk, dv', passes: 'forward + backward', wgsl: ['attention/attention.wgsl', 'attention/attention-backward.wgsl'], reference: 'reference/attention.ts', gpuTest: 'attention/attention.gpu.test.ts', tolerance: 'derived per element, doubled (attention.tolerance.ts)', benchEntries: [] },
  { id: 'residual', computes: 'a + b (the gradient is two copies)', passes: 'forward + backward', wgsl: ['residual/residual.wgsl'], reference: 'reference/residual.ts', gpuTest: 'residual/residual.gpu.test.ts', tolerance: 'bit-exact', benchEntries: [] },
  { id: 'swiglu', computes: 'silu(gate)·up; dgate, dup', passes: 'forward + backward', wgsl: ['swiglu/swiglu.wgsl'], reference: 'reference/swiglu.ts', gpuTest: 'swiglu/swiglu.gpu.test.ts', tolerance: '(16 + 2·min(|g|,128))·u × term sizes (swiglu.tolerance.ts)', benchEntries: [] },
  { id: 'loss', computes: 'fused log-softmax + gather (logprob, entropy) and the PG loss with d(loss)/d(logits): one dispatch per call on hardware (a workgroup per row), three small passes on a software adapter (chunked rows, see src/loss)', passes: 'forward + backward', wgsl: ['loss/loss.wgsl'], reference: 'reference/pg-loss-logits.ts', gpuTest: 'loss/loss.gpu.test.ts', tolerance: 'first-order f32 analysis × 4 (loss.tolerance.ts)', benchEntries: ['loss-fused-webgpu', 'loss-pg-backward-webgpu'] },
  { id: 'grad-norm', computes: 'global L2 norm over many buffers (two stages) and in-place clip scale, per binding window', passes: 'update', wgsl: ['grad-norm/grad-norm.wgsl'], reference: 'reference/grad-norm.ts', gpuTest: 'grad-norm/grad-norm.gpu.test.ts', tolerance: 'relative (chunk + partials + 8)·u', benchEntries: [] },
  { id: 'adamw', computes: 'AdamW step (decoupled decay, bias correction, PyTorch order) in place, per binding window', passes: 'update', wgsl: ['adamw/adamw.wgsl'], reference: 'reference/adamw.ts', gpuTest: 'adamw/adamw.gpu.test.ts', tolerance: 'accumulated per step (adamw.tolerance.ts)', benchEntries: [] },
];
