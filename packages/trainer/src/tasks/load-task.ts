/**
 * A task ready for training: dataset (file or Countdown generator) → examples (question + verifier
 * reference, read from the fields `task.fields` names or the published layout keeps) → train/test
 * split, with malformed records stopped or skipped-and-counted as the configuration says.
 */
import { generateCountdownProblems, type CountdownGeneratorOptions } from '@rlvr/verifiers';
import type { TrainConfig } from '../config/schema.js';
import { DatasetError } from './dataset-error.js';
import { choiceProblems } from './choice-problems.js';
import { frozenCountdownProblems } from './frozen-problems.js';
import { checkMessagePrompts } from './message-prompt.js';
import { readRecords } from './read-records.js';
import { LAYOUT_FIELDS, checkMappedFields, problemFromRecord, type TaskFields } from './record-fields.js';
import { deriveSeed } from './shuffle.js';
import { splitTrainTest } from './split.js';
import { TASK_KINDS, countdownBrief, countdownQuestion, type TaskKind, type TaskName } from './task-kinds.js';
import type { ChatMessage } from './templates.js';

/** One problem of a task. */
export interface TaskExample {
  /** Where it came from: `file:line` (row for parquet), or `generated:i`. */
  id: string;
  /** The user-turn text (problem + answer format), before the prompt template. */
  question: string;
  /** The problem alone, without the answer format (the `compact` template uses it). */
  brief: string;
  /** The verifier's reference, in its parsed form. */
  reference: unknown;
  /** The prompt as the dataset's chat message list, when it gave one (rendered by message-prompt.ts). */
  messages?: ChatMessage[];
  /** The record's source name (verl's `data_source`), when it has one. */
  dataSource?: string;
}

/** A record left out under `onMalformed: skip`. */
export interface SkippedRecord {
  /** The file. */
  file: string;
  /** 1-based line (JSONL) or row (parquet). */
  line: number;
  /** What is wrong with it. */
  reason: string;
}

/** A loaded task: its verifier and its examples, split. */
export interface Task {
  /** The task's name. */
  name: TaskName;
  /** Verifier name in the @rlvr/verifiers registry. */
  verifier: string;
  /** Training examples. */
  train: TaskExample[];
  /** Held-out examples (evaluation). */
  test: TaskExample[];
  /** Malformed records that were skipped (empty under `onMalformed: error`). */
  skipped: SkippedRecord[];
}

/** The examples of one file and the records skipped. */
export interface LoadedExamples {
  /** Examples in file order. */
  examples: TaskExample[];
  /** Skipped malformed records. */
  skipped: SkippedRecord[];
}

// Independent random streams derived from the run seed, so that changing how many problems are
// generated does not change the split, and so on.
const GENERATOR_STREAM = 1;
const SPLIT_STREAM = 2;

/**
 * Read one dataset file into examples of `kind`, from the fields `options.fields` names (default: where
 * the published layouts keep them); malformed records throw or are skipped, and a mapped field that
 * no record holds is a `ConfigError`.
 */
