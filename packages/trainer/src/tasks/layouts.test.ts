import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template } from '@huggingface/jinja';
import { SamplerTokenizer, buildBpeTokenizer } from '@rlvr/sampler';
import { countdown, gsm8k, math } from '@rlvr/verifiers';
import { ConfigError } from '../config/config-error.js';
import { parseTrainConfig } from '../config/load-config.js';
import { useTempDir, writeJsonl } from '../testing/temp-dir.js';
import { thrownBy } from '../testing/thrown.js';
import { DatasetError } from './dataset-error.js';
import { loadExamples, loadTask, type TaskExample } from './load-task.js';
import { examplePrompt } from './message-prompt.js';
import { limitPromptLength } from './prompt-length.js';
import { LAYOUT_FIELDS, type TaskFields } from './record-fields.js';
import { describeSkippedRecords } from './skipped-records.js';
import { TASK_KINDS, countdownQuestion } from './task-kinds.js';
import type { ChatMessage, PromptTemplate } from './templates.js';

// Committed fixtures of the published layouts (written by __fixtures__/write-layouts.mjs).
const FIXTURES = fileURLToPath(new URL('./__fixtures__/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);

const tempDir = useTempDir('rlvr-layouts-');

/** A real Jinja chat template (ChatML, as Qwen's tokenizers carry it). */
const chatml = new Template(
  "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
);
const applyChatml = (messages: ChatMessage[]) => chatml.render({ messages, add_generation_prompt: true });

const references = (examples: readonly TaskExample[]) => examples.map((e) => e.reference);
const withoutIds = (examples: readonly TaskExample[]) => examples.map(({ id: _id, ...rest }) => rest);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

describe('published layouts, recognised without task.fields', () => {
  test.each([
    ['openai-gsm8k.jsonl', 'gsm8k', ['84', '1240'], 'A baker makes 14 rolls each hour for 6 hours. How many rolls does she make?'],
    ['math.jsonl', 'math', ['\\frac{7}{8}', '4'], 'What is $\\frac{3}{4} + \\frac{1}{8}$?'],
    ['math-500.jsonl', 'math', ['9', '5\\sqrt{2}'], 'How many positive divisors does 36 have?'],
    ['deepscaler.json', 'math', ['4', '7'], 'Find the remainder when $7^{10}$ is divided by 5.'],
  ] as const)('%s (%s): text prompt + the task’s answer format; the reference', async (name, task, expected, firstProblem) => {
    const { examples, skipped } = await loadExamples(TASK_KINDS[task], fixture(name));
    expect(skipped).toEqual([]);
    expect(references(examples)).toEqual(expected);
    expect(examples[0]!.brief).toBe(firstProblem);
    expect(examples[0]!.question).toMatch(new RegExp(`^${firstProblem.replace(/[$\\^{}()?.+]/g, '\\$&')}\\n.*\\\\boxed\\{\\.\\.\\.\\}`));
    expect(examples[0]!.messages).toBeUndefined();
    expect(examples[0]!.dataSource).toBeUndefined();
  });

  test('Countdown-Tasks-3to4: the record itself is the reference; the task words the problem', async () => {
    const { examples } = await loadExamples(TASK_KINDS.countdown, fixture('countdown-tasks-3to4.jsonl'));
    expect(references(examples)).toEqual([
      { target: 24, nums: [2, 3, 4] },
      { target: 98, nums: [44, 19, 35] },
    ]);
    expect(examples[1]!.question).toBe(countdownQuestion({ target: 98, nums: [44, 19, 35] }));
  });

  test.each([
    ['verl-gsm8k', 'gsm8k', ['84', '1240'], 'openai/gsm8k'],
    ['dapo-math-17k', 'math', ['10', '36'], 'math_dapo'],
  ] as const)('%s: JSONL and parquet give the same examples: the message list as written, ground_truth, data_source', async (layout, task, expected, source) => {
    const fromJsonl = await loadExamples(TASK_KINDS[task], fixture(`${layout}.jsonl`));
    const fromParquet = await loadExamples(TASK_KINDS[task], fixture(`${layout}.parquet`));
    expect(references(fromParquet.examples)).toEqual(expected);
    expect(withoutIds(fromParquet.examples)).toEqual(withoutIds(fromJsonl.examples));
    const first = fromParquet.examples[0]!;
    expect(first.dataSource).toBe(source);
    expect(first.messages).toHaveLength(1);
    expect(first.messages![0]!.role).toBe('user');
    // The dataset's own instructions, untouched: the task adds no answer format of its own.
    expect(first.question).toBe(first.messages![0]!.content);
    expect(first.question).not.toMatch(/<answer>/);
  });

  test('verl MATH parquet: the extracted \\boxed answer as ground_truth', async () => {
    const { examples } = await loadExamples(TASK_KINDS.math, fixture('verl-math.parquet'));
    expect(references(examples)).toEqual(['\\frac{7}{8}', '4']);
    expect(examples[0]!.dataSource).toBe('DigitalLearningGmbH/MATH-lighteval');
    const verifier = math();
    expect(verifier.verify('<think>6/8 + 1/8</think> \\boxed{0.875}', verifier.parseReference(examples[0]!.reference)).correct).toBe(true);
  });

  test('TinyZero countdown parquet: ground_truth {target, numbers} becomes the verifier’s {target, nums}; int64 arrive as numbers', async () => {
    const fromParquet = await loadExamples(TASK_KINDS.countdown, fixture('tinyzero-countdown.parquet'));
    const fromJsonl = await loadExamples(TASK_KINDS.countdown, fixture('tinyzero-countdown.jsonl'));
    expect(references(fromParquet.examples)).toEqual([
      { target: 24, nums: [2, 3, 4] },
      { target: 98, nums: [44, 19, 35] },
      { target: 10, nums: [1, 2, 3, 4] },
    ]);
    expect(withoutIds(fromParquet.examples)).toEqual(withoutIds(fromJsonl.examples));
    expect(fromParquet.examples[0]!.messages![0]!.content).toMatch(/^A conversation between User and Assistant\..*\n<think>$/s);
    const verifier = countdown();
    const reference = verifier.parseReference(fromParquet.examples[2]!.reference);
    expect(verifier.verify('</think><answer> (1 + 2 + 3) + 4 </answer>', reference).reward).toBe(1);
  });

  test('DAPO-Math-17k: the math verifier reads the "Answer: N" last line its prompts ask for', async () => {
    const { examples } = await loadExamples(TASK_KINDS.math, fixture('dapo-math-17k.parquet'));
    const verifier = math();
    const reference = verifier.parseReference(examples[1]!.reference);
    expect(verifier.verify('12 = 2^2 * 3 and 18 = 2 * 3^2, so the lcm is 2^2 * 3^2.\nAnswer: 36', reference).correct).toBe(true);
    expect(verifier.verify('12 = 2^2 * 3 and 18 = 2 * 3^2.\nAnswer: 6', reference).correct).toBe(false);
  });
});

describe('message-list prompts and the template', () => {
  const messages: ChatMessage[] = [{ role: 'user', content: 'What is 2 + 2?' }];
  const problem = { question: 'What is 2 + 2?', brief: 'What is 2 + 2?', messages };

  test('chat: the list as written through the model’s chat template; task.systemPrompt goes first or replaces the list’s', () => {
    expect(examplePrompt(problem, { kind: 'chat', apply: applyChatml })).toBe('<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n<|im_start|>assistant\n');
    expect(examplePrompt(problem, { kind: 'chat', apply: applyChatml, systemPrompt: 'Be brief.' })).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n<|im_start|>assistant\n',
    );
    const withSystem = { ...problem, messages: [{ role: 'system', content: 'Dataset system.' }, ...messages] };
    expect(examplePrompt(withSystem, { kind: 'chat', apply: applyChatml })).toMatch(/^<\|im_start\|>system\nDataset system\./);
    expect(examplePrompt(withSystem, { kind: 'chat', apply: applyChatml, systemPrompt: 'Be brief.' })).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  test('through a real tokenizer (byte-level BPE with its ChatML template): the DAPO list is the user turn, and task.maxPromptTokens counts the rendered tokens', async () => {
    const files = buildBpeTokenizer({ corpus: ['Solve the problem below step by step.', 'Answer: 36'], vocabSize: 300 });
    const tokenizer = SamplerTokenizer.fromObjects(files.tokenizerJson, files.tokenizerConfig);
    const template: PromptTemplate = { kind: 'chat', apply: (m) => tokenizer.applyChatTemplate(m) };
    const { examples } = await loadExamples(TASK_KINDS.math, fixture('dapo-math-17k.parquet'));
    const text = examplePrompt(examples[0]!, template);
    expect(text).toBe(`<|im_start|>user\n${examples[0]!.messages![0]!.content}<|im_end|>\n<|im_start|>assistant\n`);
    const ids = tokenizer.encode(text);
    expect(ids.filter((id) => id === tokenizer.tokenToId('<|im_start|>'))).toHaveLength(2);
    expect(tokenizer.decode(ids, false)).toBe(text);
    const counts = examples.map((e) => tokenizer.encode(examplePrompt(e, template)).length);
    expect(counts[1]).toBeLessThan(counts[0]!);
    const { kept, skipped } = limitPromptLength(examples, template, (t) => tokenizer.encode(t).length, counts[1]!, 'skip');
    expect(kept).toEqual([examples[1]]);
    expect(skipped).toEqual([{ file: fixture('dapo-math-17k.parquet'), line: 1, reason: `prompt has ${counts[0]} tokens, more than task.maxPromptTokens = ${counts[1]}` }]);
  });

  test('plain: one user message is its text as written (TinyZero’s base prompts); several messages are refused', async () => {
    const { examples } = await loadExamples(TASK_KINDS.countdown, fixture('tinyzero-countdown.parquet'));
    const prompt = examplePrompt(examples[0]!, { kind: 'plain' });
    expect(prompt).toBe(examples[0]!.messages![0]!.content);
    expect(prompt.endsWith('Assistant: Let me solve this step by step.\n<think>')).toBe(true);
    const two = { ...problem, messages: [{ role: 'system', content: 'S' }, ...messages] };
    expect(thrownBy(() => examplePrompt(two, { kind: 'plain' }), ConfigError).message).toMatch(
      /^task\.template: the prompt is a list of 2 chat messages \(system, user\); task\.template plain takes a list of one user message only/,
    );
  });

  test('r1-zero and compact refuse a message list before any work, naming the record and the ways out', async () => {
    const file = fixture('dapo-math-17k.parquet');
    const config = parseTrainConfig({ task: { name: 'math', dataset: file } });
    const error = await rejection(loadTask(config.task, config.seed));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('task.template');
    expect(error.message).toContain(`task.template: ${file}:1: the prompt is a chat message list; task.template r1-zero wraps a text question`);
    expect(error.message).toMatch(/set task\.template to chat .* or plain .* or point task\.fields\.prompt at a text field/);
    expect(thrownBy(() => examplePrompt(problem, { kind: 'compact' }), ConfigError).message).toMatch(/task\.template compact wraps/);
    // The same file under chat loads.
    const chat = parseTrainConfig({ task: { name: 'math', dataset: file, template: 'chat', testSize: 1 } });
    const task = await loadTask(chat.task, chat.seed);
    expect(task.train.length + task.test.length).toBe(2);
  });
});

describe('task.fields', () => {
  test('dotted paths into nested parquet: verl gsm8k’s raw question and solution from extra_info', async () => {
    const fields: TaskFields = { prompt: 'extra_info.question', answer: 'extra_info.answer', dataSource: 'ability' };
    const { examples } = await loadExamples(TASK_KINDS.gsm8k, fixture('verl-gsm8k.parquet'), { fields });
    expect(references(examples)).toEqual(['84', '1240']);
    expect(examples[1]!.brief).toBe('Sam had 1,500 stamps and gave away 260. How many are left?');
    expect(examples[1]!.question).toMatch(/^Sam had .*\n.*\\boxed\{\.\.\.\}/);
    expect(examples[1]!.messages).toBeUndefined();
    expect(examples[1]!.dataSource).toBe('math');
    const verifier = gsm8k();
    expect(verifier.verify('<answer>\\boxed{1240}</answer>', verifier.parseReference(examples[1]!.reference)).correct).toBe(true);
  });

  test('a list index in the path: prompt.0.content is the text of the first message', async () => {
    const fields = { ...LAYOUT_FIELDS, prompt: 'prompt.0.content' };
    const { examples } = await loadExamples(TASK_KINDS.math, fixture('dapo-math-17k.parquet'), { fields });
    expect(examples[0]!.messages).toBeUndefined();
    expect(examples[0]!.brief).toMatch(/^Solve the problem below step by step\..*How many subsets/s);
  });

  test('from the command line: --task.fields.prompt / --task.fields.answer, through loadTask under r1-zero', async () => {
    const config = parseTrainConfig({ task: { name: 'gsm8k', dataset: fixture('verl-gsm8k.parquet'), testSize: 1 } }, [
      '--task.fields.prompt',
      'extra_info.question',
      '--task.fields.answer',
      'reward_model.ground_truth',
    ]);
    expect(config.task.fields).toEqual({ prompt: 'extra_info.question', answer: 'reward_model.ground_truth', dataSource: null });
    const task = await loadTask(config.task, config.seed);
    expect([...task.train, ...task.test].map((e) => e.reference).sort()).toEqual(['1240', '84']);
    expect(task.train[0]!.dataSource).toBe('openai/gsm8k');
  });

  test('a record without the mapped path: skipped with its row and the missing path, or stopped with them', async () => {
    const file = await writeJsonl(join(tempDir(), 'partial.jsonl'), [
      { prompt: 'Q1?', reward_model: { ground_truth: '1' } },
      { prompt: 'Q2?', reward: '2' },
      { prompt: 'Q3?', reward_model: { style: 'rule' } },
      { prompt: 'Q4?', reward_model: { ground_truth: '4' } },
    ]);
    const fields = { ...LAYOUT_FIELDS, answer: 'reward_model.ground_truth' };
    const { examples, skipped } = await loadExamples(TASK_KINDS.gsm8k, file, { fields, onMalformed: 'skip' });
    expect(references(examples)).toEqual(['1', '4']);
    expect(skipped).toEqual([
      { file, line: 2, reason: 'task.fields.answer = "reward_model.ground_truth": the record has no reward_model' },
      { file, line: 3, reason: 'task.fields.answer = "reward_model.ground_truth": the record has no reward_model.ground_truth' },
    ]);
    expect(describeSkippedRecords(skipped)).toEqual([
      `task.onMalformed skip: skipped 2 malformed records of ${file} (line 2, 3); the first: task.fields.answer = "reward_model.ground_truth": the record has no reward_model`,
    ]);
    const error = await rejection(loadExamples(TASK_KINDS.gsm8k, file, { fields }));
    expect(error).toBeInstanceOf(DatasetError);
    expect(error.message).toMatch(/partial\.jsonl:2: malformed gsm8k record: task\.fields\.answer = "reward_model\.ground_truth": the record has no reward_model;/);
  });

  test('a mapped path that no record holds is a config error naming the field and what the records hold', async () => {
    const file = fixture('dapo-math-17k.parquet');
    const fields = { ...LAYOUT_FIELDS, answer: 'reward_model.answer' };
    const error = await rejection(loadExamples(TASK_KINDS.math, file, { fields, onMalformed: 'skip' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('task.fields.answer');
    expect(error.message).toBe(
      `task.fields.answer: "reward_model.answer" is in no record of ${file}; its first record has data_source, prompt, ability, reward_model.ground_truth, reward_model.style, extra_info.index`,
    );
  });

  test('a record with none of the layout’s fields names the paths looked for and what it holds', async () => {
    const file = await writeJsonl(join(tempDir(), 'other.jsonl'), [
      { query: 'Q?', label: '3' },
      { question: 'Q?', answer: '#### 3', prompt: 42 },
    ]);
    const error = await rejection(loadExamples(TASK_KINDS.gsm8k, file));
    expect(error.message).toContain(
      'other.jsonl:1: malformed gsm8k record: no reference answer: expected one of the fields reward_model.ground_truth, answer (or set task.fields); the record has query, label',
    );
    const fields = { ...LAYOUT_FIELDS, answer: 'label', prompt: 'query' };
    const mapped = await loadExamples(TASK_KINDS.gsm8k, file, { fields, onMalformed: 'skip' });
    expect(references(mapped.examples)).toEqual(['3']);
    expect(mapped.skipped).toEqual([{ file, line: 2, reason: 'task.fields.answer = "label": the record has no label' }]);
    const wrongType = await writeJsonl(join(tempDir(), 'type.jsonl'), [{ prompt: 42, answer: '#### 3' }]);
    expect((await rejection(loadExamples(TASK_KINDS.gsm8k, wrongType))).message).toMatch(
      /type\.jsonl:1: malformed gsm8k record: "prompt": expected a non-empty string or a list of \{role, content\} messages, got 42/,
    );
  });

  test('config errors: a path that is not a dotted path; fields with generated problems', () => {
    expect(thrownBy(() => parseTrainConfig({ task: { name: 'gsm8k', dataset: 'a.jsonl' } }, ['--task.fields.answer', 'reward_model..ground_truth']), ConfigError).message).toMatch(
      /^task\.fields\.answer: .*expected a dotted path such as reward_model\.ground_truth/,
    );
    const generated = thrownBy(() => parseTrainConfig({ task: { fields: { prompt: 'question' } } }), ConfigError);
    expect(generated.field).toBe('task.fields.prompt');
    expect(generated.message).toMatch(/names a field of dataset records, but task\.dataset is null/);
    expect(thrownBy(() => parseTrainConfig({ task: { fields: { question: 'q' } } }), ConfigError).message).toMatch(/task\.fields/);
  });
});
