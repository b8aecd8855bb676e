/**
 * The "SFT'd" start of the post-SFT regime: the Countdown base model fine-tuned by
 * next-token cross-entropy on *correct* solutions of the preset's training problems (never a held-out
 * one: the preset fixes the problem set and split for every run seed). A solution is a derivation in
 * the pretraining format whose random first steps lead to a candidate that reaches the target (drawn
 * until one does) and whose answer is that candidate, so the SFT model writes the same kind of text
 * as the base, only right more often. Each time a problem is drawn into a batch its solution is drawn
 * afresh: a problem with several solving first steps is seen with all of them, rather than with one
 * fixed solution repeated every epoch (which the 125k-parameter model memorised: its loss fell to
 * 0.013 nats/token while held-out accuracy stayed at 28 %).
 */
import { SeededRandom, parameterCount } from '@rlvr/core';
import { loadDecoderModel } from '@rlvr/kernels';
import { SamplerTokenizer } from '@rlvr/sampler';
import { parseTrainConfig } from '../config/index.js';
import { PRESET_TASK } from '../demo/countdown-preset.js';
import { TrainerError } from '../errors.js';
import { copyTokenizerFiles } from '../checkpoint/tokenizer-files.js';
import { deriveSeed, loadTask, renderPrompt } from '../tasks/index.js';
import { countdownCompletion, randomDerivation, type Candidate, type PretrainExample } from './countdown-corpus.js';
import { fullSearch, searchCandidates, searchCompletion } from './countdown-search-corpus.js';
import {
  checkRunOptions,
  requireAllSteps,
  trainCrossEntropy,
  writeTrainedModel,
  type CrossEntropyRunOptions,
} from './pretrain.js';

/** A Countdown problem as the task's reference holds it. */
type CountdownReference = { target: number; nums: readonly number[] };

/** Options of {@link finetuneCountdown}. */
export interface FinetuneOptions extends CrossEntropyRunOptions {
  /** The model directory to start from (its tokenizer is kept). */
  fromDir: string;
  command: string;
  /**
   * The text the solutions are written in, that of the model's pretraining: `random` (a random
   * derivation, default) or `search` (the full search, answered with the expression it found).
   */
  corpus?: 'random' | 'search';
}

// Random derivations tried per problem before it is left out of the SFT set.
const MAX_DRAWS = 1000;
const SOLUTION_STREAM = 0x5f7;

/** A correct solution of `problem` in the pretraining format (the candidate that reaches the target is the answer), or null when no first step of {@link MAX_DRAWS} random ones leads to one. */
export function derivedSolution(problem: CountdownReference, random: SeededRandom): string | null {
  const reachTarget = (candidates: Candidate[]) => {
    const k = candidates.findIndex((c) => c.value === problem.target);
    return k < 0 ? null : k;
  };
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const d = randomDerivation(problem.nums, random, reachTarget);
    if (d !== null) return countdownCompletion(d, problem.target);
  }
  return null;
}

/**
 * A correct solution of `problem` in the search format: the full search, answered with the first
 * expression it marks as reaching the target; null when no candidate reaches it.
 */
export function searchSolution(problem: CountdownReference): string | null {
  const lines = fullSearch(problem.nums);
  const k = searchCandidates(lines).findIndex((c) => c.value === problem.target);
  return k < 0 ? null : searchCompletion(lines, problem.target, k);
}

/** Fine-tune `fromDir` on correct solutions of the preset's training split and write `outDir`; see the module comment. */
export async function finetuneCountdown(
  o: FinetuneOptions,
): Promise<{ dir: string; losses: number[]; problems: number }> {
  checkRunOptions(o);
  const config = parseTrainConfig({ task: PRESET_TASK, seed: o.seed });
  const task = await loadTask(config.task, o.seed);
  const solver = new SeededRandom(deriveSeed(o.seed, SOLUTION_STREAM));
  const solve = (reference: CountdownReference): string | null =>
    o.corpus === 'search' ? searchSolution(reference) : derivedSolution(reference, solver);
  const problems = task.train
    .map((example) => ({
      prompt: renderPrompt(example, { kind: PRESET_TASK.template }),
      reference: example.reference as CountdownReference,
    }))
    .filter((p) => solve(p.reference) !== null);
  if (problems.length === 0) {
    throw new TrainerError(
      `no training problem of the preset has a derivation with integer steps (${task.train.length} tried)`,
    );
  }
  o.log?.(
    `${problems.length} of ${task.train.length} training problems have a derivation with integer steps; the ${task.test.length} held-out problems are never trained on`,
  );
  const solved = (p: (typeof problems)[number]): PretrainExample => ({
    prompt: p.prompt,
    completion: solve(p.reference)!,
  });
  const tokenizer = SamplerTokenizer.load(o.fromDir);
  const model = await loadDecoderModel(o.fromDir, { backend: o.backend, log: o.log ?? null });
  const random = new SeededRandom(o.seed);
  try {
    const losses = await trainCrossEntropy(model, tokenizer, o, () =>
      Array.from({ length: o.batch }, () => solved(problems[Math.floor(random.next() * problems.length)]!)),
    );
    const purpose = [
      `The Countdown base model (${o.fromDir}) fine-tuned on correct step-by-step solutions of the preset's ${problems.length}`,
      o.corpus === 'search'
        ? 'training problems (none of its held-out problems), each its full search answered with the expression the search found.'
        : 'training problems (none of its held-out problems), each solution drawn afresh whenever its problem is drawn.',
    ];
    await writeTrainedModel(model, tokenizer, o, o.command, purpose, losses);
    copyTokenizerFiles(o.fromDir, o.outDir);
    o.log?.(`${parameterCount(model.config)} parameters`);
    requireAllSteps(o, losses);
    return { dir: o.outDir, losses, problems: problems.length };
  } finally {
    await model.dispose();
  }
}
