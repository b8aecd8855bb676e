/**
 * The training setup of the embedded Countdown models, shared by `rlvr demo`,
 * `rlvr compare` and the SFT'd start model: the problems the base model was pretrained on (three
 * numbers 1–9, targets up to 100, the `compact` prompt), one fixed problem set and held-out split
 * for every run seed (so that seeds vary sampling only, and the SFT model never saw a held-out
 * problem), binary rewards (the paper's success/failure; Countdown's 0.1 format credit dropped), a
 * k3 KL penalty to the start model (β = 0.05: without it, the −1 advantages that asymmetric weightings
 * give every response of an unsolved group broke the answer format of this small model within a few
 * dozen steps at lr 1e-3), AdamW with β2 = 0.99 (gradients are sparse: most groups have no signal,
 * and with β2 = 0.999 a lone gradient after quiet steps moved each weight by ≈ 3 × lr), and step
 * sizes that fit a 2-core CPU.
 */
import { parseTrainConfig, type TrainConfig } from '../config/index.js';

/**
 * The Countdown difficulty of the embedded base model and the demo: three numbers from 1 to 9, targets
 * up to 100. A random step-by-step combination of the numbers (the pretraining answers) hits the
 * target 5.1 % of the time (measured over 500 problems × 20 draws), the paper's from-scratch regime
 * (≈ 2.5 %) in order of magnitude.
 */
export const BASE_TASK_DIFFICULTY = { minNumbers: 3, maxNumbers: 3, maxNumber: 9, maxTarget: 100 } as const;

/** The seed of the preset's generated problems and split (fixed across run seeds). */
export const PRESET_DATA_SEED = 7;

/**
 * The preset's problems, frozen: the generator's draws for these settings as the PRNG of the recorded
 * results made them (sfc32; the generator now uses @rlvr/core's mulberry32, which draws other
 * problems), so that the demo's numbers, docs/results and the SFT model's held-out guarantee stay as
 * they were (src/tasks/frozen-problems.ts).
 */
export const PRESET_PROBLEMS = 'embedded:countdown-preset';

/** The preset's task section: generated problems at the base model's difficulty (frozen), 200 held out. */
export const PRESET_TASK = {
  name: 'countdown',
  template: 'compact',
  testSize: 200,
  generator: { count: 4096, ...BASE_TASK_DIFFICULTY, seed: PRESET_DATA_SEED, frozen: PRESET_PROBLEMS },
} as const;

/** The countdown-base and SFT models' completions are ≈ 70 tokens (steps, 4–6 candidates, the answer); 96 leaves room. */
export const PRESET_MAX_NEW_TOKENS = 96;

/** The search base model (pretrain/countdown-search-corpus.ts): its thought is a full search. */
export const SEARCH_BASE_MODEL = 'embedded:countdown-search-base';

/** The search base model's completions: ≈ 180 tokens, 284 at the longest over the preset's problems and answers. */
export const SEARCH_MAX_NEW_TOKENS = 288;

/** What a preset run varies. */
export interface PresetRunOptions {
  /** `model.path`: null = the embedded base model, `embedded:countdown-sft`, `embedded:countdown-search-base`, or a directory. */
  model: string | null;
  /** Longest completion sampled; default {@link PRESET_MAX_NEW_TOKENS} (the countdown-base and SFT models' text). */
  maxNewTokens?: number;
  weighting: string;
  lr: number;
  maxSteps: number;
  seed: number;
  /** Evaluate every this many steps (and before the first). */
  evalInterval: number;
  /** Held-out problems per evaluation (the first N of the 200); default all. */
  evalPrompts?: number;
  backend?: TrainConfig['backend'];
}

/** The full training config of one preset run. */
export function presetConfig(o: PresetRunOptions): TrainConfig {
  return parseTrainConfig({
    model: { path: o.model },
    task: PRESET_TASK,
    weighting: { name: o.weighting, binarize: 1 },
    sampling: {
      groupSize: 8,
      promptsPerStep: 16,
      maxNewTokens: o.maxNewTokens ?? PRESET_MAX_NEW_TOKENS,
      temperature: 1,
    },
    kl: { beta: 0.05, estimator: 'k3' },
    optim: { lr: o.lr, beta2: 0.99 },
    ppo: { microBatchSize: 64 },
    eval: { interval: o.evalInterval, prompts: o.evalPrompts ?? 0, samples: 4, passAtK: [1, 4] },
    checkpoint: { interval: 0 },
    maxSteps: o.maxSteps,
    seed: o.seed,
    backend: o.backend ?? 'auto',
  });
}
