import type { CliIo, Command } from './command.js';
import { formatHelp, parseOptions, type OptionSpecs, type ParsedOptions } from './parse-options.js';

/** What a subcommand declares; {@link defineCommand} adds help and flag parsing. */
export interface CommandDefinition<S extends OptionSpecs> {
  /** The word after `rlvr`. */
  name: string;
  /** One line for `rlvr --help`. */
  summary: string;
  /** The text above the flag list in `rlvr <name> --help`. */
  description: string;
  /** The command's flags. */
  options: S;
  /** Example invocations for the help text. */
  examples?: readonly string[];
  /** Run with the parsed flags; return the exit code or throw a CliError for user errors. */
  execute(values: ParsedOptions<S>, io: CliIo): Promise<number>;
}

/** Build a {@link Command}: `--help` prints the help, anything else is parsed and handed to `execute`. */
export function defineCommand<S extends OptionSpecs>(definition: CommandDefinition<S>): Command {
  const help = (): string =>
    formatHelp(definition.name, definition.description, definition.options, definition.examples);
  return {
    name: definition.name,
    summary: definition.summary,
    help,
    async run(args, io) {
      const parsed = parseOptions(args, definition.options);
      if (parsed.help) {
        io.stdout.write(help());
        return 0;
      }
      return definition.execute(parsed.values, io);
    },
  };
}
