/**
 * The schema of `rlvr train`'s JSON configuration (zod): every knob of the RL loop with its default,
 * a one-line description, and the name the same knob has in TRL's GRPOConfig and in verl's config
 * (`null` where the peer has none), so that a user coming from either finds what they rely on.
 * Unknown fields are errors (a typo must not silently fall back to a default). Cross-field rules
 * (weighting parameters, mini-batch divisibility, pass@k ≤ samples) live in {@link TRAIN_CONFIG_SCHEMA}'s
 * refinement so that every check runs before any work.
 */
import type { PolicyLossConfig } from '@rlvr/kernels';
import {
  WEIGHTING_NAMES,
  WeightsError,
  ZERO_VARIANCE_MODES,
  weighting,
  type StdConvention,
  type Weighting,
  type WeightingParameters,
  type ZeroVarianceMode,
} from '@rlvr/weights';
import * as z from 'zod';
import { CHOICE_RULES } from '../tasks/choice-problems.js';
import { QUEUE_NAME, REDIS_URL, REDIS_URL_EXAMPLE } from '../rollout/queue-address.js';

/** What the config reference says about one field: its meaning and its names in TRL and verl. */
export interface FieldInfo {
  /** One line: what the field does (and its unit or allowed values when not obvious). */
  description: string;
  /** The TRL `GRPOConfig` (or GRPOTrainer argument) name, `null` when TRL has no such knob. */
  trl: string | null;
  /** The verl config key, `null` when verl has no such knob. */
  verl: string | null;
  /**
   * Why `trl` is no flag here although it reads as a TRL option name: what TRL's option means instead
   * (shown in the reference). Without it a TRL option name is also a flag (trl-flags.ts).
   */
  trlNotAlias?: string;
}

/** Field documentation, attached to each leaf schema (read by `configReference`). */
export const FIELD_INFO = z.registry<FieldInfo>();

function field<T extends z.ZodType>(
  schema: T,
  description: string,
  trl: string | null,
  verl: string | null,
  trlNotAlias?: string,
): T {
  FIELD_INFO.add(
    schema,
    trlNotAlias === undefined ? { description, trl, verl } : { description, trl, verl, trlNotAlias },
  );
  return schema;
}

type LossAggregation = PolicyLossConfig['aggregation'];
type KlEstimator = NonNullable<PolicyLossConfig['kl']>;

/** Task names with a built-in dataset reader, prompt wording and verifier. */
export const TASK_NAMES = ['countdown', 'gsm8k', 'math', 'choice'] as const;
/** Dataset file formats; `auto` picks by extension (`.jsonl`/`.json` → jsonl, `.parquet` → parquet). */
export const DATASET_FORMATS = ['auto', 'jsonl', 'parquet'] as const;
/** Prompt templates: the R1-Zero base-model template, compact and plain (tiny models), or the model's own chat template. */
export const TEMPLATE_NAMES = ['r1-zero', 'compact', 'plain', 'chat'] as const;
/** What a malformed dataset record does: stop with its file and line, or skip it and count it. */
export const MALFORMED_POLICIES = ['error', 'skip'] as const;
/** What a failed checkpoint write does (checkpoint.onError). */
export const CHECKPOINT_ERROR_POLICIES = ['continue', 'stop'] as const;
/** What a breach of a divergence-guard limit does (guard.action). */
export const GUARD_ACTIONS = ['stop', 'skip'] as const;
/** Dynamic sampling's filter (sampling.filterGroups): off, or the per-response value whose equality drops a group. */
export const FILTER_GROUPS_METRICS = ['off', 'reward', 'accuracy'] as const;
/** Learning-rate schedules after warm-up. */
export const LR_SCHEDULES = ['constant', 'cosine'] as const;
/** Training backends of @rlvr/kernels (`auto`: webgpu on a hardware adapter, else cpu). */
export const BACKEND_CHOICES = ['auto', 'webgpu', 'cpu'] as const;
/** Devices of the sampler's ONNX Runtime sessions (`auto`: ORT's WebGPU EP on a hardware adapter, else its CPU EP). */
export const SAMPLING_DEVICE_CHOICES = ['auto', 'cpu', 'webgpu'] as const;
/** How PPO's old logprobs are obtained (ppo.oldLogprobs). */
export const OLD_LOGPROBS_MODES = ['auto', 'recompute'] as const;
/**
 * Loss aggregation modes: @rlvr/kernels' (verl `loss_agg_mode` names) and micro-batch-token-mean (TRL
 * `bnpo`), which the loop runs as the kernels' token-mean of each micro-batch, averaged over them.
 */
export const LOSS_AGGREGATIONS = [
  'token-mean',
  'seq-mean-token-mean',
  'seq-mean-token-sum',
  'seq-mean-token-sum-norm',
  'micro-batch-token-mean',
] as const satisfies readonly (LossAggregation | 'micro-batch-token-mean')[];
/** KL estimators to the reference policy (k1 log ratio, k2 ½ squared log ratio, k3 low variance, low-var-kl k3 clamped). */
export const KL_ESTIMATORS = ['k1', 'k2', 'k3', 'low-var-kl'] as const satisfies readonly KlEstimator[];
/** PPO ratio per token, or one per sequence (GSPO). */
export const IMPORTANCE_LEVELS = ['token', 'sequence'] as const satisfies readonly NonNullable<
  PolicyLossConfig['importanceLevel']
>[];
/** How loss.tisCap bounds the sampler/trainer IS weight (TRL `vllm_importance_sampling_mode` values). */
export const TIS_MODES = [
  'token-truncate',
  'token-mask',
  'sequence-truncate',
  'sequence-mask',
] as const satisfies readonly NonNullable<PolicyLossConfig['tisMode']>[];

