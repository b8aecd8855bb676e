import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/** A mounted tmpfs for fault injection; `unmount` removes it (call it in `finally` or `afterAll`). */
export interface Tmpfs {
  readonly dir: string;
  unmount(): void;
}

/**
 * Mount a tmpfs of `size` (mount's syntax: `64k`, `1m`) on `dir`, read-only with `readOnly`: a real
 * read-only file system or full disk for the storage-error tests (as root, chmod stops no write).
 * Returns undefined, with a loud warning, where mounting is not permitted (not root, a container
 * without the capability), so that the test can skip.
 */
export function mountTmpfs(dir: string, size: string, readOnly = false): Tmpfs | undefined {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${readOnly ? ',ro' : ''}`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
  } catch (error) {
    console.warn(
      `SKIPPED: cannot mount a tmpfs on ${dir} (${(error as Error).message.split('\n')[0]}); the ${readOnly ? 'read-only' : 'full-disk'} storage test did not run`,
    );
    return undefined;
  }
  return { dir, unmount: () => execFileSync('umount', [dir], { stdio: 'pipe' }) };
}
