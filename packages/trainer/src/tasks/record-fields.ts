/**
 * `task.fields`: which field of a dataset record is the prompt, which the reference answer and which
 * the record's source name, as dotted paths. A field left null is found where the published layouts
 * keep it (each task lists its paths, e.g. verl's `reward_model.ground_truth` before gsm8k's
 * `answer`), so those layouts load without any mapping. A prompt is text (the problem; the task adds
 * its answer format) or a chat message list (used as written, through the model's chat template).
 */
import { ConfigError } from '../config/config-error.js';
import type { RawRecord } from './read-records.js';
import { firstPresent, leafPaths, readPath } from './record-path.js';
import type { ProblemAndReference, TaskKind } from './task-kinds.js';
import type { ChatMessage } from './templates.js';

/** The configured field paths (`task.fields`); null = where the published layouts keep it. */
export interface TaskFields {
  /** Path of the prompt: text or a list of `{role, content}` messages. */
  prompt: string | null;
  /** Path of the reference answer. */
  answer: string | null;
  /** Path of the record's source name (verl's `data_source`), carried with each example. */
  dataSource: string | null;
}

/** No mapping: every field where the published layouts keep it. */
export const LAYOUT_FIELDS: Readonly<TaskFields> = { prompt: null, answer: null, dataSource: null };

/** Where the source name is found when `task.fields.dataSource` is null (verl, TinyZero). */
const DATA_SOURCE_PATHS = ['data_source'];

/** A record's prompt as the dataset wrote it. */
export type RecordPrompt = string | ChatMessage[];

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : (JSON.stringify(value)?.slice(0, 60) ?? String(value));
}

/** A chat message list (`[{role, content}, …]`, as verl and TRL keep conversational prompts), or null when `value` is no list. */
function messageList(value: unknown, path: string): ChatMessage[] | null {
  if (!Array.isArray(value)) return null;
  if (value.length === 0) throw new Error(`"${path}": expected a non-empty list of {role, content} messages, got []`);
  return value.map((item: unknown, i) => {
    const message = item as Partial<ChatMessage> | null;
    if (typeof message?.role !== 'string' || typeof message.content !== 'string') {
      throw new Error(`"${path}[${i}]": expected a {role, content} message with string fields, got ${describe(item)}`);
    }
    return { role: message.role, content: message.content };
  });
}

function promptValue(value: unknown, path: string): RecordPrompt {
  const messages = messageList(value, path);
  if (messages !== null) return messages;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(
      `"${path}": expected a non-empty string or a list of {role, content} messages, got ${describe(value)}`,
    );
  }
  return value;
}

/** The value at a configured path, or an error naming the flag's field and the part of the path that is missing. */
function mappedValue(record: Record<string, unknown>, key: keyof TaskFields, path: string): unknown {
  const lookup = readPath(record, path);
  if (lookup.found) return lookup.value;
  throw new Error(`task.fields.${key} = "${path}": the record has no ${lookup.missing}`);
}

/** The value at the first of `paths` present, or an error listing them and what the record holds. */
function layoutValue(
  record: Record<string, unknown>,
  what: string,
  paths: readonly string[],
): { path: string; value: unknown } {
  const present = firstPresent(record, paths);
  if (present !== null) return present;
  throw new Error(
    `no ${what}: expected one of the fields ${paths.join(', ')} (or set task.fields); the record has ${leafPaths(record).join(', ') || 'no fields'}`,
  );
}

/** The last user message's text (else the last message's), which stands for a message-list prompt in logs and reports. */
function lastUserText(messages: readonly ChatMessage[]): string {
  return ([...messages].reverse().find((m) => m.role === 'user') ?? messages.at(-1)!).content;
}

/**
 * One record as a problem of `kind`: the reference from the answer field (parsed by the task's
 * verifier), the question from a text prompt (or the task's own wording where it has one and the
 * record has no prompt), a message-list prompt kept as `messages`, and the source name. Throws an
 * Error saying which field is wrong.
 */
export function problemFromRecord(
  kind: TaskKind,
  record: Record<string, unknown>,
  fields: TaskFields = LAYOUT_FIELDS,
): ProblemAndReference {
  const answer =
    fields.answer === null
      ? layoutValue(record, 'reference answer', kind.answerPaths).value
      : mappedValue(record, 'answer', fields.answer);
  const reference = kind.parseReference(answer);

  let prompt: RecordPrompt | null = null;
  if (fields.prompt !== null) prompt = promptValue(mappedValue(record, 'prompt', fields.prompt), fields.prompt);
  else {
    const present = firstPresent(record, kind.promptPaths);
    if (present !== null) prompt = promptValue(present.value, present.path);
    else if (kind.ownWording === undefined) layoutValue(record, 'prompt', kind.promptPaths);
  }

  let dataSource: string | undefined;
  const source =
    fields.dataSource === null
      ? firstPresent(record, DATA_SOURCE_PATHS)?.value
      : mappedValue(record, 'dataSource', fields.dataSource);
  if (source !== undefined) {
    if (typeof source !== 'string' && typeof source !== 'number') {
      throw new Error(`"${fields.dataSource ?? 'data_source'}": expected a source name, got ${describe(source)}`);
    }
    dataSource = String(source);
  }

  let problem: ProblemAndReference;
  if (prompt === null) problem = { ...kind.ownWording!(reference), reference };
  else if (typeof prompt === 'string') problem = { ...kind.problem(prompt), reference };
  else {
    const text = lastUserText(prompt);
    problem = { question: text, brief: text, reference, messages: prompt };
  }
  return dataSource === undefined ? problem : { ...problem, dataSource };
}

/**
 * A configured path that no record of the file holds is a mapping error, not a file of malformed
 * records: refused before any record is read, naming the field, its value and what the first
 * record does hold.
 */
export function checkMappedFields(records: readonly RawRecord[], fields: TaskFields, file: string): void {
  const values = records.flatMap((r) => ('value' in r ? [r.value] : []));
  if (values.length === 0) return;
  for (const key of ['prompt', 'answer', 'dataSource'] as const) {
    const path = fields[key];
    if (path === null || values.some((value) => readPath(value, path).found)) continue;
    throw new ConfigError(
      `task.fields.${key}`,
      `"${path}" is in no record of ${file}; its first record has ${leafPaths(values[0]!).join(', ') || 'no fields'}`,
    );
  }
}