// Compile-time guards: if @rlvr/kernels adds a mode, these lists must grow with it.
type Exhaustive<Listed, All> = [All] extends [Listed] ? true : never;
const _aggregationsExhaustive: Exhaustive<(typeof LOSS_AGGREGATIONS)[number], LossAggregation> = true;
const _estimatorsExhaustive: Exhaustive<(typeof KL_ESTIMATORS)[number], KlEstimator> = true;
void _aggregationsExhaustive;
void _estimatorsExhaustive;

const positive = () => z.number().positive();
const nonNegative = () => z.number().nonnegative();
const count = (min: number) => z.int().min(min);

const MODEL = z
  .strictObject({
    path: field(
      z.string().min(1).nullable().default(null),
      'Model directory with config.json, model.safetensors and tokenizer.json; null = the embedded Countdown base model; embedded:countdown-sft = its SFT’d version.',
      'model (model_name_or_path)',
      'actor_rollout_ref.model.path',
    ),
  })
  .prefault({});

const GENERATOR = z
  .strictObject({
    count: field(
      count(1).default(4096),
      'Countdown problems to generate when task.dataset is null (train + test).',
      null,
      null,
    ),
    minNumbers: field(
      count(1).max(6).default(3),
      'Fewest numbers per generated problem (Countdown-Tasks-3to4: 3).',
      null,
      null,
    ),
    maxNumbers: field(
      count(1).max(6).default(4),
      'Most numbers per generated problem (Countdown-Tasks-3to4: 4).',
      null,
      null,
    ),
    maxNumber: field(count(1).default(99), 'Largest number drawn (Countdown-Tasks-3to4: 99).', null, null),
    maxTarget: field(count(1).default(100), 'Largest target (Countdown-Tasks-3to4: 100).', null, null),
    seed: field(
      count(0).max(0xffffffff).nullable().default(null),
      'Seed of the generated problems and their train/test split; null = the run seed.',
      null,
      null,
    ),
    frozen: field(
      z.string().min(1).nullable().default(null),
      'Read these generator settings’ problems from a frozen set instead of generating them: embedded:countdown-preset (the demo’s problems, drawn with the PRNG the recorded results used) or a file of scripts/freeze-countdown-problems.ts; its header must match the settings above. null = generate.',
      null,
      null,
    ),
  })
  .prefault({});

/** A dotted path into a dataset record (`reward_model.ground_truth`; whole-number segments index lists). */
const recordPath = () =>
  z
    .string()
    .regex(/^[^.]+(\.[^.]+)*$/, 'expected a dotted path such as reward_model.ground_truth')
    .nullable()
    .default(null);

const FIELDS = z
  .strictObject({
    prompt: field(
      recordPath(),
      'Dotted path of the prompt in each record: text, or a chat message list (then task.template chat, or plain for one user message); null = the published layout’s (prompt, question or problem).',
      null,
      'data.prompt_key',
    ),
    answer: field(
      recordPath(),
      'Dotted path of the reference answer; null = the published layout’s (reward_model.ground_truth, answer, solution; Countdown: target and nums).',
      null,
      null,
    ),
    dataSource: field(
      recordPath(),
      'Dotted path of the record’s source name, kept with each example; null = data_source when present.',
      null,
      null,
    ),
  })
  .prefault({});

const CHOICE = z
  .strictObject({
    rule: field(
      z.enum(CHOICE_RULES).default('hidden'),
      'choice only: hidden (a random answer per item: per-prompt dynamics), copy (answer the starred number) or mod-sum ((a + b) mod K).',
      null,
      null,
    ),
    choices: field(
      count(2).default(40),
      'choice only: K, the number of answers 0 … K−1 (the base model answers uniformly: ρ₀ = 1/K).',
      null,
      null,
    ),
    count: field(count(1).default(80), 'choice only: problems to draw (train + test).', null, null),
    seed: field(
      count(0).max(0xffffffff).nullable().default(null),
      'choice only: seed of the problems and their train/test split; null = the run seed.',
      null,
      null,
    ),
  })
  .prefault({});

const TASK = z
  .strictObject({
    name: field(
      z.enum(TASK_NAMES).default('countdown'),
      'Task: dataset reader, prompt wording and verifier.',
      'reward_funcs',
      'reward_model / custom_reward_function',
      'TRL’s reward_funcs are reward functions or models, not a dataset and its prompt',
    ),
    dataset: field(
      z.string().min(1).nullable().default(null),
      'JSONL or parquet file in the public Hugging Face layout; null = Countdown generator (countdown only).',
      'train_dataset',
      'data.train_files',
      'a GRPOTrainer argument taking a loaded Dataset, not an option',
    ),
    testDataset: field(
      z.string().min(1).nullable().default(null),
      'Held-out file for evaluation; null = split task.testSize examples off the training data.',
      'eval_dataset',
      'data.val_files',
      'a GRPOTrainer argument taking a loaded Dataset, not an option',
    ),
    format: field(z.enum(DATASET_FORMATS).default('auto'), 'Dataset file format; auto = by extension.', null, null),
    testSize: field(
      positive().default(256),
      'Held-out examples when testDataset is null: a fraction if < 1, else a count (seeded split).',
      null,
      null,
    ),
    template: field(
      z.enum(TEMPLATE_NAMES).default('r1-zero'),
      'Prompt template: R1-Zero base template, compact (problem + <think>, for tiny from-scratch models), plain (the problem alone: the choice tasks), or the tokenizer chat template.',
      'conversational vs standard dataset',
      'data.apply_chat_template_kwargs',
    ),
    systemPrompt: field(
      z.string().nullable().default(null),
      'System message for the chat template (null = none).',
      null,
      null,
    ),
    chatTemplate: field(
      z.string().min(1).nullable().default(null),
      'Which of the tokenizer’s named chat templates template chat uses (null = the one named default, as transformers).',
      null,
      null,
    ),
    onMalformed: field(
      z.enum(MALFORMED_POLICIES).default('error'),
      'Malformed dataset record: stop (file and line), or skip and count.',
      null,
      null,
    ),
    maxPromptTokens: field(
      count(1).default(512),
      'Longest prompt in tokens (checked by the loop once the tokenizer is loaded).',
      'max_prompt_length',
      'data.max_prompt_length',
    ),
    verifier: field(
      z.string().min(1).nullable().default(null),
      'Verifier that decides correctness (accuracy, ρ̂, and the reward unless reward.functions is set): a built-in name (countdown, gsm8k, math, math-flexible, exact-match) or the path of a JS module whose default export is a Verifier (run in the VerifierPool); its parseReference reads each record’s answer field; null = the task’s own.',
      'reward_funcs',
      'custom_reward_function.path',
    ),
    generator: GENERATOR,
    choice: CHOICE,
    fields: FIELDS,
  })
  .prefault({});

