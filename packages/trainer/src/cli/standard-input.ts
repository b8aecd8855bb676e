/**
 * Inputs given as `-`: read from standard input, as `cat -` does, so that data too large for the
 * argument list (80,000 rewards pass Linux's 128 KiB limit on one argument) or made by another program
 * can be piped in.
 */
import type { CliIo } from './command.js';

/** The word that names standard input in place of a file or a value. */
export const STDIN = '-';

/** The stream `-` reads for a command: the one injected into `io`, else the process's own. */
export function stdinOf(io: CliIo): NodeJS.ReadableStream {
  return io.stdin ?? process.stdin;
}

/** All of `stream` as UTF-8 text (to its end: a terminal waits for Ctrl-D). */
export async function readAllText(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of stream as AsyncIterable<string | Uint8Array>) {
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}
