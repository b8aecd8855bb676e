import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh temporary directory for the tests of one file: created before its first test, removed
 * after its last. Call at the top level of the test file; the returned function gives the path.
 */
export function useTempDir(prefix: string): () => string {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined) throw new Error('useTempDir: the directory exists only while tests run');
    return dir;
  };
}

/** Write `lines` to `path` as JSONL: strings as they are (to write malformed lines), anything else as JSON. */
export async function writeJsonl(path: string, lines: readonly unknown[], ending = '\n'): Promise<string> {
  await writeFile(
    path,
    lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join(ending) + ending,
  );
  return path;
}
