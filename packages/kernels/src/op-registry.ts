/**
 * Every op of @rlvr/kernels, one entry per op folder: what it computes, which passes its WGSL kernels
 * implement, where each of its parts lives, and how its implementations are held to account. KERNELS.md
 * is generated from it (`npm run kernels-table -w @rlvr/kernels`), and op-registry.test.ts checks that
 * every path exists, that every file of an op folder is named here, and that KERNELS.md is current.
 *
 * Layout of an op folder `src/<op>/` (files named after the op, or after a sub-op in `loss/`):
 *   <op>.wgsl (+ <op>-backward.wgsl)  the WGSL kernels
 *   <op>.gpu.ts                      the GPU wrapper: pipeline specs, `plan*` (record into a pass), one-shot `…Gpu` forms
 *   <op>.reference.ts                the plain-loop f64 reference, the ground truth (`@rlvr/kernels/reference`)
 *   <op>.cpu.ts                      the fast f32 CPU implementation of the `cpu` backend (root `cpuOps`)
 *   <op>.shared.ts                   what the implementations share: shapes, options, constants, helpers
 *   <op>.cases.ts                    the case table every implementation is tested on (`@rlvr/kernels/testing`)
 *   <op>.tolerance.ts                the derived error bound of the GPU kernels against the reference
 *   <op>.reference.test.ts, <op>.cpu.test.ts, <op>.gpu.test.ts   their tests (GPU tests need an adapter)
 * Production code never imports a `*.reference.ts` except where the reference is the implementation
 * (the CPU decoder's reference op set; see the allow-list in op-registry.test.ts).
 */

/** Where the parts of one op live, relative to src/. */
export interface OpFiles {
  /** WGSL shaders. */
  wgsl: readonly string[];
  /** The GPU wrapper (plans and one-shot functions). */
  gpu: string;
  /** Plain-loop references. */
  reference: readonly string[];
  /** Fast f32 CPU implementations ([] where the reference is the CPU implementation). */
  cpu: readonly string[];
  /** Shapes, options and helpers shared by the implementations (null: none). */
  shared: string | null;
  /** Case tables. */
  cases: readonly string[];
  /** The GPU error bound (null: the kernels are bit-exact). */
  tolerance: string | null;
  /** Other modules of the op (e.g. a split planner). */
  helpers: readonly string[];
  /** Tests: of the references (finite differences), of the fast CPU ops, of the GPU kernels, and others. */
  tests: { reference: readonly string[]; cpu: readonly string[]; gpu: readonly string[]; other: readonly string[] };
}

/** One op of the package. */
export interface OpEntry {
  /** Folder under src/ (also the op id). */
  id: string;
  /** What it computes. */
  computes: string;
  /** Passes implemented on the GPU. */
  passes: 'forward' | 'forward + backward' | 'update';
  /** Where everything about it lives. */
  files: OpFiles;
  /** Tolerances in one line each: GPU vs the f64 reference, fast CPU vs the reference (derivations in the named files). */
  tolerance: { gpu: string; cpu: string };
  /** bench-results/kernels.json entries that measure it, if any. */
  benchEntries: readonly string[];
}

/** The files of op `id` named by the scheme: `<id>/<name>.<role>.ts` for each name (`id` unless given). */
function scheme(
  id: string,
  parts: {
    wgsl?: readonly string[];
    cpu?: boolean;
    shared?: boolean;
    tolerance?: boolean;
    names?: readonly string[];
    gpuName?: string;
  },
): OpFiles {
  const names = parts.names ?? [id];
  const at = (file: string): string => `${id}/${file}`;
  const cpu = parts.cpu ?? true;
  return {
    wgsl: (parts.wgsl ?? [`${id}.wgsl`]).map(at),
    gpu: at(`${parts.gpuName ?? id}.gpu.ts`),
    reference: names.map((n) => at(`${n}.reference.ts`)),
    cpu: cpu ? names.map((n) => at(`${n}.cpu.ts`)) : [],
    shared: parts.shared === false ? null : at(`${id}.shared.ts`),
    cases: names.map((n) => at(`${n}.cases.ts`)),
    tolerance: parts.tolerance === false ? null : at(`${id}.tolerance.ts`),
    helpers: [],
    tests: {
      reference: names.map((n) => at(`${n}.reference.test.ts`)),
      cpu: cpu ? names.map((n) => at(`${n}.cpu.test.ts`)) : [],
      gpu: [at(`${parts.gpuName ?? id}.gpu.test.ts`)],
      other: [],
    },
  };
}

const loss = scheme('loss', { names: ['log-softmax-gather', 'pg-loss'], gpuName: 'loss' });
const matmul = scheme('matmul', { cpu: false });

