import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { WEIGHTING_NAMES } from '@rlvr/weights';
import { advantagesSpec } from './advantages.js';
import { effectiveWeightsSpec } from './effective-weights.js';
import { writeSvg } from './render-svg.js';
import { simulationSpec } from './simulation.js';
import { trajectoriesSpec } from './trajectories.js';

/** The weightings simulated in `simulation-effective-time.svg`: the paper's six, not every baseline. */
export const SIMULATED_WEIGHTINGS = ['grpo', 'rloo', 'linear-r', 'sqrt-r', 'uniform-r', 'plateau-r'] as const;

/** The file names that {@link writeTheoryFigures} writes, in order. */
export const THEORY_FIGURE_FILES = [
  'effective-weights.svg',
  'advantages.svg',
  'trajectories.svg',
  'simulation-effective-time.svg',
] as const;

/** Inputs of {@link writeTheoryFigures}. */
export interface TheoryFigureOptions {
  /** Folder to write into; created if missing. */
  dir: string;
  /** Start success probability ρ₀. */
  rho0: number;
  /** Target success probability. */
  target: number;
  /** Group size M of the per-group figures and the simulation; default 16. */
  groupSize?: number;
  /** Weightings to draw; default every built-in one. */
  names?: readonly string[];
}

/** Write the four theory figures as SVG into `options.dir`; returns their paths. */
export async function writeTheoryFigures(options: TheoryFigureOptions): Promise<string[]> {
  const groupSize = options.groupSize ?? 16;
  const names = options.names ?? WEIGHTING_NAMES;
  const simulated = SIMULATED_WEIGHTINGS.filter((name) => names.includes(name));
  // Create the folder first, so that an unusable --out fails before seconds of simulation and rendering.
  await mkdir(options.dir, { recursive: true });
  const specs = [
    effectiveWeightsSpec(names, groupSize),
    advantagesSpec(names, groupSize),
    trajectoriesSpec(names, options.rho0, options.target),
    simulationSpec({ names: simulated.length > 0 ? simulated : names, initialAccuracy: options.rho0, groupSize }),
  ];
  const paths: string[] = [];
  // One at a time: rendering is CPU-bound, so running them together would not finish sooner.
  for (const [i, spec] of specs.entries()) paths.push(await writeSvg(spec, join(options.dir, THEORY_FIGURE_FILES[i]!)));
  return paths;
}
