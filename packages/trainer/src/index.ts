/**
 * @rlvr/trainer: the place where the @rlvr packages meet. So far: the `rlvr` command line
 * (`weights`, `theory`, `verify`) and the SVG figures of the weighting theory; the RL loop comes next.
 */
export { runCli, mainHelp } from './cli/run-cli.js';
export type { CliIo, CliStream, Command } from './cli/command.js';
export { CliError, FAILURE_EXIT_CODE, USAGE_EXIT_CODE, toCliError } from './cli/cli-error.js';
export {
  formatHelp,
  parseChoice,
  parseInteger,
  parseNumber,
  parseOpenUnit,
  parseOptions,
  type OptionSpec,
  type OptionSpecs,
  type ParseResult,
  type ParsedOptions,
} from './cli/parse-options.js';
export { COMMANDS } from './commands/index.js';
export { weightsCommand, parseRewards, type WeightsOutput } from './commands/weights.js';
export {
  VERIFY_TASKS,
  formatVerifySummary,
  verifyCommand,
  verifyJsonl,
  type VerifyJsonlOptions,
  type VerifySummary,
  type VerifyTask,
} from './commands/verify.js';
export { theoryCommand, theoryTable, formatTheoryTable, type TheoryEntry } from './commands/theory.js';
export { renderSvg, writeSvg } from './figures/render-svg.js';
export { effectiveWeightsSpec } from './figures/effective-weights.js';
export { advantagesSpec } from './figures/advantages.js';
export { trajectoriesSpec } from './figures/trajectories.js';
export { SIMULATION_DEFAULTS, simulationSpec, type SimulationFigureOptions } from './figures/simulation.js';
export {
  SIMULATED_WEIGHTINGS,
  THEORY_FIGURE_FILES,
  writeTheoryFigures,
  type TheoryFigureOptions,
} from './figures/theory-figures.js';
export * from './config/index.js';
export * from './tasks/index.js';
export * from './metrics/index.js';
export * from './checkpoint/index.js';
export * from './report/index.js';
export { reportCommand } from './commands/report.js';
