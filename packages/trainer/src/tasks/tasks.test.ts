import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template } from '@huggingface/jinja';
import { countdown, gsm8k, math } from '@rlvr/verifiers';
import { parseTrainConfig } from '../config/load-config.js';
import { TrainerError } from '../errors.js';
import { useTempDir, writeJsonl } from '../testing/temp-dir.js';
import { thrownBy } from '../testing/thrown.js';
import { DatasetError } from './dataset-error.js';
import { loadExamples, loadTask } from './load-task.js';
import { PromptCursor } from './prompt-cursor.js';
import { limitPromptLength } from './prompt-length.js';
import { readJsonlRecords, readParquetRecords, recordFormat } from './read-records.js';
import { seededPermutation } from './shuffle.js';
import { splitTrainTest } from './split.js';
import { TASK_KINDS, countdownBrief, countdownQuestion } from './task-kinds.js';
import { r1ZeroPrompt, renderPrompt, type ChatMessage } from './templates.js';

// Committed fixtures (see __fixtures__/README.md for how they were written).
const FIXTURES = fileURLToPath(new URL('./__fixtures__/', import.meta.url));
const COUNTDOWN_PARQUET = join(FIXTURES, 'countdown.parquet');
const GSM8K_PARQUET = join(FIXTURES, 'gsm8k.parquet');

const tempDir = useTempDir('rlvr-tasks-');

/** A JSONL file of `lines` in the temporary directory. */
async function jsonl(name: string, lines: unknown[], ending = '\n'): Promise<string> {
  return await writeJsonl(join(tempDir(), name), lines, ending);
}

function datasetError(promise: Promise<unknown>): Promise<DatasetError> {
  return promise.then(
    () => {
      throw new Error('expected a DatasetError');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(DatasetError);
      return error as DatasetError;
    },
  );
}

describe('JSONL records', () => {
  test('line numbers count every line; blank lines are ignored; CRLF accepted; bad lines are problems', async () => {
    const file = await jsonl('mixed.jsonl', [{ a: 1 }, '', '  ', '{"b": 2}', 'not json', '[1, 2]', '7', { c: 3 }], '\r\n');
    const records = await readJsonlRecords(file);
    expect(records.map((r) => r.line)).toEqual([1, 4, 5, 6, 7, 8]);
    expect(records[0]).toEqual({ line: 1, value: { a: 1 } });
    expect(records[1]).toEqual({ line: 4, value: { b: 2 } });
    expect(records[2]).toEqual({ line: 5, problem: expect.stringMatching(/^invalid JSON/) });
    expect(records[3]).toEqual({ line: 6, problem: 'expected a JSON object, got [1,2]' });
    expect(records[4]).toEqual({ line: 7, problem: 'expected a JSON object, got 7' });
  });

  test('a file that is one JSON array (DeepScaleR) is read item by item, numbered from 1', async () => {
    const file = join(tempDir(), 'array.json');
    await writeFile(file, '[\n  {"a": 1},\n  7,\n  {"b": 2}\n]\n');
    expect(await readJsonlRecords(file)).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 2, problem: 'expected a JSON object, got 7' },
      { line: 3, value: { b: 2 } },
    ]);
  });

  test('a missing file names the file', async () => {
    await expect(readJsonlRecords(join(tempDir(), 'missing.jsonl'))).rejects.toThrow(/missing\.jsonl: cannot read: ENOENT/);
  });

  test('format by extension', () => {
    expect(recordFormat('a/b.JSONL', 'auto')).toBe('jsonl');
    expect(recordFormat('a/b.parquet', 'auto')).toBe('parquet');
    expect(recordFormat('a/b.txt', 'jsonl')).toBe('jsonl');
    expect(() => recordFormat('a/b.csv', 'auto')).toThrow(/b\.csv: cannot tell the format from the extension "\.csv"/);
  });
});

describe('parquet records (hyparquet)', () => {
  test('Countdown-Tasks-3to4 layout: int64 target and list<int64> nums come back as numbers', async () => {
    const records = await readParquetRecords(COUNTDOWN_PARQUET);
    expect(records).toHaveLength(5);
    expect(records[0]).toEqual({ line: 1, value: { target: 24, nums: [2, 3, 4] } });
    expect(records[3]).toEqual({ line: 4, value: { target: 7, nums: null } });
  });

  test('gsm8k layout', async () => {
    const records = await readParquetRecords(GSM8K_PARQUET);
    expect(records.map((r) => ('value' in r ? r.value.answer : r.problem))).toEqual(['He has 3 + 4 = <<3+4=7>>7 apples.\n#### 7', 'There are 12 * 3 = <<12*3=36>>36 eggs.\n#### 36']);
  });

  test('a file that is not parquet names the file', async () => {
    const file = await jsonl('fake.parquet', [{ a: 1 }]);
    await expect(readParquetRecords(file)).rejects.toThrow(/fake\.parquet: cannot read/);
  });
});

