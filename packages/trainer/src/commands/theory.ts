import { WEIGHTING_NAMES, costLowerBound, theoryRow, weighting, type Provenance, type TheoryRow } from '@rlvr/weights';
import { CliError, STORAGE_EXIT_CODE } from '../cli/cli-error.js';
import type { Command } from '../cli/command.js';
import { defineCommand } from '../cli/define-command.js';
import { parseInteger, parseOpenUnit } from '../cli/parse-options.js';
import { requireWritableDir } from '../cli/write-output.js';
import { writeTheoryFigures } from '../figures/theory-figures.js';

const OPTIONS = {
  rho0: {
    type: 'string',
    value: 'A',
    required: true,
    description: 'Start success probability ρ₀, in (0, 1); e.g. 0.025 from scratch.',
  },
  target: {
    type: 'string',
    value: 'B',
    required: true,
    description: 'Target success probability, in (0, 1) and above ρ₀.',
  },
  json: { type: 'boolean', description: 'Print one JSON object keyed by weighting name instead of the table.' },
  out: {
    type: 'string',
    value: 'DIR',
    description: 'Also write the SVG figures into DIR (created if missing; each replaced whole) and print their paths.',
  },
  'group-size': {
    type: 'string',
    value: 'M',
    description: 'Group size of the per-group figures and the simulation (default 16).',
  },
} as const;

const DESCRIPTION = [
  'Policy-dynamics theory (dρ/dt = h(ρ)) of every built-in weighting, default parameters, in the',
  'population limit: the update budget B = ∫ω dρ, the time T to go from ρ₀ to the target on the',
  'regular clock (updates) and the effective clock (sampled responses, dτ = dt/ρ), the costs B·T',
  'and their ratios to the Cauchy–Schwarz lower bound (1 = optimal: GRPO regular, Sqrt-R effective).',
  'With --json, stdout is one JSON object {NAME: {budget, regular, effective, regularCost,',
  'effectiveCost, regularRatio, effectiveRatio, label, provenance}, …}; figure paths then go to stderr.',
].join('\n');

const EXAMPLES = [
  'rlvr theory --rho0 0.025 --target 0.8',
  'rlvr theory --rho0 0.025 --target 0.8 --json',
  'rlvr theory --rho0 0.025 --target 0.8 --out out/theory',
];

/** One weighting's entry in `rlvr theory --json`. */
export interface TheoryEntry extends TheoryRow {
  /** Display name, e.g. `Linear-R`. */
  label: string;
  /** Whether the weighting's form is confirmed by the paper or inferred. */
  provenance: Provenance;
}

/** The theory numbers of every built-in weighting (default parameters), keyed by name. */
export function theoryTable(rho0: number, target: number): Record<string, TheoryEntry> {
  const table: Record<string, TheoryEntry> = {};
  for (const name of WEIGHTING_NAMES) {
    const rule = weighting(name);
    table[name] = { ...theoryRow(rule, rho0, target), label: rule.label, provenance: rule.provenance };
  }
  return table;
}

/** Five significant digits, enough to compare with the paper's numbers, without exponent noise. */
function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude >= 1e6 || magnitude < 1e-3) ? value.toExponential(3) : value.toPrecision(5);
}

/** The human-readable table: a header, one row per weighting, then the lower bounds. */
export function formatTheoryTable(table: Record<string, TheoryEntry>, rho0: number, target: number): string {
  const header = [
    'weighting',
    'provenance',
    'budget B',
    'T regular',
    'T effective',
    'B·T regular',
    '× bound',
    'B·T effective',
    '× bound',
  ];
  const rows = Object.entries(table).map(([name, e]) => [
    name,
    e.provenance,
    formatNumber(e.budget),
    formatNumber(e.regular),
    formatNumber(e.effective),
    formatNumber(e.regularCost),
    e.regularRatio.toFixed(3),
    formatNumber(e.effectiveCost),
    e.effectiveRatio.toFixed(3),
  ]);
  const widths = header.map((title, c) => Math.max(title.length, ...rows.map((row) => row[c]!.length)));
  // Text columns left-aligned, numbers right-aligned so that digits line up.
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  const regularBound = costLowerBound(rho0, target, 'regular');
  const effectiveBound = costLowerBound(rho0, target, 'effective');
  return [
    `Time to target from ρ₀ = ${rho0} to ${target} (population limit; B·T: lower is better, × bound: 1 = optimal)`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `Lower bound of B·T, regular time:   ${formatNumber(regularBound)}  (met by h ∝ √(ρ(1−ρ)), GRPO's shape)`,
    `Lower bound of B·T, effective time: ${formatNumber(effectiveBound)}  (met by h ∝ √(1−ρ), Sqrt-R)`,
    '',
  ].join('\n');
}

/** `rlvr theory`: budget, time-to-target and cost of every weighting, optionally the SVG figures. */
export const theoryCommand: Command = defineCommand({
  name: 'theory',
  summary: 'Budget, time to target and B·T of every weighting on both clocks; --out writes the SVG figures.',
  description: DESCRIPTION,
  options: OPTIONS,
  examples: EXAMPLES,
  async execute(options, io) {
    const rho0 = parseOpenUnit('--rho0', options.rho0!);
    const target = parseOpenUnit('--target', options.target!);
    if (!(rho0 < target)) throw new CliError('--target', `expected a target above --rho0 = ${rho0}, got ${target}`);
    const groupSize = options['group-size'] === undefined ? 16 : parseInteger('--group-size', options['group-size'], 2);

    const table = theoryTable(rho0, target);
    if (options.json) io.stdout.write(`${JSON.stringify(table)}\n`);
    else io.stdout.write(formatTheoryTable(table, rho0, target));

    if (options.out !== undefined) {
      // A read-only or unwritable folder is named with its real cause (EROFS, EACCES) before any figure.
      requireWritableDir(options.out, 'the table is complete; no figure was written');
      let paths: string[];
      try {
        paths = await writeTheoryFigures({ dir: options.out, rho0, target, groupSize });
      } catch (error) {
        // File-system failures (a file where the folder should be, no permission) are the user's
        // environment, not a bug: one line, exit 4.
        const code = (error as NodeJS.ErrnoException | undefined)?.code;
        if (typeof code === 'string') {
          throw new CliError(
            '--out',
            `cannot write the figures into ${JSON.stringify(options.out)}: ${(error as Error).message}`,
            STORAGE_EXIT_CODE,
          );
        }
        throw error;
      }
      // With --json, stdout carries exactly one JSON object, so the paths go to stderr.
      const stream = options.json ? io.stderr : io.stdout;
      for (const path of paths) stream.write(`${path}\n`);
    }
    return 0;
  },
});
