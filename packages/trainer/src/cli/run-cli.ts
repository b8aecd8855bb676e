import { COMMANDS } from '../commands/index.js';
import { CliError, INTERNAL_EXIT_CODE, USAGE_EXIT_CODE, toCliError } from './cli-error.js';
import type { CliIo, Command } from './command.js';
import { exitCodeHelp } from './exit-code-docs.js';
import { trainerVersion } from './version.js';

/** The text of `rlvr --help`. */
export function mainHelp(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'rlvr: reinforcement learning with verifiable rewards, built around asymmetric prompt weighting.',
    '',
    'Usage: rlvr <command> [options]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Run "rlvr <command> --help" for the options of a command, "rlvr --version" for the version.',
    '',
    exitCodeHelp(),
  ].join('\n');
}

/**
 * Run the `rlvr` command line in-process: `argv` is what follows the program name. Returns the exit
 * code (EXIT_CODE_TABLE in cli-error.ts: 0 ok, 1 bug, 2 usage, 3 input, 4 storage, 5 divergence,
 * 130/143 interrupted); user errors become one line
 * on `io.stderr`, never a stack.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  commands: readonly Command[] = COMMANDS,
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr.write(
      `rlvr: missing command; expected one of ${commands.map((c) => c.name).join(', ')} (see: rlvr --help)\n`,
    );
    return USAGE_EXIT_CODE;
  }
  if (first === '--help' || first === '-h') {
    io.stdout.write(mainHelp(commands));
    return 0;
  }
  if (first === '--version' || first === '-V') {
    io.stdout.write(`${trainerVersion()}\n`);
    return 0;
  }
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      io.stdout.write(mainHelp(commands));
      return 0;
    }
    const command = commands.find((c) => c.name === topic);
    if (command === undefined) return unknownCommand(topic, io, commands);
    io.stdout.write(command.help());
    return 0;
  }
  const command = commands.find((c) => c.name === first);
  if (command === undefined) return unknownCommand(first, io, commands);
  try {
    return await command.run(rest, io);
  } catch (caught) {
    const error = toCliError(caught);
    if (error instanceof CliError) {
      const hint = error.exitCode === USAGE_EXIT_CODE ? ` (see: rlvr ${command.name} --help)` : '';
      io.stderr.write(`rlvr ${command.name}: ${oneLine(error.message)}${hint}\n`);
      return error.exitCode;
    }
    // Not a user error: a bug or an environment failure. Still one line by default; the stack is
    // there for whoever debugs it.
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`rlvr ${command.name}: unexpected error: ${oneLine(message)}\n`);
    if (process.env.RLVR_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return INTERNAL_EXIT_CODE;
  }
}

function unknownCommand(name: string, io: CliIo, commands: readonly Command[]): number {
  const kind = name.startsWith('-') ? 'unknown option' : 'unknown command';
  io.stderr.write(
    `rlvr: ${kind} ${JSON.stringify(name)}; expected one of ${commands.map((c) => c.name).join(', ')} (see: rlvr --help)\n`,
  );
  return USAGE_EXIT_CODE;
}

/** Error messages are promised to be one line; a library message could hold a newline. */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ');
}