describe('tasks from records', () => {
  test('countdown from parquet: malformed row stops with file and row by default', async () => {
    const error = await datasetError(loadExamples(TASK_KINDS.countdown, COUNTDOWN_PARQUET));
    expect(error.file).toBe(COUNTDOWN_PARQUET);
    expect(error.line).toBe(4);
    expect(error.message).toMatch(/countdown\.parquet:4: malformed countdown record: reference\.nums: expected a non-empty array/);
  });

  test('countdown from parquet, skip policy: the row is skipped and counted; references verify', async () => {
    const { examples, skipped } = await loadExamples(TASK_KINDS.countdown, COUNTDOWN_PARQUET, { onMalformed: 'skip' });
    expect(examples.map((e) => e.reference)).toEqual([
      { target: 24, nums: [2, 3, 4] },
      { target: 98, nums: [44, 19, 35] },
      { target: 10, nums: [1, 2, 3, 4] },
      { target: 15, nums: [5, 3] },
    ]);
    expect(examples[0]!.id).toBe(`${COUNTDOWN_PARQUET}:1`);
    expect(examples[3]!.id).toBe(`${COUNTDOWN_PARQUET}:5`);
    expect(skipped).toEqual([{ file: COUNTDOWN_PARQUET, line: 4, reason: expect.stringMatching(/^reference\.nums/) }]);
    // The stored reference is what the real verifier scores against.
    const verifier = countdown();
    expect(verifier.verify('<think>…</think><answer> 2 * 3 * 4 </answer>', verifier.parseReference(examples[0]!.reference)).reward).toBe(1);
    expect(examples[1]!.question).toContain('[44, 19, 35]');
    expect(examples[1]!.question).toContain('value is 98');
  });

  test('countdown JSONL: wrong field types are malformed with their line', async () => {
    const file = await jsonl('cd.jsonl', [
      { target: 24, nums: [2, 3, 4] },
      { target: '24', nums: [1] },
      { target: 5, nums: [] },
      { target: 5, nums: [2, 3] },
    ]);
    await expect(loadExamples(TASK_KINDS.countdown, file)).rejects.toThrow(/cd\.jsonl:2: malformed countdown record: reference\.target: expected a safe integer/);
    const { examples, skipped } = await loadExamples(TASK_KINDS.countdown, file, { onMalformed: 'skip' });
    expect(examples).toHaveLength(2);
    expect(skipped.map((s) => s.line)).toEqual([2, 3]);
  });

  test('gsm8k from parquet: the #### answer is the reference, the question asks for \\boxed', async () => {
    const { examples } = await loadExamples(TASK_KINDS.gsm8k, GSM8K_PARQUET);
    expect(examples.map((e) => e.reference)).toEqual(['7', '36']);
    expect(examples[1]!.question).toMatch(/^A box holds 12 eggs\. How many eggs are in 3 boxes\?\n.*\\boxed\{\.\.\.\}/);
    const verifier = gsm8k();
    expect(verifier.verify('<think>12 * 3</think><answer>\\boxed{36}</answer>', verifier.parseReference(examples[1]!.reference)).correct).toBe(true);
  });

  test('gsm8k JSONL: missing question / answer without a number are malformed', async () => {
    const file = await jsonl('gsm.jsonl', [{ question: 'Q?', answer: 'so #### 1,200' }, { answer: '#### 3' }, { question: 'Q?', answer: 'no number here' }]);
    const { examples, skipped } = await loadExamples(TASK_KINDS.gsm8k, file, { onMalformed: 'skip' });
    expect(examples.map((e) => e.reference)).toEqual(['1200']);
    expect(skipped).toEqual([
      { file, line: 2, reason: 'no prompt: expected one of the fields prompt, question (or set task.fields); the record has answer' },
      { file, line: 3, reason: expect.stringMatching(/^reference: no number found/) },
    ]);
  });

  test('math JSONL: {problem, solution} takes the last \\boxed; {problem, answer} takes the answer', async () => {
    const file = await jsonl('math.jsonl', [
      { problem: 'Halve 1.', solution: 'First \\boxed{2}, no: it is $\\boxed{\\frac{1}{2}}$.' },
      { problem: 'Double 2.', answer: '4', solution: 'ignored \\boxed{5}' },
      { problem: 'Bad.', solution: 'never closed \\boxed{3' },
      { problem: '', answer: '1' },
    ]);
    const { examples, skipped } = await loadExamples(TASK_KINDS.math, file, { onMalformed: 'skip' });
    expect(examples.map((e) => e.reference)).toEqual(['\\frac{1}{2}', '4']);
    expect(skipped.map((s) => s.line)).toEqual([3, 4]);
    const verifier = math();
    expect(verifier.verify('<answer>\\boxed{0.5}</answer>', verifier.parseReference(examples[0]!.reference)).correct).toBe(true);
  });
});