/** Every op of @rlvr/kernels, in the order of the decoder's forward pass, then the loss and the optimizer step. */
export const OPS: readonly OpEntry[] = [
  {
    id: 'embedding',
    computes: 'token embedding gather; deterministic CSR scatter-add gradient; a table over one binding in row windows',
    passes: 'forward + backward',
    files: scheme('embedding', {}),
    tolerance: {
      gpu: 'gather bit-exact; scatter (count+1)·u·Σ|dout|',
      cpu: 'gather bit-exact; scatter 1e-6·max(1, max|ref|)',
    },
    benchEntries: [],
  },
  {
    id: 'rmsnorm',
    computes: 'RMSNorm y = x·rstd·w; dx, dweight (also the per-head q/k norm of Qwen3)',
    passes: 'forward + backward',
    files: scheme('rmsnorm', { wgsl: ['rmsnorm.wgsl', 'rmsnorm-backward.wgsl'] }),
    tolerance: { gpu: '(H+16)·u·|x·s·w| forward, derived bounds backward', cpu: '1e-6·max(1, max|ref|)' },
    benchEntries: [],
  },
  {
    id: 'matmul',
    computes:
      'C = A·B, NN/NT/TN/TT, batched, 4×4 register blocking, vec4 when aligned; operands over one binding as sub-products over windows; on the cpu backend ONNX Runtime (ort/)',
    passes: 'forward + backward',
    files: {
      ...matmul,
      cpu: ['ort/ort-matmul.ts'],
      helpers: ['matmul/matmul-split.ts'],
      tests: {
        ...matmul.tests,
        cpu: ['ort/ort-matmul.test.ts'],
        reference: ['matmul/matmul.reference.test.ts'],
        other: ['matmul/matmul-split.test.ts', 'matmul/matmul.pipeline.test.ts'],
      },
    },
    tolerance: { gpu: '(K+2)·2⁻²⁴·(|A|·|B|)ᵢⱼ, rigorous', cpu: 'ONNX Runtime 2(K+1)·2⁻²⁴·Σ|a||b|' },
    benchEntries: ['matmul-256-webgpu', 'matmul-1024-webgpu', 'matmul-decoder-webgpu'],
  },
  {
    id: 'bias',
    computes: "a Linear layer's bias: y += b per row (in place), db = column sums of dy",
    passes: 'forward + backward',
    files: scheme('bias', { shared: false }),
    tolerance: {
      gpu: 'add bit-exact; gradient (rows+1)·u·Σ|dy|',
      cpu: 'add bit-exact; gradient 1e-6·max(1, max|ref|)',
    },
    benchEntries: [],
  },
  {
    id: 'rope',
    computes:
      'rotary embedding, HF rotate-half; inverse rotation for the gradient; cos/sin tables and positions from the mask',
    passes: 'forward + backward',
    files: scheme('rope', {}),
    tolerance: {
      gpu: '4u·(|a|+|b|) per rotated pair',
      cpu: '1e-6·max(1, max|ref|); fused into the fast attention bit for bit',
    },
    benchEntries: [],
  },
  {
    id: 'attention',
    computes: 'causal self-attention, grouped-query heads, padding mask; o and lse; dq, dk, dv',
    passes: 'forward + backward',
    files: scheme('attention', { wgsl: ['attention.wgsl', 'attention-backward.wgsl'] }),
    tolerance: {
      gpu: 'derived per element, doubled',
      cpu: '1e-6 (reference engine), 1e-5 (ORT engine; 1e-3 for scores ~10³) of max(1, max|ref|)',
    },
    benchEntries: [],
  },
  {
    id: 'residual',
    computes: 'a + b (the gradient is two copies), and a += b in place (a backward summing two branches)',
    passes: 'forward + backward',
    files: scheme('residual', { shared: false, tolerance: false }),
    tolerance: { gpu: 'bit-exact', cpu: 'bit-exact' },
    benchEntries: [],
  },
  {
    id: 'swiglu',
    computes: 'silu(gate)·up; dgate, dup',
    passes: 'forward + backward',
    files: scheme('swiglu', { shared: false }),
    tolerance: { gpu: '(16 + 2·min(|g|,128))·u × term sizes', cpu: '1e-6·max(1, max|ref|)' },
    benchEntries: [],
  },
  {
    id: 'loss',
    computes:
      'fused log-softmax + gather (logprob, entropy) and the PG loss with d(loss)/d(logits): one dispatch per call on hardware (a workgroup per row), three small passes on a software adapter (chunked rows, see loss.gpu.ts)',
    passes: 'forward + backward',
    files: {
      ...loss,
      reference: [...loss.reference, 'loss/pg-loss-logits.reference.ts'],
      // The PG loss over [tokens] logprobs is O(tokens): its reference is the cpu backend's implementation.
      cpu: ['loss/log-softmax-gather.cpu.ts'],
      // The reference loss on rows already through the log-softmax: every engine's path for the loss options its fused kernel lacks.
      helpers: ['loss/row-loss.ts'],
      tests: {
        ...loss.tests,
        reference: [...loss.tests.reference, 'loss/pg-loss-variants.reference.test.ts'],
        cpu: ['loss/log-softmax-gather.cpu.test.ts'],
      },
    },
    tolerance: {
      gpu: 'first-order f32 analysis × 4',
      cpu: 'log-softmax 4u·(1+|z|)·max(1, ln V); dlogits 8u·(1+|z|)·|g|; PG loss = the reference',
    },
    benchEntries: ['loss-fused-webgpu', 'loss-pg-backward-webgpu'],
  },
  {
    id: 'grad-norm',
    computes: 'global L2 norm over many buffers (two stages) and in-place clip scale, per binding window',
    passes: 'update',
    // One f64 pass over the gradients per step: the reference is the cpu backend's implementation.
    files: scheme('grad-norm', { cpu: false }),
    tolerance: { gpu: 'relative (chunk + partials + 8)·u', cpu: '— (the reference)' },
    benchEntries: [],
  },
  {
    id: 'adamw',
    computes: 'AdamW step (decoupled decay, bias correction, PyTorch order) in place, per binding window',
    passes: 'update',
    files: scheme('adamw', {}),
    tolerance: { gpu: 'accumulated per step', cpu: 'bit-identical' },
    benchEntries: [],
  },
];

