/**
 * Line-atomic appends: a line is in the file whole or not at all. A write that fails part-way (a full
 * disk accepts the bytes that fit, then refuses the rest) is cut back to where the file ended, so no
 * torn line is left for a reader to trip over or, worse, to read as a shorter record.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { StorageError } from '../errors.js';

/** Append `text` (one or more whole lines, or whole binary records) to `path`; on failure the file is restored and a {@link StorageError} says what was not saved. */
export function appendLines(path: string, text: string | Uint8Array, consequence: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (error) {
    throw new StorageError(path, 'append', error, consequence);
  }
  let end: number | undefined;
  try {
    end = fstatSync(fd).size;
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
  } catch (error) {
    let restored = end !== undefined;
    try {
      if (end !== undefined) ftruncateSync(fd, end);
    } catch {
      restored = false;
    }
    closeSync(fd);
    const tail = restored ? '' : '; the file may end in a partial line, which readers report with its line number';
    throw new StorageError(path, 'append', error, `${consequence}${tail}`);
  }
  closeSync(fd);
}
