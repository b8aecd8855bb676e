/**
 * Reading a training configuration file, JSON or YAML (by extension: `.yaml`, `.yml`), into a plain
 * object plus the line each value was written on, so that a refused value is reported where it stands.
 * YAML is read by the `yaml` package as YAML 1.2 (core schema: `yes` stays a string, `1e-6` is a number).
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { ConfigError } from './config-error.js';

/** The formats a config file can have. */
export type ConfigFormat = 'json' | 'yaml';

/** A parsed config file. */
export interface ConfigFileContent {
  /** The file's value (any JSON value; the schema decides whether it is a config). */
  value: unknown;
  /** Its format, for messages. */
  format: ConfigFormat;
  /** The 1-based line where the value at `path` was written, or undefined when it was not (a default). */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/** The format of a config file, by its extension: `.yaml` and `.yml` are YAML, everything else JSON. */
export function configFormat(file: string): ConfigFormat {
  return /\.ya?ml$/i.test(file) ? 'yaml' : 'json';
}

/** Parse the text of config `file`; a syntax error is a {@link ConfigError} naming the file, line and column. */
export function parseConfigText(file: string, text: string): ConfigFileContent {
  const format = configFormat(file);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  let value: unknown;
  if (format === 'json') {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ConfigError('', `config file ${file} is not valid JSON: ${(error as Error).message}`);
    }
    // JSON is read by JSON.parse; the YAML reading of the same text only places values on lines, and
    // only when it agrees (a duplicate key, which JSON.parse resolves to the last, gives no lines).
    if (doc.errors.length > 0) return { value, format, lineOf: () => undefined };
  } else {
    const [error] = doc.errors;
    if (error !== undefined) {
      const { line, col } = lines.linePos(error.pos[0]);
      const detail =
        error.code === 'MULTIPLE_DOCS' ? 'a second document (---); expected one' : error.message.replace(/\s+/g, ' ');
      throw new ConfigError('', `config file ${file} is not valid YAML: line ${line}, column ${col}: ${detail}`);
    }
    value = doc.toJS();
  }
  return {
    value,
    format,
    lineOf: (path) => {
      const offset = offsetOf(doc, path);
      return offset === undefined ? undefined : lines.linePos(offset).line;
    },
  };
}

/** Where the value at `path` starts in the text (its key's position when the value is empty), if it was written. */
function offsetOf(doc: Document, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) return undefined;
      offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (node === undefined) return undefined;
      offset = (node as { range?: [number, number, number] }).range?.[0];
    } else {
      return undefined;
    }
  }
  return offset;
}
