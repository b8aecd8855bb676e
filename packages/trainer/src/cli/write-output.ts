/**
 * Output files of the commands, written so that a failure (full disk, read-only directory, a signal)
 * never leaves a half-written file where a good one was: the content goes to a temporary sibling that
 * is renamed over the destination once complete. File-system failures become a StorageError (exit 4)
 * naming the path, the operation and what was not saved.
 */
import { once } from 'node:events';
import {
  accessSync,
  constants,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  type WriteStream,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '@rlvr/core';
import { StorageError, errnoCode, withStorage } from '../errors.js';

/**
 * Create the folder `dir` and its missing parents; a failure is a StorageError naming the folder that
 * could not be made and the real cause. (A recursive mkdir on a read-only file system reports ENOENT
 * for the missing child; making each level in turn reports EROFS or EACCES where it happens.)
 */
export function createDir(dir: string, consequence: string): void {
  const stats = statSync(dir, { throwIfNoEntry: false });
  if (stats?.isDirectory()) return;
  const parent = dirname(dir);
  if (parent !== dir) createDir(parent, consequence);
  withStorage(
    dir,
    'create',
    () => {
      try {
        mkdirSync(dir);
      } catch (error) {
        // Made meanwhile by someone else: fine, as long as it is a folder.
        if (errnoCode(error) !== 'EEXIST' || !statSync(dir).isDirectory()) throw error;
      }
    },
    consequence,
  );
}

/**
 * Check, without creating anything, that `dir` exists as a writable folder or could be created: the
 * nearest existing folder on its path must accept new entries. A read-only or unwritable output folder
 * is so reported with its real cause (EROFS, EACCES) before any work rather than after it.
 */
export function requireWritableDir(dir: string, consequence: string): void {
  const target = resolve(dir);
  let existing = target;
  while (!existsSync(existing)) existing = dirname(existing);
  const operation = existing === target ? 'write' : 'create';
  if (!statSync(existing).isDirectory()) {
    // A file where the folder (or one of its parents) should be.
    const code = existing === target ? 'EEXIST' : 'ENOTDIR';
    throw new StorageError(dir, 'create', Object.assign(new Error(`${existing} is a file`), { code }), consequence);
  }
  withStorage(dir, operation, () => accessSync(existing, constants.W_OK), consequence);
}

/** Create the folder that will hold `path` (see {@link createDir}). */
export function createParentDir(path: string, consequence: string): void {
  createDir(dirname(path), consequence);
}

/** Write a whole output file atomically; `consequence` says what is kept when it fails. Returns `path`. */
export function writeOutputFile(
  path: string,
  content: string | Uint8Array,
  consequence = 'nothing was written there',
): string {
  createParentDir(path, consequence);
  withStorage(path, 'write', () => writeFileAtomic(path, content), consequence);
  return path;
}

/** An output file written as a stream into a temporary sibling, put in place by {@link AtomicOutput.commit}. */
export interface AtomicOutput {
  /** The stream to write to (the temporary file). */
  readonly stream: WriteStream;
  /** Flush and close the temporary file, then rename it over the destination. */
  commit(): Promise<void>;
  /** Close and remove the temporary file; the destination is left as it was. */
  abort(): void;
}

/** Open `path` for streaming through a temporary sibling (see {@link AtomicOutput}). */
export async function openAtomicOutput(path: string, consequence: string): Promise<AtomicOutput> {
  createParentDir(path, consequence);
  // A device or FIFO (/dev/stdout, a pipe) is written as it is: a sibling renamed over it would replace it.
  const stats = statSync(path, { throwIfNoEntry: false });
  const direct = stats !== undefined && !stats.isFile() && !stats.isDirectory();
  const temp = direct ? path : `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const stream = createWriteStream(temp, { flags: direct ? 'w' : 'wx' });
  // Without a listener a failed write (ENOSPC) would crash the process; the writer sees it as
  // `stream.errored` (the stream is then destroyed) and commit() reports it.
  stream.on('error', () => undefined);
  const abort = (): void => {
    if (!stream.destroyed) stream.destroy();
    if (!direct) rmSync(temp, { force: true });
  };
  try {
    await once(stream, 'open');
  } catch (error) {
    abort();
    throw new StorageError(path, 'create', error, consequence);
  }
  return {
    stream,
    abort,
    async commit() {
      try {
        if (stream.errored) throw stream.errored;
        stream.end();
        await once(stream, 'finish');
      } catch (error) {
        abort();
        throw new StorageError(path, 'write', error, consequence);
      }
      if (direct) return;
      try {
        renameSync(temp, path);
      } catch (error) {
        abort();
        throw new StorageError(path, 'rename', error, consequence);
      }
    },
  };
}
