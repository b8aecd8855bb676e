import type { Command } from '../cli/command.js';
import { compareCommand } from './compare.js';
import { demoCommand } from './demo.js';
import { evalCommand } from './eval.js';
import { generateCommand } from './generate.js';
import { mergeCommand } from './merge.js';
import { pretrainCommand } from './pretrain.js';
import { reportCommand } from './report.js';
import { serveCommand } from './serve.js';
import { theoryCommand } from './theory.js';
import { trainCommand } from './train.js';
import { verifyCommand } from './verify.js';
import { weightsCommand } from './weights.js';
import { workerCommand } from './worker.js';
import { workersCommand } from './workers.js';

/**
 * Every `rlvr` subcommand, in the order `rlvr --help` lists them. A new subcommand is a module in
 * this folder that exports a {@link Command}, added here; the dispatcher needs no other change.
 */
export const COMMANDS: readonly Command[] = [
  demoCommand,
  weightsCommand,
  theoryCommand,
  verifyCommand,
  generateCommand,
  trainCommand,
  evalCommand,
  mergeCommand,
  pretrainCommand,
  reportCommand,
  compareCommand,
  serveCommand,
  workerCommand,
  workersCommand,
];
