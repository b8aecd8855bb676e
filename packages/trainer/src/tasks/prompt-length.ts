/**
 * `task.maxPromptTokens`: prompts longer than the limit are refused (file and line in the message)
 * or skipped and counted, by the same `onMalformed` policy as unreadable records. It runs once the
 * tokenizer is known (the sampler's), so the tokenizer comes in as a plain counting function.
 */
import { DatasetError } from './dataset-error.js';
import type { SkippedRecord, TaskExample } from './load-task.js';
import { examplePrompt } from './message-prompt.js';
import type { PromptTemplate } from './templates.js';

/** Number of tokens of a prompt text (e.g. `(text) => tokenizer.encode(text).length`). */
export type CountTokens = (text: string) => number;

/** Examples whose rendered prompt fits, and those left out. */
export interface PromptLengthResult {
  /** Examples within the limit, in order. */
  kept: TaskExample[];
  /** Examples over the limit (empty under `onMalformed: error`, which throws instead). */
  skipped: SkippedRecord[];
  /** Tokens of the longest kept prompt (0 when none is kept). */
  longestTokens: number;
}

/** Where an example id (`file:line` or `generated:i`) points, for messages. */
function location(id: string): { file: string; line: number } {
  const colon = id.lastIndexOf(':');
  return { file: id.slice(0, colon), line: Number(id.slice(colon + 1)) };
}

/** Keep the examples whose prompt under `template` has at most `maxTokens` tokens. */
export function limitPromptLength(
  examples: readonly TaskExample[],
  template: PromptTemplate,
  countTokens: CountTokens,
  maxTokens: number,
  onMalformed: 'error' | 'skip' = 'error',
): PromptLengthResult {
  const kept: TaskExample[] = [];
  const skipped: SkippedRecord[] = [];
  let longestTokens = 0;
  for (const example of examples) {
    const tokens = countTokens(examplePrompt(example, template));
    if (tokens <= maxTokens) {
      kept.push(example);
      longestTokens = Math.max(longestTokens, tokens);
      continue;
    }
    const { file, line } = location(example.id);
    const reason = `prompt has ${tokens} tokens, more than task.maxPromptTokens = ${maxTokens}`;
    if (onMalformed === 'error') {
      throw new DatasetError(file, line, `${reason} (set task.onMalformed to "skip" to skip such records)`);
    }
    skipped.push({ file, line, reason });
  }
  return { kept, skipped, longestTokens };
}
