/**
 * Prompt templates: how a task's question becomes the text the policy continues.
 *
 * - `r1-zero`: the base-model template of DeepSeek-R1-Zero as TinyZero uses it: a User/Assistant
 *   transcript whose preamble says that the assistant reasons first inside `<think> </think>` and
 *   then answers inside `<answer> </answer>`, ending with the assistant's turn opened and the think
 *   tag already written, so that a base model continues inside it. Our wording.
 * - `compact`: the problem alone (no answer-format instructions, no preamble), then the opened
 *   `<think>` tag. For the project's tiny from-scratch models, which learn the format in pretraining:
 *   a Countdown prompt is 20 tokens instead of 150, so RL steps are several times cheaper and copying
 *   the numbers from the prompt is learned in pretraining (it was not in 800 steps behind the preamble).
 * - `plain`: the problem alone, continued directly: the choice tasks, whose response is the answer
 *   itself (one token).
 * - `chat`: the model's own chat template (instruct models), supplied by the tokenizer as a
 *   {@link ChatTemplate} function; the question is the user turn, with an optional system turn.
 *
 * Prompt text becomes token ids as transformers tokenizes it ({@link promptEncoder}): a chat-rendered
 * prompt as written (the template writes its own BOS, as `apply_chat_template(tokenize=True)`), the
 * others with the BOS the tokenizer puts first (Llama 3's `<|begin_of_text|>`; none for Qwen).
 */

import { ConfigError } from '../config/config-error.js';

/** One chat message, as chat templates take them (structurally the sampler tokenizer's `ChatMessage`). */
export interface ChatMessage {
  /** `system`, `user` or `assistant` (templates may know others). */
  role: string;
  /** The message text. */
  content: string;
}

/**
 * Renders chat messages to prompt text with the generation prompt appended, as transformers'
 * `apply_chat_template(messages, tokenize=False, add_generation_prompt=True)`. The sampler's
 * tokenizer provides it (e.g. `(m) => tokenizer.applyChatTemplate(m)`).
 */
export type ChatTemplate = (messages: ChatMessage[]) => string;

/** How prompts are built: the R1-Zero base template, or a chat template (with an optional system message). */
export type PromptTemplate =
  | { kind: 'r1-zero' }
  | { kind: 'compact' }
  | { kind: 'plain' }
  | { kind: 'chat'; apply: ChatTemplate; systemPrompt?: string | null };

/** The R1-Zero base template around `question` (see the module comment). */
export function r1ZeroPrompt(question: string): string {
  return (
    'A conversation between a User and an Assistant. The User poses a problem and the Assistant solves it. ' +
    'The Assistant first reasons about the problem step by step, and only then tells the User the answer. ' +
    'The reasoning is written between <think> and </think>, the answer between <answer> and </answer>.\n' +
    `User: ${question}\n` +
    'Assistant: Let me work through this step by step.\n<think>'
  );
}

/** The `compact` template around a problem statement (see the module comment). */
export function compactPrompt(brief: string): string {
  return `${brief}\n<think>`;
}

/** The two texts of a problem a template can use: with the answer-format instructions, and without. */
export interface PromptSource {
  question: string;
  brief: string;
}

/** The prompt text of a problem under `template`. */
export function renderPrompt(problem: PromptSource, template: PromptTemplate): string {
  if (template.kind === 'r1-zero') return r1ZeroPrompt(problem.question);
  if (template.kind === 'compact') return compactPrompt(problem.brief);
  if (template.kind === 'plain') return problem.brief;
  const question = problem.question;
  const messages: ChatMessage[] = [];
  if (template.systemPrompt) messages.push({ role: 'system', content: template.systemPrompt });
  messages.push({ role: 'user', content: question });
  return template.apply(messages);
}

/** The two encodings a prompt can take (the sampler's tokenizer has both). */
export interface PromptTokenizer {
  /** Plain prompt text, with the special tokens the tokenizer puts first (BOS where it adds one). */
  encodePrompt(text: string): number[];
  /** Text that holds its own special tokens (a rendered chat template); nothing added. */
  encode(text: string): number[];
}

/** Text → token ids for prompts rendered under `template` (see the module comment). */
export function promptEncoder(template: PromptTemplate, tokenizer: PromptTokenizer): (text: string) => number[] {
  return template.kind === 'chat' ? (text) => tokenizer.encode(text) : (text) => tokenizer.encodePrompt(text);
}

/** What {@link chatPromptTemplate} needs of a tokenizer (the sampler's has it). */
export interface ChatTokenizer {
  /** Names of its chat templates (`default` for a single one); empty when it has none. */
  chatTemplateNames: string[];
  /** Renders messages with the generation prompt through the named (or default) template. */
  applyChatTemplate(messages: ChatMessage[], options: { templateName?: string }): string;
}

/**
 * The `chat` template of a run: the tokenizer's template named `chatTemplate` (null: `default`), with
 * `systemPrompt`. Refused before any work when the model has no chat template or none of that name.
 */
export function chatPromptTemplate(
  tokenizer: ChatTokenizer,
  task: { chatTemplate: string | null; systemPrompt: string | null },
  modelDir: string,
): PromptTemplate {
  const names = tokenizer.chatTemplateNames;
  if (names.length === 0) {
    throw new ConfigError(
      'task.template',
      `chat needs a chat template, and ${modelDir} has none (looked for chat_template.jinja and "chat_template" in tokenizer_config.json); a base model takes r1-zero or plain`,
    );
  }
  const name = task.chatTemplate ?? 'default';
  if (!names.includes(name)) {
    const known = names.map((n) => JSON.stringify(n)).join(', ');
    throw new ConfigError(
      'task.chatTemplate',
      task.chatTemplate === null
        ? `${modelDir} has chat templates ${known} and none named "default": name the one to use`
        : `${modelDir} has no chat template named ${JSON.stringify(name)} (it has ${known})`,
    );
  }
  return {
    kind: 'chat',
    apply: (messages) => tokenizer.applyChatTemplate(messages, { templateName: name }),
    systemPrompt: task.systemPrompt,
  };
}