const WEIGHTING = z
  .strictObject({
    name: field(
      z.string().default('grpo'),
      'Prompt weighting (a name of the @rlvr/weights registry: grpo, rloo, dr-grpo, sqrt-r, …).',
      'scale_rewards (group = grpo, none = dr-grpo)',
      'algorithm.adv_estimator',
    ),
    // The weighting parameters are checked by @rlvr/weights itself (see the refinement below).
    std: field(z.string().optional(), 'grpo only: sample (TRL/verl) or population standard deviation.', null, null),
    epsilon: field(z.number().optional(), 'grpo only: added to the std before dividing (default 1e-6).', null, null),
    threshold: field(
      z.number().optional(),
      'plateau-r only: end of the plateau τ in (0, 1) (default 0.5).',
      null,
      null,
    ),
    a: field(z.number().optional(), 'cost-aware only: cost per update a ≥ 0 (default 1).', null, null),
    b: field(z.number().optional(), 'cost-aware only: cost per sampled response b ≥ 0 (default 1).', null, null),
    zeroVariance: field(
      z.enum(ZERO_VARIANCE_MODES as readonly [ZeroVarianceMode, ...ZeroVarianceMode[]]).default('weighting'),
      'All-wrong / all-right groups: the weighting’s own limit, zero, or REINFORCE (−1 for unsolved).',
      null,
      null,
    ),
    // Binary success is what the weightings' theory assumes: with raw rewards a group of equally
    // well-formatted wrong answers (all 0.1 on Countdown) is constant and loses the push −h(0).
    binarize: field(
      z.number().nullable().default(1),
      'Count a reward ≥ this as success (1), else 0, before weighting (the default 1 drops Countdown’s 0.1 format credit, so unsolved groups keep their push −h(0)); null = raw rewards.',
      null,
      null,
    ),
  })
  .prefault({});

const SAMPLING = z
  .strictObject({
    groupSize: field(
      count(2).default(8),
      'Responses sampled per prompt (M).',
      'num_generations',
      'actor_rollout_ref.rollout.n',
    ),
    promptsPerStep: field(
      count(1).default(16),
      'Prompts per RL step.',
      'generation_batch_size / num_generations',
      'data.train_batch_size',
    ),
    maxNewTokens: field(
      count(1).default(256),
      'Longest completion in tokens.',
      'max_completion_length',
      'data.max_response_length',
    ),
    temperature: field(
      positive().default(1),
      'Sampling temperature (also divides the trainer’s logits, as TRL).',
      'temperature',
      'actor_rollout_ref.rollout.temperature',
    ),
    topP: field(
      positive().max(1).default(1),
      'Nucleus sampling mass in (0, 1].',
      'top_p',
      'actor_rollout_ref.rollout.top_p',
    ),
    topK: field(count(0).default(0), 'Top-k sampling; 0 = off.', 'top_k', 'actor_rollout_ref.rollout.top_k'),
    maxGroups: field(
      count(1).default(1),
      'Groups of M drawn at most per prompt: a group without a correct response is replaced by a fresh one until one holds a success; every response drawn counts in sampledResponses (effective time); 1 = one group per prompt.',
      null,
      null,
    ),
    filterGroups: field(
      z.enum(FILTER_GROUPS_METRICS).default('off'),
      'Dynamic sampling (DAPO): drop every group whose reward (reward) or correct verdict (accuracy) is the same on all M responses and sample further batches of promptsPerStep prompts until promptsPerStep groups remain (surplus groups are discarded); every response drawn counts in sampledResponses; off = train on every group.',
      null,
      'algorithm.filter_groups.enable / .metric (seq_final_reward, acc)',
    ),
    maxNumGenBatches: field(
      count(0).default(10),
      'filterGroups only: batches of promptsPerStep prompts sampled at most per step; a step still short of groups after them stops the run with an error naming this field (as verl); 0 = unlimited (verl’s default, a loop without end on a task the policy never or always solves).',
      null,
      'algorithm.filter_groups.max_num_gen_batches',
    ),
    maskTruncated: field(
      z.boolean().default(false),
      'A completion that hit maxNewTokens without a stop string or EOS gets no gradient (left out of the loss and its normaliser; its reward still counts in its group’s advantages).',
      'mask_truncated_completions',
      null,
    ),
    device: field(
      z.enum(SAMPLING_DEVICE_CHOICES).default('cpu'),
      'Where rollouts run: cpu, webgpu (ONNX Runtime’s WebGPU EP on any adapter; an error where it cannot start) or auto (webgpu on a hardware GPU adapter, else cpu; asks Dawn for the adapter in the training process); always printed.',
      null,
      null,
    ),
  })
  .prefault({});

