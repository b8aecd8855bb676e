/**
 * The training setup of the choice tasks (the theory's regime: tasks/choice-problems.ts) used by
 * `rlvr compare --task choice`: the embedded choice base model (every prompt at ρ₀ ≈ 1/40), 80
 * problems of which 16 are held out, one-token responses scored by exact match (binary rewards, and the
 * exact ρ of every prompt at each evaluation), groups of 8, no KL term (nothing to keep: the base model
 * knows nothing but the answer format), AdamW with β2 = 0.99 as in the Countdown preset.
 *
 * - `hidden`: all 64 training prompts in every step, so every prompt is updated every step, as in the
 *   theory's per-prompt recursion and in @rlvr/weights' `simulate`.
 * - `copy` and `mod-sum`: 272 problems (256 to train on, 64 per step), since what is learned is shared.
 */
import { parseTrainConfig, type TrainConfig } from '../config/index.js';
import type { ChoiceRule } from '../tasks/index.js';

/** The choices K of the preset (the base model's answers): ρ₀ = 1/40 = 0.025, the paper's from-scratch start. */
export const CHOICE_PRESET_CHOICES = 40;
/** Held-out problems of the preset. */
export const CHOICE_PRESET_TEST = 16;
/** Seed of the preset's problems and split (fixed across run seeds). */
export const CHOICE_PRESET_DATA_SEED = 7;
/** Prompts per RL step. */
export const CHOICE_PRESET_PROMPTS_PER_STEP = 64;
/** Responses per prompt (M). */
export const CHOICE_PRESET_GROUP_SIZE = 8;

/** What a choice preset run varies. */
export interface ChoicePresetOptions {
  rule: ChoiceRule;
  weighting: string;
  lr: number;
  maxSteps: number;
  seed: number;
  /** Evaluate (exact ρ of every prompt) every this many steps and before the first. */
  evalInterval: number;
  /** Groups of M drawn at most per prompt until one holds a success (default 1: one group per prompt). */
  maxGroups?: number;
  backend?: TrainConfig['backend'];
}

/** Problems drawn for `rule`: 64 to train on (hidden) or 256 (shared rules), plus the held-out ones. */
export function choicePresetCount(rule: ChoiceRule): number {
  return (rule === 'hidden' ? CHOICE_PRESET_PROMPTS_PER_STEP : 256) + CHOICE_PRESET_TEST;
}

/** The full training config of one choice preset run. */
export function choicePresetConfig(o: ChoicePresetOptions): TrainConfig {
  return parseTrainConfig({
    model: { path: 'embedded:choice-base' },
    task: {
      name: 'choice',
      template: 'plain',
      testSize: CHOICE_PRESET_TEST,
      choice: {
        rule: o.rule,
        choices: CHOICE_PRESET_CHOICES,
        count: choicePresetCount(o.rule),
        seed: CHOICE_PRESET_DATA_SEED,
      },
    },
    weighting: { name: o.weighting, binarize: 1 },
    sampling: {
      groupSize: CHOICE_PRESET_GROUP_SIZE,
      promptsPerStep: CHOICE_PRESET_PROMPTS_PER_STEP,
      maxNewTokens: 1,
      temperature: 1,
      maxGroups: o.maxGroups ?? 1,
    },
    kl: { beta: 0 },
    optim: { lr: o.lr, beta2: 0.99 },
    eval: { interval: o.evalInterval, samples: 4, passAtK: [1, 4] },
    checkpoint: { interval: 0 },
    maxSteps: o.maxSteps,
    seed: o.seed,
    backend: o.backend ?? 'auto',
  });
}
