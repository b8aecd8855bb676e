/**
 * The Countdown generator's own range checks, run before training so that a setting it refuses (e.g.
 * `task.generator.maxNumbers` below `minNumbers`) is a config error naming the field and its flag,
 * not a library error naming its internal option. The generator is asked for zero problems: it checks
 * every option and draws nothing.
 */
import { VerifierError, generateCountdownProblems } from '@rlvr/verifiers';
import { ConfigError, type TrainConfig } from '../config/index.js';
import { countdownGeneratorOptions } from '../tasks/load-task.js';

/** `maxNumbers` → `max-numbers`, the spelling of a config field on the command line. */
function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Throw a ConfigError (exit 2) for `task.generator` settings the Countdown generator refuses. */
export function checkGeneratorOptions(config: TrainConfig): void {
  if (config.task.name !== 'countdown' || config.task.dataset !== null) return;
  try {
    generateCountdownProblems({ ...countdownGeneratorOptions(config.task.generator, config.seed), count: 0 });
  } catch (error) {
    if (!VerifierError.isInstance(error)) throw error;
    const option = /^options\.(\w+)$/.exec(error.argument)?.[1];
    if (option === undefined) throw error;
    const detail = error.message.slice(error.argument.length + 2);
    const bound = option === 'maxNumbers' ? '; it may not be below task.generator.minNumbers' : '';
    throw new ConfigError(`task.generator.${option}`, `${detail} (flag --task.generator.${kebab(option)}${bound})`);
  }
}