const REWARD = z
  .strictObject({
    functions: field(
      z.array(z.string().min(1)).min(1).nullable().default(null),
      'Reward functions whose weighted sum is the reward: verifier names (built-in, or task for task.verifier) or JS module paths; each is logged per step as rewards/<name>; success still means task.verifier’s correct verdict, never the total; null = task.verifier’s reward alone.',
      'reward_funcs',
      'custom_reward_function.path (one function)',
    ),
    weights: field(
      z.array(z.number()).min(1).nullable().default(null),
      'One weight per reward function (the reward is Σ weight × reward); null = all 1.',
      'reward_weights',
      null,
    ),
    overlongBuffer: field(
      count(0).default(0),
      'DAPO’s soft overlong penalty: a completion longer than maxNewTokens − this many tokens gets a reward penalty rising linearly to overlongPenalty at maxNewTokens (logged as rewards/overlong); 0 = off.',
      'soft_punish_cache (trl.rewards.get_soft_overlong_punishment)',
      'reward_model.overlong_buffer.len',
    ),
    overlongPenalty: field(
      nonNegative().default(1),
      'overlongBuffer only: the penalty at maxNewTokens.',
      null,
      'reward_model.overlong_buffer.penalty_factor',
    ),
  })
  .prefault({});

const OPTIM = z
  .strictObject({
    lr: field(
      positive().default(1e-6),
      'AdamW learning rate (peak, after warm-up).',
      'learning_rate',
      'actor_rollout_ref.actor.optim.lr',
    ),
    schedule: field(
      z.enum(LR_SCHEDULES).default('constant'),
      'Learning-rate schedule after warm-up.',
      'lr_scheduler_type',
      'actor_rollout_ref.actor.optim.lr_scheduler_type',
    ),
    warmupSteps: field(
      count(0).default(0),
      'Linear warm-up steps from 0 to lr.',
      'warmup_steps',
      'actor_rollout_ref.actor.optim.lr_warmup_steps',
    ),
    warmupRatio: field(
      z.number().min(0).lt(1).default(0),
      'Warm-up as a share of maxSteps: ⌈warmupRatio · maxSteps⌉ warm-up steps (as Hugging Face); only with warmupSteps 0.',
      'warmup_ratio',
      'actor_rollout_ref.actor.optim.lr_warmup_steps_ratio',
    ),
    minLrRatio: field(
      z.number().min(0).max(1).default(0),
      'cosine only: final lr as a fraction of lr.',
      null,
      'actor_rollout_ref.actor.optim.min_lr_ratio',
    ),
    beta1: field(
      z.number().min(0).lt(1).default(0.9),
      'AdamW β1 (first-moment decay).',
      'adam_beta1',
      'actor_rollout_ref.actor.optim.betas[0]',
    ),
    beta2: field(
      z.number().min(0).lt(1).default(0.999),
      'AdamW β2 (second-moment decay).',
      'adam_beta2',
      'actor_rollout_ref.actor.optim.betas[1]',
    ),
    eps: field(positive().default(1e-8), 'AdamW denominator guard.', 'adam_epsilon', null),
    weightDecay: field(
      nonNegative().default(0),
      'Decoupled weight decay (matrices only).',
      'weight_decay',
      'actor_rollout_ref.actor.optim.weight_decay',
    ),
    maxGradNorm: field(
      positive().nullable().default(1),
      'Clip the global gradient norm to this; null = no clipping.',
      'max_grad_norm',
      'actor_rollout_ref.actor.grad_clip',
    ),
  })
  .prefault({});

const PPO = z
  .strictObject({
    epochs: field(
      count(1).default(1),
      'Passes over each batch of rollouts (μ).',
      'num_iterations',
      'actor_rollout_ref.actor.ppo_epochs',
    ),
    miniBatches: field(
      count(1).default(1),
      'Optimizer steps per epoch; the step’s prompts are split evenly among them.',
      'steps_per_generation',
      'data.train_batch_size / actor_rollout_ref.actor.ppo_mini_batch_size',
      'TRL counts per-device batches there; its optimizer steps per generation are steps_per_generation / gradient_accumulation_steps',
    ),
    microBatchSize: field(
      count(1).default(8),
      'Sequences per forward/backward; gradients are accumulated over micro-batches.',
      'per_device_train_batch_size',
      'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu',
      'in TRL it also sizes the batch of each optimizer step; here it only splits the computation',
    ),
    epsLow: field(
      nonNegative().default(0.2),
      'PPO clip ε_low: ratio floor 1 − ε_low (unlike TRL’s epsilon it leaves ε_high as it is).',
      'epsilon',
      'actor_rollout_ref.actor.clip_ratio_low',
    ),
    epsHigh: field(
      nonNegative().default(0.2),
      'PPO clip ε_high: ratio cap 1 + ε_high (DAPO: 0.28).',
      'epsilon_high',
      'actor_rollout_ref.actor.clip_ratio_high',
    ),
    importanceLevel: field(
      z.enum(IMPORTANCE_LEVELS).default('token'),
      'PPO ratio per token, or one per sequence clipped per sequence (GSPO: exp of the mean token log ratio; the GSPO paper clips at epsLow 3e-4, epsHigh 4e-4).',
      'importance_sampling_level',
      'actor_rollout_ref.actor.policy_loss.loss_mode (gspo = sequence)',
    ),
    clipRatioC: field(
      z.number().gt(1).nullable().default(null),
      'Dual clip for negative advantages: the surrogate of a token with A < 0 is capped at −clipRatioC·A (verl uses 3); null = off.',
      null,
      'actor_rollout_ref.actor.clip_ratio_c',
    ),
    oldLogprobs: field(
      z.enum(OLD_LOGPROBS_MODES).default('auto'),
      'auto: with one epoch and one mini-batch the old logprobs are the current policy’s, so the loss uses its own (ratio 1, exact) and the extra forward is skipped; entropy and logprob gap are then measured on the trained rows. recompute: always recompute them over every response first.',
      'old_per_token_logps (None, i.e. auto, when num_iterations = 1)',
      'always recomputed (compute_log_prob)',
    ),
  })
  .prefault({});

