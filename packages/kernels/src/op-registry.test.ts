/**
 * The op registry against the tree: every path it names exists, every file of an op folder is named by
 * its entry, every folder with WGSL is an op, KERNELS.md is what the registry renders, and production
 * code does not run on the references except where a reference is the implementation.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { OPS, type OpEntry, opFiles, renderKernelsMd } from './op-registry.js';

const src = new URL('./', import.meta.url);
const read = (file: string): string => readFileSync(new URL(file, src), 'utf8');

/** Every file under src/ (relative paths), recursively. */
function tree(dir = ''): string[] {
  return readdirSync(new URL(dir || './', src), { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? tree(`${dir}${d.name}/`) : [`${dir}${d.name}`]));
}

describe('OPS, the op registry', () => {
  it('names files that exist', () => {
    for (const op of OPS) for (const file of opFiles(op)) expect([op.id, file, existsSync(new URL(file, src))]).toEqual([op.id, file, true]);
  });

  it('names every file of every op folder, each once', () => {
    for (const op of OPS) {
      const named = opFiles(op);
      expect(new Set(named).size).toBe(named.length);
      const inFolder = readdirSync(new URL(`${op.id}/`, src)).map((f) => `${op.id}/${f}`);
      expect(inFolder.filter((f) => !named.includes(f))).toEqual([]);
    }
  });

  it('lists every folder that has WGSL, and nothing else has WGSL', () => {
    const wgslFolders = [
      ...new Set(
        tree()
          .filter((f) => f.endsWith('.wgsl'))
          .map((f) => f.split('/')[0]!),
      ),
    ];
    expect(OPS.map((op) => op.id).sort()).toEqual(wgslFolders.sort());
  });

  it('is what KERNELS.md was generated from (only the throughput cells come from a bench run)', () => {
    const committed = readFileSync(new URL('../KERNELS.md', import.meta.url), 'utf8');
    // The committed throughput cell of each op: the last cell of its row in the first table.
    const throughput = (op: OpEntry): string => {
      const row = committed.split('\n').find((line) => line.startsWith(`| \`${op.id}\` | ${op.computes.replace(/\|/g, '\\|')} |`));
      return row?.slice(0, -2).split(' | ').at(-1) ?? '(row missing)';
    };
    // On failure: run `npm run kernels-table -w @rlvr/kernels` and commit KERNELS.md.
    expect(committed).toBe(renderKernelsMd(throughput));
  });
});

describe('package layout', () => {
  /**
   * Production modules that may import a `*.reference.ts`, and why: there the reference is the
   * implementation. Tests, case tables and tolerances (test support) may import references freely.
   */
  const REFERENCE_USERS: Readonly<Record<string, string>> = {
    'reference/index.ts': 'the @rlvr/kernels/reference entry',
    'decoder/reference-chain-ops.ts': "the CPU decoder's reference op set (ground truth, the only op set for f64 models)",
    'decoder/matmul-engine.ts': "the CPU decoder's reference matmul engine",
    'decoder/model.ts': "the reference op set's AdamW and tokenLogprobs; the global gradient norm on both op sets (one f64 pass per step)",
    'backend-model/cpu-backend.ts': "the cpu backend's PG loss: the reference composition over the f32 log-softmax (O(tokens) besides)",
    'loss/row-loss.ts': "every engine's PG loss for the options its fused kernel lacks: the reference composition on the rows' logprobs and entropies",
  };
  const testSupport = (file: string): boolean => /\.test\.ts$|\.cases\.ts$|\.tolerance\.ts$|\.reference\.ts$|^testing\//.test(file);

  it('production code imports references only where the reference is the implementation', () => {
    const offenders = tree()
      .filter((f) => f.endsWith('.ts') && !testSupport(f) && !(f in REFERENCE_USERS))
      .filter((f) => /from '[^']*\.reference\.js'/.test(read(f)));
    expect(offenders).toEqual([]);
  });

  it('keeps the fast cpu ops in their op folders and ONNX Runtime in ort/ (no cpu-ops, no src/cpu/)', () => {
    expect(tree().filter((f) => /(^|\/)cpu-ops|^cpu\//.test(f))).toEqual([]);
  });
});