export async function loadExamples(
  kind: TaskKind,
  file: string,
  options: { format?: 'auto' | 'jsonl' | 'parquet'; onMalformed?: 'error' | 'skip'; fields?: TaskFields } = {},
): Promise<LoadedExamples> {
  const records = await readRecords(file, options.format ?? 'auto');
  const fields = options.fields ?? LAYOUT_FIELDS;
  checkMappedFields(records, fields, file);
  const examples: TaskExample[] = [];
  const skipped: SkippedRecord[] = [];
  for (const record of records) {
    let reason: string;
    if ('problem' in record) reason = record.problem;
    else {
      try {
        examples.push({ id: `${file}:${record.line}`, ...problemFromRecord(kind, record.value, fields) });
        continue;
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    if ((options.onMalformed ?? 'error') === 'error') {
      throw new DatasetError(
        file,
        record.line,
        `malformed ${kind.name} record: ${reason}; expected ${kind.layout} (set task.onMalformed to "skip" to skip such records)`,
      );
    }
    skipped.push({ file, line: record.line, reason });
  }
  if (examples.length === 0) {
    throw new DatasetError(file, undefined, `no usable ${kind.name} records (${skipped.length} malformed)`);
  }
  return { examples, skipped };
}

/**
 * The options `task.generator` passes to @rlvr/verifiers' `generateCountdownProblems`: its count and
 * difficulty, and a seed derived from `seed` (the caller's choice between generator.seed and the run seed).
 */
export function countdownGeneratorOptions(
  generator: TrainConfig['task']['generator'],
  seed: number,
): CountdownGeneratorOptions {
  const { count, minNumbers, maxNumbers, maxNumber, maxTarget } = generator;
  return { count, minNumbers, maxNumbers, maxNumber, maxTarget, seed: deriveSeed(seed, GENERATOR_STREAM) };
}

/**
 * Generated Countdown examples (the @rlvr/verifiers generator: every problem solvable; or, with
 * `generator.frozen`, that generator's problems as an earlier version drew them, read from a frozen
 * set: see frozen-problems.ts), each problem once: a draw that repeats an earlier one (same target,
 * same numbers in any order) is dropped, so that a train/test split of them is disjoint (small number
 * ranges repeat problems often).
 */
export function generatedCountdownExamples(generator: TrainConfig['task']['generator'], seed: number): TaskExample[] {
  const options = countdownGeneratorOptions(generator, seed);
  const problems =
    generator.frozen === null
      ? generateCountdownProblems(options)
      : frozenCountdownProblems(generator.frozen, options, 'task.generator.frozen');
  const seen = new Set<string>();
  const examples: TaskExample[] = [];
  problems.forEach((problem, i) => {
    const key = `${problem.target}:${[...problem.nums].sort((a, b) => a - b).join(',')}`;
    if (seen.has(key)) return;
    seen.add(key);
    const reference = { target: problem.target, nums: problem.nums };
    examples.push({
      id: `generated:${i}`,
      question: countdownQuestion(reference),
      brief: countdownBrief(reference),
      reference,
    });
  });
  return examples;
}

/** Generated choice-task examples (see choice-problems.ts), drawn from a seed derived from `seed`. */
export function generatedChoiceExamples(choice: TrainConfig['task']['choice'], seed: number): TaskExample[] {
  const problems = choiceProblems({ ...choice, seed: deriveSeed(seed, GENERATOR_STREAM) });
  return problems.map((p, i) => ({ id: `generated:${i}`, question: p.prompt, brief: p.prompt, reference: p.answer }));
}

/** A verifier that replaces a task's own (`task.verifier`): its registry name and its reference check. */
export interface TaskVerifier {
  name: string;
  parseReference(raw: unknown): unknown;
}

/**
 * `kind` scored by `verifier`: each record's answer is checked by the verifier's parseReference at
 * load time and kept as written, since the pool's workers parse it again, with each reward function's own parser.
 */
function withVerifier(kind: TaskKind, verifier: TaskVerifier): TaskKind {
  return {
    ...kind,
    verifier: verifier.name,
    parseReference(answer) {
      verifier.parseReference(answer);
      return answer;
    },
  };
}

/**
 * Load the task of a training configuration. The test split is `task.testDataset` when given,
 * else `task.testSize` examples held out of the training data by a seeded split (see
 * {@link splitTrainTest}); `seed` is the run seed. Generated Countdown problems and their split use
 * `task.generator.seed` (choice problems: `task.choice.seed`) instead when it is set, so that runs with different seeds share one problem
 * set and one held-out split (seed sweeps, and a start model fine-tuned on the training split only).
 */
export async function loadTask(task: TrainConfig['task'], seed: number, verifier?: TaskVerifier): Promise<Task> {
  const kind = verifier ? withVerifier(TASK_KINDS[task.name], verifier) : TASK_KINDS[task.name];
  const options = { format: task.format, onMalformed: task.onMalformed, fields: task.fields };
  const skipped: SkippedRecord[] = [];
  let all: TaskExample[];
  const generatorSeed = task.name === 'choice' ? task.choice.seed : task.generator.seed;
  const dataSeed = task.dataset === null ? (generatorSeed ?? seed) : seed;
  if (task.dataset === null && task.name === 'choice') {
    all = generatedChoiceExamples(task.choice, dataSeed);
  } else if (task.dataset === null) {
    if (task.name !== 'countdown') {
      throw new DatasetError(
        'task.dataset',
        undefined,
        `${task.name} has no generator; expected a JSONL or parquet file`,
      );
    }
    all = generatedCountdownExamples(task.generator, dataSeed);
  } else {
    const loaded = await loadExamples(kind, task.dataset, options);
    checkMessagePrompts(loaded.examples, task.template);
    all = loaded.examples;
    skipped.push(...loaded.skipped);
  }
  let train: TaskExample[];
  let test: TaskExample[];
  if (task.testDataset !== null) {
    const loaded = await loadExamples(kind, task.testDataset, options);
    checkMessagePrompts(loaded.examples, task.template);
    train = all;
    test = loaded.examples;
    skipped.push(...loaded.skipped);
  } else {
    ({ train, test } = splitTrainTest(
      all,
      task.testSize,
      deriveSeed(dataSeed, SPLIT_STREAM),
      task.dataset ?? `generated ${task.name} problems`,
    ));
  }
  return { name: task.name, verifier: kind.verifier, train, test, skipped };
}