const LOSS = z
  .strictObject({
    aggregation: field(
      z.enum(LOSS_AGGREGATIONS).default('token-mean'),
      'Per-token losses → scalar: token-mean (TRL dapo, verl token-mean), seq-mean-token-mean (TRL grpo, verl seq-mean-token-mean), seq-mean-token-sum (verl seq-mean-token-sum), seq-mean-token-sum-norm (TRL dr_grpo, verl seq-mean-token-sum-norm), micro-batch-token-mean (TRL bnpo: the token mean of each micro-batch, averaged over the micro-batches).',
      'loss_type',
      'actor_rollout_ref.actor.loss_agg_mode',
      'TRL’s loss_type takes grpo, bnpo, dr_grpo or dapo, which name loss variants, not these modes',
    ),
    normaliser: field(
      positive().nullable().default(null),
      'seq-mean-token-sum-norm only: the constant divisor; null = sampling.maxNewTokens.',
      'max_completion_length (dr_grpo)',
      'actor_rollout_ref.actor.loss_scale_factor',
    ),
    entropyCoef: field(
      z.number().default(0),
      'Entropy bonus coefficient.',
      null,
      'actor_rollout_ref.actor.entropy_coeff',
    ),
    tisCap: field(
      positive().nullable().default(null),
      'Truncated importance weight cap for the sampler/trainer logprob gap; null = no correction.',
      'vllm_importance_sampling_cap',
      'algorithm.rollout_correction (rollout_is_threshold)',
    ),
    tisMode: field(
      z.enum(TIS_MODES).default('token-truncate'),
      'tisCap only: the IS weight per token or one per sequence (exp of its summed log ratio), truncated at the cap or zeroed above it (TRL’s default is sequence-mask with cap 3).',
      'vllm_importance_sampling_mode',
      'algorithm.rollout_correction (rollout_is token/sequence; rollout_rs masks)',
    ),
    topEntropyQuantile: field(
      z.number().gt(0).max(1).default(1),
      'Only loss tokens whose entropy is in the top share ρ of their micro-batch carry the policy-gradient term (the KL term stays on all); 1 = every token.',
      'top_entropy_quantile',
      null,
    ),
  })
  .prefault({});

const KL = z
  .strictObject({
    beta: field(
      nonNegative().default(0),
      'KL coefficient β in the loss; 0 = no KL term and no reference model.',
      'beta',
      'actor_rollout_ref.actor.kl_loss_coef',
    ),
    estimator: field(
      z.enum(KL_ESTIMATORS).default('k3'),
      'KL estimator: k1 (log ratio), k2 (½ squared log ratio), k3 (low variance, unclamped: TRL’s) or low-var-kl (k3 clamped to [−10, 10]: verl’s).',
      null,
      'actor_rollout_ref.actor.kl_loss_type (kl/k1 = k1, mse/k2 = k2, low_var_kl/k3 = low-var-kl)',
    ),
    reference: field(
      z.string().min(1).nullable().default(null),
      'Frozen reference model directory when beta > 0 or inReward; null = a frozen copy of the initial policy.',
      'ref_model',
      'actor_rollout_ref.ref',
      'a trainer argument taking a loaded model, not an option',
    ),
    inReward: field(
      z.boolean().default(false),
      'KL as a reward penalty: each response’s reward loses rewardCoef · Σ_t kl_t over its sampled tokens (rewardEstimator of the sampler’s logprobs to the reference’s) before advantages; needs weighting.binarize: null and a weighting that takes any real reward (grpo, rloo, dr-grpo, reinforce). Independent of beta (the loss term).',
      null,
      'algorithm.use_kl_in_reward',
    ),
    rewardCoef: field(
      nonNegative().default(0.001),
      'inReward only: the fixed KL coefficient of the penalty.',
      null,
      'algorithm.kl_ctrl.kl_coef (kl_ctrl.type: fixed)',
    ),
    rewardEstimator: field(
      z.enum(KL_ESTIMATORS).default('k1'),
      'inReward only: the per-token KL estimator of the penalty.',
      null,
      'algorithm.kl_penalty (kl = k1, mse = k2, low_var_kl = low-var-kl)',
    ),
  })
  .prefault({});

/** Module names `lora.targetModules` accepts (PEFT's `target_modules`; `all-linear` = every block Linear). */
export const LORA_TARGET_CHOICES = [
  'q_proj',
  'k_proj',
  'v_proj',
  'o_proj',
  'gate_proj',
  'up_proj',
  'down_proj',
  'all-linear',
] as const;
/** LoRA's initialisations of A (B is zero): PEFT's default Kaiming-uniform, or PEFT's `gaussian` (std 1/r). */
export const LORA_INITS = ['kaiming', 'gaussian'] as const;

const LORA = z
  .strictObject({
    rank: field(
      count(0).nullable().default(null),
      'LoRA rank r: train low-rank adapters (PEFT layout) on the target modules with the base weights frozen; 0 or null = train every weight.',
      'peft_config.r (ModelConfig.lora_r)',
      'actor_rollout_ref.model.lora_rank',
    ),
    alpha: field(
      positive().default(8),
      'LoRA α: the update is scaled by α/r (α/√r with useRslora).',
      'peft_config.lora_alpha',
      'actor_rollout_ref.model.lora_alpha',
    ),
    dropout: field(
      nonNegative().lt(1).default(0),
      'Dropout probability on the adapters’ input in training forwards (evaluation and sampling run without).',
      'peft_config.lora_dropout',
      null,
    ),
    targetModules: field(
      z.array(z.enum(LORA_TARGET_CHOICES)).min(1).default(['q_proj', 'v_proj']),
      'Linears that get adapters, as PEFT names them: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, or all-linear (all seven, never the LM head).',
      'peft_config.target_modules',
      'actor_rollout_ref.model.target_modules',
    ),
    init: field(
      z.enum(LORA_INITS).default('kaiming'),
      'Initialisation of A, seeded from seed (B starts at zero, so training starts at the base model): kaiming (PEFT’s default, uniform ±1/√in) or gaussian (std 1/r).',
      'peft_config.init_lora_weights',
      null,
    ),
    useRslora: field(
      z.boolean().default(false),
      'rsLoRA: scale by α/√r instead of α/r.',
      'peft_config.use_rslora',
      null,
    ),
  })
  .prefault({});

