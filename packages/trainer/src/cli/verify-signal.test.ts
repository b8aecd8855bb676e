/**
 * `rlvr verify` stopped by a real signal, in the built binary (the process's own handlers, as a user's
 * Ctrl-C or `kill` reaches them): whole output lines, the count in the summary, exit 130 / 143.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useTempDir } from '../testing/temp-dir.js';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const built = existsSync(cli);
if (!built) console.warn(`SKIPPED: the signal tests need ${cli}; run \`npx nx run @rlvr/trainer:build\` first.`);

const tempDir = useTempDir('rlvr-verify-signal-');
const ITEM = JSON.stringify({ response: 'So it is 18.\n#### 18', reference: '18' });

(built ? describe : describe.skip)('rlvr verify and a stop signal (built binary)', () => {
  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s while it waits on a FIFO: exit %i, whole lines written and counted',
    async (signal, exitCode) => {
      const fifo = join(tempDir(), `${signal}.fifo`);
      const output = join(tempDir(), `${signal}.jsonl`);
      execFileSync('mkfifo', [fifo]);
      const child = spawn(process.execPath, [cli, 'verify', '--task', 'gsm8k', '--input', fifo, '--output', output], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const writer = await open(fifo, 'w');
      await writer.write(`${ITEM}\n`.repeat(20));
      // The writer stays open, so the command waits for more input until the signal.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      child.kill(signal);
      const code = await exited;
      await writer.close();
      expect(stderr).toContain(`rlvr verify: ${signal}: stopping: writing the lines read so far; send it again to stop at once`);
      expect(code).toBe(exitCode);
      const text = readFileSync(output, 'utf8');
      const lines = text === '' ? [] : text.trimEnd().split('\n');
      for (const line of lines) expect(JSON.parse(line)).toMatchObject({ correct: true });
      expect(text === '' || text.endsWith('\n')).toBe(true);
      expect(stderr).toContain(`stopped after ${lines.length} lines read, ${lines.length} lines written`);
      expect(stderr).toMatch(new RegExp(`rlvr verify: stopped by ${signal} after \\d+ input lines; ${lines.length} result lines written to .*, each whole`));
    },
    60_000,
  );
});
