/**
 * The exit codes as `rlvr --help` prints them and as the README lists them, both rendered from the one
 * table `EXIT_CODE_TABLE` (a test checks that the README holds the current rendering).
 */
import { EXIT_CODE_TABLE } from './cli-error.js';

/** The `Exit codes:` section that ends `rlvr --help`. */
export function exitCodeHelp(): string {
  const width = Math.max(...EXIT_CODE_TABLE.map((row) => row.code.length));
  return ['Exit codes:', ...EXIT_CODE_TABLE.map((row) => `  ${row.code.padEnd(width)}  ${row.meaning}`), ''].join('\n');
}

/** The README's exit-code table (Markdown). */
export function exitCodeMarkdown(): string {
  const lines = [
    '| code | meaning |',
    '| --- | --- |',
    ...EXIT_CODE_TABLE.map((row) => `| \`${row.code}\` | ${row.meaning} |`),
  ];
  return `${lines.join('\n')}\n`;
}