const EVAL = z
  .strictObject({
    interval: field(
      count(0).default(0),
      'Evaluate on the held-out split before step 1, every this many steps and after the last; 0 = never.',
      'eval_steps',
      'trainer.test_freq',
    ),
    prompts: field(count(0).default(0), 'Held-out prompts per evaluation; 0 = all of them.', null, null),
    samples: field(
      count(1).default(8),
      'Samples per prompt for mean accuracy and pass@k (plus one greedy for pass@1).',
      'num_generations_eval',
      'actor_rollout_ref.rollout.val_kwargs.n',
    ),
    temperature: field(
      positive().default(1),
      'Sampling temperature of the k evaluation samples.',
      null,
      'actor_rollout_ref.rollout.val_kwargs.temperature',
    ),
    passAtK: field(
      z.array(count(1)).default([1, 8]),
      'The k of the reported pass@k values (each ≤ eval.samples).',
      null,
      null,
    ),
  })
  .prefault({});

const CHECKPOINT = z
  .strictObject({
    interval: field(
      count(0).default(100),
      'Write a checkpoint every this many steps (and at the end); 0 = only at the end.',
      'save_steps',
      'trainer.save_freq',
    ),
    keep: field(
      count(1).nullable().default(null),
      'Keep only the newest this many checkpoints; null = keep all.',
      'save_total_limit',
      'trainer.max_actor_ckpt_to_keep',
    ),
    onError: field(
      z.enum(CHECKPOINT_ERROR_POLICIES).default('continue'),
      'A checkpoint that cannot be written (full disk, no permission): continue = keep training and retry at the next interval; stop = stop cleanly. The final checkpoint failing always stops.',
      null,
      null,
    ),
  })
  .prefault({});

const GUARD = z
  .strictObject({
    action: field(
      z.enum(GUARD_ACTIONS).default('stop'),
      'What a breach of a guard limit does, decided before the optimizer step: stop = stop without a checkpoint after it; skip = drop that update and go on.',
      null,
      null,
    ),
    gradNormRatio: field(
      positive().nullable().default(1e4),
      'Breach when the gradient norm (before clipping) exceeds this many times the median of the last guard.window trained steps; null = off.',
      null,
      null,
    ),
    lossRatio: field(
      positive().nullable().default(null),
      'Breach when |loss| exceeds this many times the median |loss| of the last guard.window trained steps; null = off.',
      null,
      null,
    ),
    window: field(count(1).default(20), 'Trained steps in the running medians of the ratio limits.', null, null),
    warmup: field(
      count(1).default(1),
      'Trained steps seen before the ratio limits apply (steps without a gradient do not count).',
      null,
      null,
    ),
    maxKl: field(
      positive().nullable().default(10),
      'Breach when the mean per-token KL to the reference (kl.beta > 0) of an update exceeds this; null = off.',
      null,
      null,
    ),
    minEntropy: field(
      nonNegative().nullable().default(null),
      'Breach when the mean entropy (nats) of the trained tokens falls below this; null = off (converged runs on short answers reach ~0 legitimately).',
      null,
      null,
    ),
    maxWeightAbs: field(
      positive().nullable().default(1e3),
      'Largest |weight| a checkpoint may hold: a larger one is a breach (nothing written), and a last good checkpoint named after a breach is checked against it; null = only finiteness.',
      null,
      null,
    ),
  })
  .prefault({});

/** `true`/`false` typed on the command line are the switch, anything else a folder. */
const switchOrFolder = (value: boolean | string): boolean | string =>
  value === 'true' ? true : value === 'false' ? false : value;

const LOGGING = z
  .strictObject({
    tensorboard: field(
      z
        .union([z.boolean(), z.string().min(1)])
        .transform(switchOrFolder)
        .default(false),
      'TensorBoard event files of every number of the step and eval records (train/loss, train/grad_norm, eval/pass@8, …): true = RUN_DIR/tensorboard, a path = that folder, false = none.',
      'report_to: tensorboard (logging_dir)',
      'trainer.logger: [tensorboard]',
    ),
    completions: field(
      count(0).default(4),
      'Sampled responses per step logged to RUN_DIR/completions.jsonl (prompt, completion, reward, advantage, correct; spread over the step’s groups) and shown by rlvr report; 0 = off.',
      'log_completions / num_completions_to_print',
      'trainer.rollout_data_dir',
    ),
  })
  .prefault({});

const ROLLOUT = z
  .strictObject({
    workers: field(
      z.string().regex(REDIS_URL, `expected a Redis URL: ${REDIS_URL_EXAMPLE}`).nullable().default(null),
      'Redis URL of the rollout workers’ queue (BullMQ): each step’s prompt groups become jobs that `rlvr worker` processes on any host sample and score; null = sample in this process.',
      null,
      'actor_rollout_ref.rollout (Ray rollout workers)',
    ),
    queue: field(
      z.string().regex(QUEUE_NAME, 'expected letters, digits, _ . -').default('rlvr'),
      'Queue name on that Redis (one training run per queue; `rlvr worker --queue` takes the same name).',
      null,
      null,
    ),
    promptsPerJob: field(
      count(1).nullable().default(null),
      'Prompts per rollout job: a draw is split into jobs of this many prompts, each sampled with a seed derived from the step’s; the split (not where a job runs) decides the samples, so the same config gives the same run in this process and on workers; null = one job per draw.',
      null,
      null,
    ),
    maxStaleness: field(
      count(0).default(0),
      'Asynchronous rollouts: step t is sampled with the policy after step t−1−K (K = this), so workers sample ahead while the trainer trains; loss.tisCap corrects for the stale policy; 0 = synchronous.',
      null,
      'async_training.staleness_threshold',
    ),
    host: field(
      z.string().min(1).default('0.0.0.0'),
      'Address the trainer’s weights server binds (workers fetch each policy version from it once).',
      null,
      null,
    ),
    port: field(count(0).max(65535).default(0), 'Port of the weights server; 0 = a free one.', null, null),
    advertise: field(
      z.string().min(1).nullable().default(null),
      'Host name or address workers reach the weights server at; null = this machine’s first non-loopback IPv4 address (127.0.0.1 when it has none).',
      null,
      null,
    ),
  })
  .prefault({});

