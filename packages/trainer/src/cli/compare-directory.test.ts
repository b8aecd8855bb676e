import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { useTempDir } from '../testing/temp-dir.js';
import { foreignCompareEntry } from './compare-directory.js';

const tempDir = useTempDir('rlvr-compare-directory-');

/** A folder holding `files` (relative paths; a trailing `/` makes an empty folder). */
function folder(name: string, files: readonly string[]): string {
  const root = join(tempDir(), name);
  mkdirSync(root, { recursive: true });
  for (const file of files) {
    const path = join(root, file);
    if (file.endsWith('/')) mkdirSync(path, { recursive: true });
    else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, 'x');
    }
  }
  return root;
}

const COMPARISON = [
  'results.md',
  'results.json',
  'sweep.md',
  'theory.md',
  'accuracy-vs-step.svg',
  'rho-linear-r.svg.tmp-12-ab',
  'runs/linear-r/seed-1/config.json',
  'runs/linear-r/seed-1/metrics.jsonl',
  'runs/linear-r/seed-1/checkpoints/step-20/state.json',
  'runs/grpo-lr0.001/seed-2.log',
  'runs/grpo-lr0.001/seed-2.config.json',
  'runs/grpo-lr0.001/seed-2/',
];

describe('foreignCompareEntry', () => {
  test('a missing, an empty, and an earlier comparison’s folder hold nothing foreign', () => {
    expect(foreignCompareEntry(join(tempDir(), 'missing'))).toBeUndefined();
    expect(foreignCompareEntry(folder('empty', []))).toBeUndefined();
    expect(foreignCompareEntry(folder('comparison', COMPARISON))).toBeUndefined();
  });

  test.each([
    ['a file of the user’s at the top', 'notes.txt'],
    ['a folder in runs/GROUP that is not seed-N', 'runs/linear-r/old/'],
    ['a file inside a run folder that no run writes', 'runs/linear-r/seed-1/notes.txt'],
    ['a folder inside checkpoints that no run writes', 'runs/linear-r/seed-1/checkpoints/best/'],
    ['a file directly in runs', 'runs/README.md'],
  ])('%s is named', (_, extra) => {
    const root = folder(`with-${extra.replace(/\W/g, '_')}`, [...COMPARISON, extra]);
    expect(foreignCompareEntry(root)).toBe(join(root, extra.replace(/\/$/, '')));
  });

  test('a file given as --out is named itself', () => {
    const file = join(folder('file-parent', ['out']), 'out');
    expect(foreignCompareEntry(file)).toBe(file);
  });
});
