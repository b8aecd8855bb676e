import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WEIGHTING_NAMES, weighting } from '@rlvr/weights';
import { runCli } from '../cli/run-cli.js';
import { SIMULATED_WEIGHTINGS, THEORY_FIGURE_FILES } from '../figures/theory-figures.js';
import { captureIo } from '../testing/capture-io.js';
import { mountTmpfs } from '../testing/tmpfs.js';
import { parseSvgStructure } from '../testing/svg-structure.js';

async function theory(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['theory', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

const FIELDS = ['budget', 'regular', 'effective', 'regularCost', 'effectiveCost', 'regularRatio', 'effectiveRatio'] as const;
type Entry = Record<(typeof FIELDS)[number], number> & { label: string; provenance: string };

describe('rlvr theory --json', () => {
  let table: Record<string, Entry>;
  beforeAll(async () => {
    const { code, out, err } = await theory('--rho0', '0.025', '--target', '0.8', '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
    table = JSON.parse(out);
  });

  test('one entry per built-in weighting, each with finite numbers', () => {
    expect(Object.keys(table)).toEqual([...WEIGHTING_NAMES]);
    for (const name of WEIGHTING_NAMES) {
      for (const field of FIELDS) expect(Number.isFinite(table[name]![field])).toBe(true);
      expect(table[name]!.label).toBe(weighting(name).label);
      expect(table[name]!.regularCost).toBeCloseTo(table[name]!.budget * table[name]!.regular, 10);
      expect(table[name]!.effectiveCost).toBeCloseTo(table[name]!.budget * table[name]!.effective, 10);
    }
  });

  test('0.025 → 0.8 matches the numbers of research/paper.md', () => {
    // Reference values: the paper notes' table of B·T at equal budget (from-scratch row).
    expect(table.grpo!.regularCost).toBeCloseTo(3.5976, 3);
    expect(table.grpo!.regularRatio).toBeCloseTo(1, 6);
    expect(table['sqrt-r']!.effectiveCost).toBeCloseTo(16.811, 2);
    expect(table['sqrt-r']!.effectiveRatio).toBeCloseTo(1, 6);
    expect(table['linear-r']!.regularCost).toBeCloseTo(5.49, 2);
    expect(table['linear-r']!.effectiveCost).toBeCloseTo(17.5, 1);
    expect(table.rloo!.effectiveCost).toBeCloseTo(33.9, 1);
    // Independent closed form: Linear-R has B = ln(ρ*/ρ₀) and T_regular = ∫dρ/(1−ρ) = ln((1−ρ₀)/(1−ρ*)).
    expect(table['linear-r']!.budget).toBeCloseTo(Math.log(0.8 / 0.025), 8);
    expect(table['linear-r']!.regular).toBeCloseTo(Math.log(0.975 / 0.2), 8);
  });

  test('every ratio to the lower bound is at least 1', () => {
    for (const name of WEIGHTING_NAMES) {
      expect(table[name]!.regularRatio).toBeGreaterThan(1 - 1e-9);
      expect(table[name]!.effectiveRatio).toBeGreaterThan(1 - 1e-9);
    }
  });
});

describe('rlvr theory table', () => {
  test('a header, a row per weighting, and the lower bounds', async () => {
    const { code, out, err } = await theory('--rho0', '0.025', '--target', '0.8');
    expect(code).toBe(0);
    expect(err).toBe('');
    const lines = out.split('\n');
    const header = lines.findIndex((line) => line.startsWith('weighting'));
    expect(header).toBeGreaterThanOrEqual(0);
    for (const column of ['budget B', 'T regular', 'T effective', 'B·T regular', 'B·T effective', '× bound']) expect(lines[header]).toContain(column);
    const rows = lines.slice(header + 2, header + 2 + WEIGHTING_NAMES.length);
    expect(rows.map((row) => row.split(/\s+/)[0])).toEqual([...WEIGHTING_NAMES]);
    // Aligned: every row ends at the same column as the header.
    for (const row of rows) expect(row.length).toBe(lines[header]!.length);
    expect(rows[0]).toMatch(/^grpo\s+confirmed\s+1\.8967\s+1\.8967\s+11\.490\s+3\.5976\s+1\.000\s+21\.794\s+1\.296$/);
    expect(out).toMatch(/Lower bound of B·T, regular time:\s+3\.5976/);
    expect(out).toMatch(/Lower bound of B·T, effective time:\s+16\.811/);
  });
});

describe('rlvr theory: bad input exits 2 with one line naming the flag', () => {
  test.each([
    ['ρ0 equal to the target', ['--rho0', '0.5', '--target', '0.5'], '--target', /above --rho0 = 0.5/],
    ['ρ0 above the target', ['--rho0', '0.9', '--target', '0.5'], '--target', /above --rho0/],
    ['ρ0 = 0', ['--rho0', '0', '--target', '0.5'], '--rho0', /strictly between 0 and 1/],
    ['ρ0 negative', ['--rho0', '-0.1', '--target', '0.5'], '--rho0', /between 0 and 1/],
    ['target = 1', ['--rho0', '0.1', '--target', '1'], '--target', /between 0 and 1/],
    ['target above 1', ['--rho0', '0.1', '--target', '1.2'], '--target', /between 0 and 1/],
    ['non-numeric ρ0', ['--rho0', 'low', '--target', '0.8'], '--rho0', /number/],
    ['NaN target', ['--rho0', '0.1', '--target', 'NaN'], '--target', /finite/],
    ['missing --rho0', ['--target', '0.8'], '--rho0', /required/],
    ['missing --target', ['--rho0', '0.1'], '--target', /required/],
    ['unknown flag', ['--rho0', '0.1', '--target', '0.8', '--clock', 'regular'], '--clock', /unknown option/],
    ['a value for --json', ['--rho0', '0.1', '--target', '0.8', '--json=yes'], '--json', /takes no value/],
    ['bad figure group size', ['--rho0', '0.1', '--target', '0.8', '--group-size', '1'], '--group-size', /integer ≥ 2/],
    ['--out without a folder', ['--rho0', '0.1', '--target', '0.8', '--out'], '--out', /expects a value/],
  ])('%s', async (_name, args, flag, detail) => {
    const { code, out, err } = await theory(...args);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^rlvr theory: /);
    expect(err).toContain(flag);
    expect(err).toMatch(detail);
    expect(err).not.toMatch(/\n\s+at /);
  });
});

describe('rlvr theory --out', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rlvr-theory-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes four well-formed SVG figures that name every weighting', async () => {
    const outDir = join(dir, 'nested', 'figures');
    const { code, out, err } = await theory('--rho0', '0.025', '--target', '0.8', '--out', outDir, '--group-size', '8');
    expect(err).toBe('');
    expect(code).toBe(0);
    const paths = THEORY_FIGURE_FILES.map((file) => join(outDir, file));
    // The table first, then one path per line.
    expect(out.trimEnd().split('\n').slice(-4)).toEqual(paths);
    expect((await readdir(outDir)).sort()).toEqual([...THEORY_FIGURE_FILES].sort());

    const allLabels = WEIGHTING_NAMES.map((name) => weighting(name).label);
    const simulatedLabels = SIMULATED_WEIGHTINGS.map((name) => weighting(name).label);
    for (const [i, path] of paths.entries()) {
      const svg = await readFile(path, 'utf8');
      const structure = parseSvgStructure(svg);
      expect(structure.root).toBe('svg');
      expect(structure.rootAttributes).toContain('xmlns="http://www.w3.org/2000/svg"');
      expect(structure.elements).toBeGreaterThan(50);
      const texts = new Set(structure.texts);
      // The legend holds every drawn weighting's label.
      for (const label of i === 3 ? simulatedLabels : allLabels) expect(texts).toContain(label);
      expect(texts).toContain('weighting');
    }
    const effectiveWeights = parseSvgStructure(await readFile(paths[0]!, 'utf8')).texts;
    expect(effectiveWeights.some((text) => text.includes('M = 8'))).toBe(true);
    expect(effectiveWeights).toContain('effective weight h(ρ̂)');
  });

  test('with --json, stdout stays one JSON object and the paths go to stderr', async () => {
    const outDir = join(dir, 'json');
    const { code, out, err } = await theory('--rho0', '0.1', '--target', '0.9', '--json', '--out', outDir);
    expect(code).toBe(0);
    expect(Object.keys(JSON.parse(out))).toEqual([...WEIGHTING_NAMES]);
    expect(err.trimEnd().split('\n')).toEqual(THEORY_FIGURE_FILES.map((file) => join(outDir, file)));
  });

  test('a file where the folder should be: exit 4, one line naming it', async () => {
    const file = join(dir, 'not-a-folder');
    await writeFile(file, 'x');
    const { code, err } = await theory('--rho0', '0.1', '--target', '0.9', '--out', file);
    expect(code).toBe(4);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^rlvr theory: cannot create .*not-a-folder: already exists \(EEXIST\); the table is complete; no figure was written\n$/);
  });

  test('a read-only --out: exit 4 naming EROFS (not ENOENT), the table still printed', async () => {
    const fs = mountTmpfs(join(dir, 'ro'), '1m', true);
    if (fs === undefined) return;
    try {
      const { code, out, err } = await theory('--rho0', '0.1', '--target', '0.9', '--out', join(fs.dir, 'figures'));
      expect(code).toBe(4);
      expect(out).toMatch(/Lower bound of B·T/);
      expect(err).toMatch(/^rlvr theory: cannot create .*figures: read-only file system \(EROFS\); the table is complete; no figure was written\n$/);
    } finally {
      fs.unmount();
    }
  });
});