const BASE = z.strictObject({
  model: MODEL,
  task: TASK,
  weighting: WEIGHTING,
  sampling: SAMPLING,
  reward: REWARD,
  optim: OPTIM,
  ppo: PPO,
  loss: LOSS,
  kl: KL,
  lora: LORA,
  eval: EVAL,
  checkpoint: CHECKPOINT,
  guard: GUARD,
  logging: LOGGING,
  rollout: ROLLOUT,
  maxSteps: field(count(1).default(200), 'RL steps to run.', 'max_steps', 'trainer.total_training_steps'),
  seed: field(
    count(0).max(0xffffffff).default(42),
    'Seed of every random choice (data order, split, sampling).',
    'seed',
    'data.seed',
  ),
  backend: field(
    z.enum(BACKEND_CHOICES).default('auto'),
    'Training backend: auto, webgpu or cpu (always printed, never swapped silently).',
    null,
    null,
  ),
});

/** The weighting's parameters as @rlvr/weights takes them (only those that were set). */
export function weightingParameters(w: z.infer<typeof WEIGHTING>): WeightingParameters {
  const parameters: WeightingParameters = {};
  // The registry rejects any other string, naming the allowed ones.
  if (w.std !== undefined) parameters.std = w.std as StdConvention;
  if (w.epsilon !== undefined) parameters.epsilon = w.epsilon;
  if (w.threshold !== undefined) parameters.threshold = w.threshold;
  if (w.a !== undefined) parameters.a = w.a;
  if (w.b !== undefined) parameters.b = w.b;
  return parameters;
}

/** The configured weighting, built by the @rlvr/weights registry with its parameters (what the RL loop uses). */
export function configuredWeighting(w: z.infer<typeof WEIGHTING>): Weighting {
  return weighting(w.name, weightingParameters(w));
}

/** The full schema: {@link BASE}'s fields plus the rules that involve several fields. */
export const TRAIN_CONFIG_SCHEMA = BASE.superRefine((config, context) => {
  // The weighting registry of @rlvr/weights is the one source of names and of each weighting's
  // parameters: constructing it here checks both without repeating either list.
  try {
    configuredWeighting(config.weighting);
  } catch (error) {
    if (!WeightsError.isInstance(error)) throw error;
    const argument = error.argument === 'weighting' ? 'name' : error.argument.replace(/^weighting\./, '');
    const detail = error.message.startsWith(`${error.argument}: `)
      ? error.message.slice(error.argument.length + 2)
      : error.message;
    context.addIssue({ code: 'custom', path: ['weighting', argument], message: detail });
  }
  if (config.task.name !== 'countdown' && config.task.name !== 'choice' && config.task.dataset === null) {
    context.addIssue({
      code: 'custom',
      path: ['task', 'dataset'],
      message: `${config.task.name} has no generator; expected a JSONL or parquet file`,
    });
  }
  if (config.task.dataset === null) {
    for (const [key, path] of Object.entries(config.task.fields)) {
      if (path === null) continue;
      context.addIssue({
        code: 'custom',
        path: ['task', 'fields', key],
        message: `names a field of dataset records, but task.dataset is null (generated problems have no fields); set task.dataset or drop task.fields.${key}`,
      });
    }
  }
  if (config.kl.inReward && config.weighting.binarize !== null) {
    context.addIssue({
      code: 'custom',
      path: ['weighting', 'binarize'],
      message:
        'must be null with kl.inReward (binarizing would erase the KL penalty): set weighting.binarize: null (--binarize null)',
    });
  }
  if (config.optim.warmupSteps > 0 && config.optim.warmupRatio > 0) {
    context.addIssue({
      code: 'custom',
      path: ['optim', 'warmupRatio'],
      message: `set warmupSteps (${config.optim.warmupSteps}) or warmupRatio, not both`,
    });
  }
  if (config.sampling.promptsPerStep % config.ppo.miniBatches !== 0) {
    context.addIssue({
      code: 'custom',
      path: ['ppo', 'miniBatches'],
      message: `expected a divisor of sampling.promptsPerStep = ${config.sampling.promptsPerStep}, so that every mini-batch holds whole groups`,
    });
  }
  checkRewardFields(config, context);
  checkRewardDomain(config, context);
  if (loraEnabled(config) && config.backend === 'webgpu') {
    context.addIssue({
      code: 'custom',
      path: ['lora', 'rank'],
      message: 'LoRA trains on the cpu backend only; set backend: cpu (or auto) or lora.rank: null',
    });
  }
  checkRolloutFields(config, context);
  config.eval.passAtK.forEach((k, index) => {
    if (k > config.eval.samples) {
      context.addIssue({
        code: 'custom',
        path: ['eval', 'passAtK', index],
        message: `expected k ≤ eval.samples = ${config.eval.samples}`,
      });
    }
  });
});

