import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { captureIo } from '../testing/capture-io.js';
import { EXIT_CODE_TABLE } from './cli-error.js';
import { exitCodeHelp, exitCodeMarkdown } from './exit-code-docs.js';
import { runCli } from './run-cli.js';

describe('the exit-code table', () => {
  test('rlvr --help ends with it, one row per code', async () => {
    const io = captureIo();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.out().endsWith(exitCodeHelp())).toBe(true);
    expect(exitCodeHelp().trimEnd().split('\n')).toHaveLength(EXIT_CODE_TABLE.length + 1);
    expect(exitCodeHelp()).toMatch(/\n {2}4 {10}storage: /);
    expect(exitCodeHelp()).toMatch(/\n {2}130 \/ 143 {2}interrupted by SIGINT/);
  });

  test('the package README holds the current table (regenerate it from exitCodeMarkdown when a row changes)', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    expect(readme).toContain(exitCodeMarkdown());
    expect(exitCodeMarkdown()).toContain('| `0` | success |');
  });
});