/** Every file an entry names, relative to src/. */
export function opFiles(op: OpEntry): string[] {
  const f = op.files;
  const t = f.tests;
  return [
    ...f.wgsl,
    f.gpu,
    ...f.reference,
    ...f.cpu,
    ...(f.shared ? [f.shared] : []),
    ...f.cases,
    ...(f.tolerance ? [f.tolerance] : []),
    ...f.helpers,
    ...t.reference,
    ...t.cpu,
    ...t.gpu,
    ...t.other,
  ];
}

/** A bench result as bench-results/kernels.json holds it. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

/** The throughput cell of an op from bench results (— when none were measured). */
export function measuredThroughput(op: OpEntry, results: readonly BenchResult[]): string {
  return (
    op.benchEntries
      .map((name) => results.find((entry) => entry.name === name))
      .filter((entry): entry is BenchResult => entry !== undefined)
      .map((entry) => `${entry.name}: ${entry.value.toFixed(1)} ${entry.unit.split(' ')[0]}`)
      .join('; ') || '—'
  );
}

// Absolute values (|x|) would otherwise end a Markdown table cell.
const cell = (text: string): string => text.replace(/\|/g, '\\|');
const code = (paths: readonly string[]): string => (paths.length === 0 ? '—' : paths.map((p) => `\`${p}\``).join(', '));

/** KERNELS.md, with each op's throughput cell from `throughput` (the last bench run's, or the committed file's in the test). */
export function renderKernelsMd(throughput: (op: OpEntry) => string): string {
  const summary = OPS.map(
    (op) =>
      `| \`${op.id}\` | ${cell(op.computes)} | ${op.passes} | ${cell(op.tolerance.gpu)} | ${cell(op.tolerance.cpu)} | ${throughput(op)} |`,
  );
  const where = OPS.map((op) => {
    const f = op.files;
    const tests = [...f.tests.reference, ...f.tests.cpu, ...f.tests.gpu, ...f.tests.other];
    return `| \`${op.id}\` | ${code(f.wgsl)} | ${code([f.gpu])} | ${code(f.reference)} | ${code(f.cpu)} | ${code(f.shared ? [f.shared] : [])} | ${code(f.cases)} | ${code(f.tolerance ? [f.tolerance] : [])} | ${code(tests)} |`;
  });
  return [
    '# Ops of @rlvr/kernels',
    '',
    'Generated by `npm run kernels-table -w @rlvr/kernels` from `src/op-registry.ts` and the last',
    '`bench-results/kernels.json` on the machine that ran it; do not edit by hand (src/op-registry.test.ts',
    'fails when this file is stale). u = 2⁻²⁴. Every GPU test and every fast-CPU test compares with the',
    "f64 reference on the reference's own case table; every reference backward is checked against central",
    'finite differences in f64. Hardware numbers (H100) are in docs/benchmarks/kernels.md.',
    '',
    'One folder per op under `src/`: `<op>.wgsl` (kernels), `<op>.gpu.ts` (GPU wrapper: plans and one-shot',
    'forms), `<op>.reference.ts` (plain-loop f64 reference), `<op>.cpu.ts` (fast f32 CPU op of the `cpu`',
    'backend), `<op>.shared.ts` (shapes, options and helpers the implementations share), `<op>.cases.ts`,',
    '`<op>.tolerance.ts` and the tests `<op>.reference.test.ts`, `<op>.cpu.test.ts`, `<op>.gpu.test.ts`.',
    '',
    '| op | computes | GPU passes | tolerance, GPU vs reference | tolerance, fast CPU vs reference | throughput (last bench run) |',
    '|---|---|---|---|---|---|',
    ...summary,
    '',
    '## Where each part lives (paths under `src/`)',
    '',
    '| op | WGSL | GPU wrapper | reference | fast CPU | shared | cases | GPU tolerance | tests |',
    '|---|---|---|---|---|---|---|---|---|',
    ...where,
    '',
  ].join('\n');
}
