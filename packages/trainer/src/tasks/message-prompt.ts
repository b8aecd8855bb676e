/**
 * Prompts that a dataset gives as a chat message list (verl, TinyZero, DAPO-Math-17k keep
 * `prompt: [{role, content}, …]`). They are used as written, never re-worded:
 *
 * - `chat`: the list goes through the model's chat template (with the generation prompt), as verl
 *   does; `task.systemPrompt`, when set, replaces the list's system message or goes first.
 * - `plain`: a list of exactly one user message is that message's text, continued directly: what
 *   TinyZero and verl feed a tokenizer without a chat template, and how TinyZero's base-model
 *   Countdown prompts (the whole transcript, ending in `<think>`, in one user message) are meant.
 * - `r1-zero` and `compact` wrap a bare question in a transcript of their own, so they refuse a
 *   message list (a list already is a conversation; wrapping it would nest one in the other).
 */
import { ConfigError } from '../config/config-error.js';
import { renderPrompt, type ChatMessage, type PromptSource, type PromptTemplate } from './templates.js';

/** A problem whose prompt may be a message list. */
export interface MessagePromptSource extends PromptSource {
  /** The dataset's message list, when it gave one. */
  messages?: ChatMessage[];
}

/** Why a message list cannot be rendered under a template of this kind, or null when it can. */
export function messageListRefusal(messages: readonly ChatMessage[], kind: PromptTemplate['kind']): string | null {
  if (kind === 'chat') return null;
  if (kind === 'plain') {
    if (messages.length === 1 && messages[0]!.role === 'user') return null;
    return `the prompt is a list of ${messages.length} chat messages (${messages.map((m) => m.role).join(', ')}); task.template plain takes a list of one user message only (its text as written): set task.template to chat`;
  }
  return `the prompt is a chat message list; task.template ${kind} wraps a text question in its own transcript and cannot take one: set task.template to chat (the model's chat template), or plain (a single user message as written, as TinyZero feeds base models), or point task.fields.prompt at a text field`;
}

/** A message list with `systemPrompt` as its system message (replacing the list's own, or first). */
function withSystemPrompt(messages: readonly ChatMessage[], systemPrompt: string | null | undefined): ChatMessage[] {
  if (!systemPrompt) return [...messages];
  const system = { role: 'system', content: systemPrompt };
  return messages[0]?.role === 'system' ? [system, ...messages.slice(1)] : [system, ...messages];
}

/** The prompt text of a problem under `template`: a message list as described above, else {@link renderPrompt}. */
export function examplePrompt(problem: MessagePromptSource, template: PromptTemplate): string {
  if (problem.messages === undefined) return renderPrompt(problem, template);
  const refusal = messageListRefusal(problem.messages, template.kind);
  if (refusal !== null) throw new ConfigError('task.template', refusal);
  if (template.kind === 'chat') return template.apply(withSystemPrompt(problem.messages, template.systemPrompt));
  return problem.messages[0]!.content;
}

/**
 * Refuse, before any work, a task whose examples have message-list prompts that `template` cannot
 * render, naming the first such record (`file:line`) and the ways out.
 */
export function checkMessagePrompts(
  examples: readonly (MessagePromptSource & { id: string })[],
  kind: PromptTemplate['kind'],
): void {
  for (const example of examples) {
    if (example.messages === undefined) continue;
    const refusal = messageListRefusal(example.messages, kind);
    if (refusal !== null) throw new ConfigError('task.template', `${example.id}: ${refusal}`);
  }
}
