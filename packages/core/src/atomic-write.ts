/**
 * Crash-safe file writes: the bytes go to a temporary file in the same directory, are fsynced, and
 * the file is renamed over the target, so a crash mid-write (a checkpoint, a model save) never leaves
 * a truncated file under the final name — the old file or the new one, nothing in between.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/**
 * Write `content` to `path` atomically: bytes, text as UTF-8, or chunks written one after the other (a
 * file larger than memory allows, streamed; an error thrown while producing a chunk removes the temporary file).
 */
export function writeFileAtomic(path: string, content: Uint8Array | string | Iterable<Uint8Array>): void {
  const chunks =
    typeof content === 'string' ? [Buffer.from(content, 'utf8')] : content instanceof Uint8Array ? [content] : content;
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'w');
  try {
    for (const bytes of chunks) {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}
