/**
 * `rlvr pretrain --task choice`: the base model of the choice tasks (tasks/choice-problems.ts). It is
 * trained by next-token cross-entropy on prompts of every rule followed by an answer drawn uniformly
 * from 0 … K−1, independently of the prompt, so that the best it can learn is to answer every prompt
 * uniformly over the K answers: ρ₀ ≈ 1/K for every prompt, the start the paper's theory assumes
 * (K = 40 → 0.025). The tokenizer (byte-level BPE, every number one token) is learned from the same text.
 */
import { SeededRandom } from '@rlvr/core';
import { SamplerTokenizer } from '@rlvr/sampler';
import { TrainerError } from '../errors.js';
import { CHOICE_RULES, choicePrompt } from '../tasks/choice-problems.js';
import type { PretrainExample } from './countdown-corpus.js';
import {
  checkRunOptions,
  countdownTokenizer,
  pretrainFromScratch,
  type CrossEntropyRunOptions,
  type PretrainResult,
} from './pretrain.js';

/** Options of {@link pretrainChoice}. */
export interface ChoicePretrainOptions extends CrossEntropyRunOptions {
  /** K; default 40. */
  choices?: number;
  /** Hidden-rule items 0 … items−1 appear in the text; default 256 (so any task.choice.count ≤ 256 is covered). */
  items?: number;
  /** Overrides of the decoder shape (BASE_MODEL_SHAPE). */
  modelConfig?: Record<string, unknown>;
}

/** The flags that made the embedded choice base model (assets/choice-base/PROVENANCE.md). */
export const CHOICE_PRETRAIN_FLAGS = '--steps 1500 --batch 64 --lr 0.001 --seed 1';

/**
 * `n` pretraining examples: a prompt of a rule drawn at random (hidden items from 0 … items−1), then an
 * answer uniform over 0 … K−1 that ignores the prompt.
 */
export function choicePretrainExamples(n: number, choices: number, items: number, seed: number): PretrainExample[] {
  if (!(Number.isInteger(items) && items >= 1)) throw new TrainerError(`items must be an integer ≥ 1, got ${items}`);
  const random = new SeededRandom(seed);
  return Array.from({ length: n }, () => {
    const rule = CHOICE_RULES[Math.floor(random.next() * CHOICE_RULES.length)]!;
    const { prompt } = choicePrompt(rule, choices, random, Math.floor(random.next() * items));
    return { prompt, completion: String(Math.floor(random.next() * choices)) };
  });
}

/** Examples the tokenizer is learned from (countdownTokenizer reads at most this many). */
const TOKENIZER_EXAMPLES = 8192;

const PURPOSE = [
  'Base model of the choice tasks (theory regime): pretrained by next-token cross-entropy on choice-task',
  'prompts of every rule followed by an answer drawn uniformly from 0 … K−1, whatever the prompt, so it',
  'answers every prompt near-uniformly over the K answers (ρ₀ ≈ 1/K).',
];

/** Pretrain the choice base model and write it to `o.outDir`; see the module comment. */
export async function pretrainChoice(o: ChoicePretrainOptions): Promise<PretrainResult> {
  checkRunOptions(o);
  const choices = o.choices ?? 40;
  if (!(Number.isInteger(choices) && choices >= 2)) {
    throw new TrainerError(`choices must be an integer ≥ 2, got ${choices}`);
  }
  // The tokenizer is learned from the first TOKENIZER_EXAMPLES of the same stream however short the run,
  // so that every number of the prompts (items, K itself) is a whole token even in a few-step run.
  const drawn = choicePretrainExamples(
    Math.max(o.steps * o.batch, TOKENIZER_EXAMPLES),
    choices,
    o.items ?? 256,
    o.seed,
  );
  const examples = drawn.slice(0, o.steps * o.batch);
  const tokenizerFiles = countdownTokenizer(drawn.slice(0, TOKENIZER_EXAMPLES), 'whole', 512);
  const tokenizer = SamplerTokenizer.fromObjects(tokenizerFiles.tokenizerJson, tokenizerFiles.tokenizerConfig);
  for (let answer = 0; answer < choices; answer++) {
    if (tokenizer.encode(String(answer)).length !== 1) {
      throw new TrainerError(`the learned tokenizer splits the answer ${answer}; use fewer choices`);
    }
  }
  const command =
    o.command ??
    `rlvr pretrain --task choice --steps ${o.steps} --batch ${o.batch} --lr ${o.lr} --seed ${o.seed}${choices === 40 ? '' : ` --choices ${choices}`}`;
  return pretrainFromScratch(o, { examples, tokenizerFiles, command, purpose: PURPOSE });
}