/**
 * The reward section's rules: one weight per function, a buffer inside maxNewTokens, and raw rewards
 * for a shaped reward (binarizing a weighted sum or a penalised reward at a threshold would keep only
 * whether it crossed the threshold, dropping the components and the ramp).
 */
function checkRewardFields(config: z.output<typeof BASE>, context: z.RefinementCtx): void {
  const { functions, weights, overlongBuffer } = config.reward;
  const n = functions?.length ?? 1;
  if (weights !== null && weights.length !== n) {
    context.addIssue({
      code: 'custom',
      path: ['reward', 'weights'],
      message: `expected ${n} weight${n === 1 ? '' : 's'}, one per reward function (reward.functions has ${n})`,
    });
  }
  if (overlongBuffer > config.sampling.maxNewTokens) {
    context.addIssue({
      code: 'custom',
      path: ['reward', 'overlongBuffer'],
      message: `expected at most sampling.maxNewTokens = ${config.sampling.maxNewTokens}`,
    });
  }
  const shaped = n > 1 ? 'several reward functions' : overlongBuffer > 0 ? 'the overlong penalty' : null;
  if (shaped !== null && config.weighting.binarize !== null) {
    context.addIssue({
      code: 'custom',
      path: ['weighting', 'binarize'],
      message: `must be null with ${shaped} (binarizing would keep only whether the shaped reward crossed the threshold): set weighting.binarize: null (--binarize null); success (accuracy, ρ̂) still means task.verifier's correct verdict`,
    });
  }
}

/**
 * Rollout workers and asynchronous mode: a run samples ahead only on workers; its prompts are taken when
 * a step's jobs are queued, so draws that depend on scores (maxGroups, dynamic sampling) need K = 0;
 * the stale policy needs the truncated importance weights; LoRA runs sample in the trainer's process.
 */
function checkRolloutFields(config: z.output<typeof BASE>, context: z.RefinementCtx): void {
  const { workers, maxStaleness } = config.rollout;
  const issue = (path: (string | number)[], message: string) => context.addIssue({ code: 'custom', path, message });
  if (workers !== null && loraEnabled(config)) {
    issue(
      ['rollout', 'workers'],
      'rollout workers take full-weight runs; a LoRA run (lora.rank set) samples in this process: set rollout.workers: null',
    );
  }
  if (maxStaleness === 0) return;
  if (workers === null) {
    issue(
      ['rollout', 'maxStaleness'],
      'samples ahead on rollout workers only: set rollout.workers (a Redis URL) or rollout.maxStaleness: 0',
    );
  }
  if (config.sampling.maxGroups > 1) {
    issue(
      ['sampling', 'maxGroups'],
      `must be 1 with rollout.maxStaleness ${maxStaleness}: a step's prompts are queued ahead, before any of its groups is scored`,
    );
  }
  if (config.sampling.filterGroups !== 'off') {
    issue(
      ['sampling', 'filterGroups'],
      `must be off with rollout.maxStaleness ${maxStaleness}: a step's prompts are queued ahead, before any of its groups is scored`,
    );
  }
  if (config.loss.tisCap === null) {
    issue(
      ['loss', 'tisCap'],
      `must be set with rollout.maxStaleness ${maxStaleness}: the truncated importance weight corrects for sampling with an older policy (e.g. --loss.tis-cap 2)`,
    );
  }
}

/** The weightings of the @rlvr/weights registry that take any real reward (mean/std baselines), the others reading ρ̂ as a success rate. */
export function realRewardWeightings(): string[] {
  return WEIGHTING_NAMES.filter((name) => weighting(name).rewardDomain === 'real');
}

/**
 * Raw rewards (binarize null) that can leave [0, 1] (a weighted sum of verifier rewards, the overlong
 * penalty) need a weighting that takes any real reward: one that reads ρ̂ as a success rate would stop
 * the run at the first such reward, so it is refused here, naming it.
 */
function checkRewardDomain(config: z.output<typeof BASE>, context: z.RefinementCtx): void {
  if (config.weighting.binarize !== null) return;
  let domain;
  try {
    domain = configuredWeighting(config.weighting).rewardDomain;
  } catch {
    return; // reported by the weighting check
  }
  if (domain !== 'unit') return;
  // Each verifier's reward is in [0, 1]; weighted and summed, then less the overlong penalty.
  const weights = config.reward.weights ?? Array<number>(config.reward.functions?.length ?? 1).fill(1);
  const penalty = config.reward.overlongBuffer > 0 ? config.reward.overlongPenalty : 0;
  const low = weights.reduce((sum, w) => sum + Math.min(w, 0), 0) - penalty;
  const high = weights.reduce((sum, w) => sum + Math.max(w, 0), 0);
  if (low >= 0 && high <= 1) return;
  context.addIssue({
    code: 'custom',
    path: ['weighting', 'name'],
    message: `${config.weighting.name} reads ρ̂ as a success rate and takes rewards in [0, 1], but with weighting.binarize null these rewards (reward.weights, reward.overlongPenalty) range over [${low}, ${high}]; use a weighting that takes any real reward (${realRewardWeightings().join(', ')})`,
  });
}

/** Whether a config trains LoRA adapters (`lora.rank` ≥ 1) instead of every weight. */
export function loraEnabled(config: { lora: { rank: number | null } }): boolean {
  return config.lora.rank !== null && config.lora.rank > 0;
}

/** The divergence guard's limits (config section `guard`). */
export type GuardConfig = z.output<typeof GUARD>;

/** A complete, validated training configuration (every default filled in). */
export type TrainConfig = z.output<typeof TRAIN_CONFIG_SCHEMA>;
/** What a config file may contain: any subset of {@link TrainConfig}'s fields. */
export type TrainConfigInput = z.input<typeof TRAIN_CONFIG_SCHEMA>;

/** The schema without the cross-field rules, for walking its fields (the refinement hides the shape). */
export const TRAIN_CONFIG_SHAPE = BASE;