describe('split and order', () => {
  const items = Array.from({ length: 100 }, (_, i) => i);

  test('seeded split: sizes, disjoint, complete, original order, reproducible, seed-dependent', () => {
    const a = splitTrainTest(items, 10, 7);
    expect(a.test).toHaveLength(10);
    expect(a.train).toHaveLength(90);
    expect([...a.train, ...a.test].sort((x, y) => x - y)).toEqual(items);
    expect(a.test).toEqual([...a.test].sort((x, y) => x - y));
    expect(splitTrainTest(items, 10, 7)).toEqual(a);
    expect(splitTrainTest(items, 10, 8).test).not.toEqual(a.test);
    expect(splitTrainTest(items, 0.25, 7).test).toHaveLength(25);
    // A fraction and the equivalent count hold out the same examples.
    expect(splitTrainTest(items, 0.1, 7).test).toEqual(a.test);
  });

  test('split refuses to leave nothing for training, and bad sizes', () => {
    expect(() => splitTrainTest([1, 2], 2, 0)).toThrow(/at least one must stay for training/);
    expect(() => splitTrainTest([1, 2], 1.5, 0)).toThrow(/expected a fraction in \(0, 1\) or a whole count/);
  });

  test('permutation is a permutation and uniform-ish: each of 4 items first ≈ 1/4 of seeds', () => {
    const first = [0, 0, 0, 0];
    for (let seed = 0; seed < 4000; seed++) {
      const p = seededPermutation(4, seed);
      expect([...p].sort()).toEqual([0, 1, 2, 3]);
      first[p[0]!]! += 1;
    }
    // 4000 draws, p = 1/4: standard deviation ≈ 27; 150 is more than 5σ.
    for (const count of first) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });

  test('prompt cursor: epochs are permutations, batches cross epochs, a restored state continues identically', () => {
    const cursor = new PromptCursor(5, 3);
    const epoch0 = cursor.next(5);
    expect([...epoch0].sort()).toEqual([0, 1, 2, 3, 4]);
    const crossing = cursor.next(7); // the whole of epoch 1 and two of epoch 2
    expect([...crossing.slice(0, 5)].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(crossing.slice(0, 5)).not.toEqual(epoch0);
    expect(cursor.state()).toEqual({ epoch: 2, position: 2 });
    const straight = new PromptCursor(5, 3);
    straight.next(12);
    const resumed = new PromptCursor(5, 3, JSON.parse(JSON.stringify(cursor.state())) as { epoch: number; position: number });
    expect(resumed.next(9)).toEqual(straight.next(9));
    expect(thrownBy(() => new PromptCursor(5, 3, { epoch: 0, position: 6 }), TrainerError).message).toMatch(
      /PromptCursor: state \{"epoch":0,"position":6\} is not a position in a training set of 5 prompts/,
    );
    expect(thrownBy(() => new PromptCursor(0, 3), TrainerError).message).toMatch(/size must be an integer ≥ 1/);
  });
});

describe('loadTask', () => {
  test('countdown generator: seeded, split, solvable problems', async () => {
    const config = parseTrainConfig({ task: { generator: { count: 40 }, testSize: 8 }, seed: 11 });
    const task = await loadTask(config.task, config.seed);
    expect(task.verifier).toBe('countdown');
    expect(task.train).toHaveLength(32);
    expect(task.test).toHaveLength(8);
    const again = await loadTask(config.task, config.seed);
    expect(again).toEqual(task);
    const other = await loadTask(config.task, 12);
    expect(other.train.map((e) => e.reference)).not.toEqual(task.train.map((e) => e.reference));
    for (const example of task.train) {
      const { nums } = example.reference as { nums: number[] };
      expect(nums.length).toBeGreaterThanOrEqual(3);
      expect(nums.length).toBeLessThanOrEqual(4);
    }
  });

  test('generated problems appear once (numbers in any order), so train and test are disjoint; generator.seed fixes them across run seeds', async () => {
    const config = parseTrainConfig({ task: { generator: { count: 600, minNumbers: 3, maxNumbers: 3, maxNumber: 4, maxTarget: 30, seed: 5 }, testSize: 20 } });
    const key = (e: { reference: unknown }) => {
      const { target, nums } = e.reference as { target: number; nums: number[] };
      return `${target}:${[...nums].sort((a, b) => a - b).join(',')}`;
    };
    const task = await loadTask(config.task, 1);
    const all = [...task.train, ...task.test].map(key);
    // Numbers 1–4: far fewer distinct problems than 600 draws, so repeats were dropped.
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeLessThan(600);
    expect(task.test).toHaveLength(20);
    // Another run seed, same problems and split.
    const other = await loadTask(config.task, 2);
    expect(other.test.map(key)).toEqual(task.test.map(key));
    expect(other.train.map(key)).toEqual(task.train.map(key));
  });

  test('explicit test file; skipped records from both files are reported', async () => {
    const train = await jsonl('train.jsonl', [{ question: 'A?', answer: '#### 1' }, 'oops', { question: 'B?', answer: '#### 2' }]);
    const test = await jsonl('test.jsonl', [{ question: 'C?', answer: '#### 3' }, { question: 'D?' }]);
    const config = parseTrainConfig({ task: { name: 'gsm8k', dataset: train, testDataset: test, onMalformed: 'skip' } });
    const task = await loadTask(config.task, config.seed);
    expect(task.train.map((e) => e.reference)).toEqual(['1', '2']);
    expect(task.test.map((e) => e.reference)).toEqual(['3']);
    expect(task.skipped.map((s) => `${s.file === train ? 'train' : 'test'}:${s.line}`)).toEqual(['train:2', 'test:2']);
  });

  test('a file with no usable record is an error even when skipping', async () => {
    const file = await jsonl('empty.jsonl', ['x']);
    await expect(loadExamples(TASK_KINDS.gsm8k, file, { onMalformed: 'skip' })).rejects.toThrow(/empty\.jsonl: no usable gsm8k records \(1 malformed\)/);
  });
});

describe('prompt templates', () => {
  const question = countdownQuestion({ target: 24, nums: [2, 3, 4] });

  test('R1-Zero: preamble with think/answer tags, the question as the user turn, the think tag opened', () => {
    const prompt = r1ZeroPrompt(question);
    expect(prompt).toContain(`User: ${question}\nAssistant:`);
    expect(prompt).toMatch(/<think> and <\/think>.*<answer> and <\/answer>/);
    expect(prompt.endsWith('\n<think>')).toBe(true);
    expect(renderPrompt({ question, brief: 'unused' }, { kind: 'r1-zero' })).toBe(prompt);
  });

  test('compact: the problem alone, then the opened think tag (no preamble, no format instructions)', () => {
    const brief = countdownBrief({ target: 24, nums: [2, 3, 4] });
    expect(brief).toBe('Numbers: [2, 3, 4]. Target: 24.');
    expect(renderPrompt({ question, brief }, { kind: 'compact' })).toBe('Numbers: [2, 3, 4]. Target: 24.\n<think>');
  });

  test('countdown question states numbers, target, operations and the answer format', () => {
    expect(question).toContain('[2, 3, 4]');
    expect(question).toContain('24');
    expect(question).toContain('<answer> (1 + 2) / 3 </answer>');
    expect(question).toMatch(/exactly once/);
  });

  test('chat template: a real Jinja chat template (ChatML) renders system + user + generation prompt', () => {
    const chatml = new Template(
      "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
    );
    const apply = (messages: ChatMessage[]) => chatml.render({ messages, add_generation_prompt: true });
    expect(renderPrompt({ question: 'What is 2+2?', brief: 'unused' }, { kind: 'chat', apply, systemPrompt: 'Be brief.' })).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(renderPrompt({ question: 'Hi', brief: 'unused' }, { kind: 'chat', apply })).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
  });
});

describe('prompt length limit', () => {
  // A real count of something prompt-like: whitespace-separated words (the sampler's tokenizer plugs in the same way).
  const words = (text: string) => text.split(/\s+/).filter((w) => w !== '').length;

  test('over-long prompts are refused with file and line, or skipped and counted', async () => {
    const file = await jsonl('long.jsonl', [
      { question: 'Short?', answer: '#### 1' },
      { question: `${'very '.repeat(50)}long?`, answer: '#### 2' },
    ]);
    const { examples } = await loadExamples(TASK_KINDS.gsm8k, file);
    const limit = words(r1ZeroPrompt(examples[0]!.question));
    expect(() => limitPromptLength(examples, { kind: 'r1-zero' }, words, limit)).toThrow(
      new RegExp(`long\\.jsonl:2: prompt has ${words(r1ZeroPrompt(examples[1]!.question))} tokens, more than task\\.maxPromptTokens = ${limit}`),
    );
    const { kept, skipped } = limitPromptLength(examples, { kind: 'r1-zero' }, words, limit, 'skip');
    expect(kept).toEqual([examples[0]]);
    expect(skipped).toEqual([{ file, line: 2, reason: expect.stringMatching(/^prompt has \d+ tokens/) }]);
    expect(limitPromptLength(examples, { kind: 'r1-zero' }, words, limit, 'skip').longestTokens).toBe(limit);
  });
});
