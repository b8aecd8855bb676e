/**
 * `rlvr verify --output`: never the input (same path, hard link, symbolic link), written whole or not
 * at all (read-only directory, full disk), `--on-malformed skip` reported, and a stop signal that ends
 * with whole lines and an exit code of 130 / 143.
 */
import { execFileSync } from 'node:child_process';
import { linkSync, readFileSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { stopHandleOf } from '../cli/graceful-stop.js';
import { captureIo } from '../testing/capture-io.js';
import { useTempDir, writeJsonl } from '../testing/temp-dir.js';
import { mountTmpfs } from '../testing/tmpfs.js';

const tempDir = useTempDir('rlvr-verify-output-');

const ITEM = { response: 'So it is 18.\n#### 18', reference: '18' };

async function verify(args: readonly string[], controller?: AbortController) {
  const io = { ...captureIo(), ...(controller ? { stop: stopHandleOf(controller) } : {}) };
  const code = await runCli(['verify', '--task', 'gsm8k', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe('rlvr verify: the output is never the input', () => {
  test.each([
    ['the same path', (input: string) => input],
    ['the same path spelled differently', (input: string) => join(input, '..', '.', input.split('/').at(-1)!)],
    ['a hard link to it', (input: string) => (linkSync(input, `${input}.hard`), `${input}.hard`)],
    ['a symbolic link to it', (input: string) => (symlinkSync(input, `${input}.sym`), `${input}.sym`)],
  ])('--output %s: exit 2, one line naming both flags, the input unchanged', async (_, outputOf) => {
    const input = await writeJsonl(join(tempDir(), `in-${Math.random().toString(36).slice(2)}.jsonl`), [ITEM, ITEM]);
    const before = readFileSync(input, 'utf8');
    const { code, out, err } = await verify(['--input', input, '--output', outputOf(input)]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^rlvr verify: --output: .* is the same file as --input .*; writing it would destroy the input: choose another path \(see: rlvr verify --help\)\n$/);
    expect(readFileSync(input, 'utf8')).toBe(before);
  });
});

describe('rlvr verify: a device as --output', () => {
  test('/dev/null is written as it is, never replaced by a renamed file', async () => {
    const input = await writeJsonl(join(tempDir(), 'null-in.jsonl'), [ITEM]);
    const { code } = await verify(['--input', input, '--output', '/dev/null']);
    expect(code).toBe(0);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });
});

describe('rlvr verify: storage failures', () => {
  test('a read-only --output folder: exit 4 naming EROFS, not ENOENT and not an unexpected error', async () => {
    const input = await writeJsonl(join(tempDir(), 'ro-in.jsonl'), [ITEM]);
    const fs = mountTmpfs(join(tempDir(), 'ro'), '1m', true);
    if (fs === undefined) return;
    try {
      for (const output of [join(fs.dir, 'out.jsonl'), join(fs.dir, 'sub', 'out.jsonl')]) {
        const { code, err } = await verify(['--input', input, '--output', output]);
        expect(code).toBe(4);
        expect(err).toMatch(/^rlvr verify: cannot (create|write) .*: read-only file system \(EROFS\); nothing was written/);
        expect(err).not.toMatch(/unexpected|ENOENT/);
      }
    } finally {
      fs.unmount();
    }
  });

  test('a full disk: exit 4 naming ENOSPC; the earlier output is kept whole and no temporary file is left', async () => {
    const fs = mountTmpfs(join(tempDir(), 'full'), '64k');
    if (fs === undefined) return;
    try {
      const input = await writeJsonl(join(tempDir(), 'full-in.jsonl'), [ITEM]);
      const output = join(fs.dir, 'out.jsonl');
      expect((await verify(['--input', input, '--output', output])).code).toBe(0);
      const good = readFileSync(output, 'utf8');
      // About 90 bytes of result per line: 3000 lines do not fit on the 64 KiB disk.
      const many = await writeJsonl(
        join(tempDir(), 'full-many.jsonl'),
        Array.from({ length: 3000 }, () => ITEM),
      );
      const { code, err } = await verify(['--input', many, '--output', output]);
      expect(code).toBe(4);
      expect(err).toMatch(/^rlvr verify: cannot write .*out\.jsonl: no space left on the device \(ENOSPC\); nothing was written; .* is as it was\n$/);
      expect(readFileSync(output, 'utf8')).toBe(good);
      expect(readdirSync(fs.dir)).toEqual(['out.jsonl']);
    } finally {
      fs.unmount();
    }
  });
});

describe('rlvr verify --on-malformed', () => {
  test('skip: no output line for a malformed line; the summary counts them and lists the first line numbers', async () => {
    const input = await writeJsonl(join(tempDir(), 'skip.jsonl'), [ITEM, 'nope', ITEM, '', '{}', '[1]', 'x', 'y', ITEM]);
    const { code, out, err } = await verify(['--input', input, '--on-malformed', 'skip']);
    expect(code).toBe(0);
    expect(out.trimEnd().split('\n')).toHaveLength(3);
    expect(err).toMatch(/9 lines, 3 verified/);
    expect(err).toMatch(/\nrlvr verify: skipped 6 malformed lines \(line 2, 4, 5, 6, 7, …\)\n$/);
  });

  test('record (the default) answers each with an error line; a bad mode is a usage error', async () => {
    const input = await writeJsonl(join(tempDir(), 'record.jsonl'), [ITEM, 'nope']);
    const recorded = await verify(['--input', input]);
    expect(recorded.out.trimEnd().split('\n')).toHaveLength(2);
    expect(recorded.err).not.toMatch(/skipped/);
    const bad = await verify(['--input', input, '--on-malformed', 'drop']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--on-malformed: expected one of record, skip/);
  });
});

describe('rlvr verify: a stop signal', () => {
  test('stops reading a FIFO that is still open, writes every line read as a whole line, says how many, exit 130', async () => {
    const fifo = join(tempDir(), 'in.fifo');
    execFileSync('mkfifo', [fifo]);
    const output = join(tempDir(), 'stopped.jsonl');
    const controller = new AbortController();
    const writer = open(fifo, 'w');
    const running = verify(['--input', fifo, '--output', output], controller);
    const handle = await writer;
    await handle.write(`${JSON.stringify(ITEM)}\n`.repeat(10));
    // The writer stays open: without the stop, the command would wait for more lines for ever.
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort('SIGINT');
    const { code, err } = await running;
    await handle.close();
    expect(code).toBe(130);
    const text = readFileSync(output, 'utf8');
    const lines = text === '' ? [] : text.trimEnd().split('\n');
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ correct: true });
    expect(text === '' || text.endsWith('\n')).toBe(true);
    expect(err).toContain(`stopped after ${lines.length} lines read, ${lines.length} lines written`);
    expect(err).toMatch(/rlvr verify: stopped by SIGINT after \d+ input lines; \d+ result lines written to .*stopped\.jsonl, each whole/);
  });

  test('SIGTERM before any line: an empty but complete output, exit 143', async () => {
    const input = await writeJsonl(join(tempDir(), 'term.jsonl'), [ITEM, ITEM]);
    const output = join(tempDir(), 'term-out.jsonl');
    const controller = new AbortController();
    controller.abort('SIGTERM');
    const { code, err } = await verify(['--input', input, '--output', output], controller);
    expect(code).toBe(143);
    expect(statSync(output).size).toBe(0);
    expect(err).toMatch(/stopped after 0 lines read, 0 lines written/);
  });
});
