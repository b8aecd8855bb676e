import { join } from 'node:path';
import { CliError } from '../cli/cli-error.js';
import type { Command } from '../cli/command.js';
import { refuseOutputOverInput, type NamedPath } from '../cli/output-paths.js';
import { formatHelp, parseNumber, parseOptions } from '../cli/parse-options.js';
import { writeOutputFile } from '../cli/write-output.js';
import { RUN_FILES } from '../metrics/index.js';
import { DEFAULT_SMOOTHING } from '../report/metric-charts.js';
import { buildReport } from '../report/report.js';

const OPTIONS = {
  out: {
    type: 'string',
    value: 'FILE',
    description: 'Where to write the HTML page (default report.html; replaced whole, never a file of a run it reads).',
  },
  smoothing: {
    type: 'string',
    value: 'W',
    description: `Weight of the exponential moving average drawn over each training metric, in [0, 1) as TensorBoard's slider (default ${DEFAULT_SMOOTHING}; 0 = none).`,
  },
} as const;

const DESCRIPTION = [
  'Write one self-contained HTML page (inline SVG charts, no scripts, nothing fetched) comparing the given',
  'run directories (RUN_DIR…, each holding the metrics.jsonl of an rlvr train run): accuracy and reward against',
  'steps and against sampled responses with every run overlaid, held-out evaluation, the ρ̂ histogram over steps',
  'as a heatmap (paper Fig. 3), the time of each phase, the training dynamics (loss, KL, entropy, gradient norm,',
  'clip fractions, completion length, learning rate, … raw and smoothed), the sampled completions of each run',
  '(completions.jsonl) and the configuration of each run, differences first.',
].join('\n');

const EXAMPLES = ['rlvr report runs/grpo runs/sqrt-r --out compare.html', 'rlvr report runs/latest'];

/**
 * Split `args` into run directories (positionals) and flags: the shared flag parser takes no
 * positionals, and `report` is the one command whose main inputs are a list.
 */
function splitArgs(args: readonly string[]): { runs: string[]; flags: string[] } {
  const runs: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      runs.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      flags.push(arg);
      const name = arg.replace(/^--?/, '').split('=')[0]!;
      const spec = (OPTIONS as Record<string, { type: string }>)[name];
      // A string flag's value is the next word; the flag parser then checks it.
      if (spec?.type === 'string' && !arg.includes('=') && i + 1 < args.length) flags.push(args[++i]!);
    } else {
      runs.push(arg);
    }
  }
  return { runs, flags };
}

const help = (): string => formatHelp('report RUN_DIR…', DESCRIPTION, OPTIONS, EXAMPLES);

/** `rlvr report RUN_DIR… [--out report.html]`: the HTML report of one or more runs. */
export const reportCommand: Command = {
  name: 'report',
  summary: 'HTML report of one or more runs: learning curves, ρ̂ heatmap, time per phase, configs.',
  help,
  async run(args, io) {
    const { runs, flags } = splitArgs(args);
    const parsed = parseOptions(flags, OPTIONS);
    if (parsed.help) {
      io.stdout.write(help());
      return 0;
    }
    if (runs.length === 0) {
      throw new CliError(undefined, 'expected at least one run directory (rlvr report RUN_DIR… [--out FILE])');
    }
    const out = parsed.values.out ?? 'report.html';
    const smoothing =
      parsed.values.smoothing === undefined ? DEFAULT_SMOOTHING : parseNumber('--smoothing', parsed.values.smoothing);
    if (!(smoothing >= 0 && smoothing < 1)) {
      throw new CliError('--smoothing', `expected a weight in [0, 1), got ${parsed.values.smoothing}`);
    }
    // The page is built from these files; writing it over one of them would destroy the run.
    const inputs: NamedPath[] = runs.flatMap((dir) => [
      { flag: 'RUN_DIR', path: dir },
      { flag: 'RUN_DIR', path: join(dir, RUN_FILES.metrics) },
      { flag: 'RUN_DIR', path: join(dir, RUN_FILES.config) },
      { flag: 'RUN_DIR', path: join(dir, RUN_FILES.completions) },
    ]);
    refuseOutputOverInput({ flag: '--out', path: out }, inputs);
    writeOutputFile(out, await buildReport(runs, { smoothing }), `nothing was written; ${out} is as it was`);
    io.stdout.write(`${out}\n`);
    return 0;
  },
};
