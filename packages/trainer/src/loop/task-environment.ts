/**
 * What training and evaluation share: the sampler on a model directory (ONNX Runtime graph and
 * tokenizer), the task (train/test examples, prompt template, stop strings) and the verifier pool
 * that scores completions. Opened once per run (or per `rlvr eval`), closed at the end.
 */
import type { NamedTensors } from '@rlvr/core';
import { Sampler, loadModelDir, type CausalLmLora, type CausalLmWeightMode, type SamplerDevice } from '@rlvr/sampler';
import { VerifierPool } from '@rlvr/verifiers';
import type { TrainConfig } from '../config/index.js';
import {
  describeSkippedRecords,
  examplePrompt,
  limitPromptLength,
  loadTask,
  type PromptTemplate,
  type Task,
  type TaskExample,
} from '../tasks/index.js';
import { TASK_KINDS } from '../tasks/task-kinds.js';
import { chatPromptTemplate, promptEncoder } from '../tasks/templates.js';
import { resolveRewards, scoreRollouts, type RewardSetup } from './reward-functions.js';
import type { StepPrompt, StepRollout, StepScore } from './rl-step.js';
import { selectSamplingDevice } from './sampling-device.js';

/** The sampler, task, prompt encoding and scoring of one model directory. */
export interface TaskEnvironment {
  sampler: Sampler;
  pool: VerifierPool;
  task: Task;
  /** Training examples whose prompts fit task.maxPromptTokens. */
  train: TaskExample[];
  /** Prompt ids and reference of an example under the configured template. */
  encode: (example: TaskExample) => StepPrompt;
  /** Stop strings of the template (R1-Zero and compact: `</answer>`; chat: none, the EOS token ends). */
  stop: string[];
  /** Rewards of rollouts, scored on their decoded completion tokens (exactly what is trained). */
  score: (rollouts: StepRollout[], references: unknown[]) => Promise<StepScore[]>;
  /** A valid id for padding training batches. */
  padId: number;
  modelDir: string;
}

/**
 * A warning when the longest training prompt leaves the model's context less room than
 * `sampling.maxNewTokens`: the sampler stops a response at the context's end, so such responses are cut
 * short (and count as truncated) whatever the token budget says, which a run would otherwise show only
 * as short completions.
 */
export function contextRoomWarning(
  longestPrompt: number,
  maxContext: number,
  maxNewTokens: number,
): string | undefined {
  const room = maxContext - longestPrompt;
  if (room >= maxNewTokens) return undefined;
  return (
    `warning: the longest training prompt has ${longestPrompt} tokens and the model's context ${maxContext} positions, ` +
    `so its responses stop after ${Math.max(room, 0)} of sampling.maxNewTokens = ${maxNewTokens} tokens; ` +
    `use a shorter task.template (e.g. compact), lower task.maxPromptTokens or a model with a longer context`
  );
}

/**
 * How the sampler takes a safetensors model's weights during training: graph inputs on the CPU, so
 * each update only re-points the feeds at the policy's own arrays (no copy, no encoded graph, no second
 * session; ORT reads a CPU input in place), at the price of ORT's pre-packed weights
 * (docs/benchmarks/sampler.md: decoding 4–25 % slower at 30M); `auto` on WebGPU, where inputs would be
 * uploaded at every run.
 */
export function trainingWeightMode(device: SamplerDevice): CausalLmWeightMode {
  return device === 'cpu' ? 'inputs' : 'auto';
}

/**
 * Open the sampler on `modelDir` (with `training`, weights as {@link trainingWeightMode} says, as a run
 * wants them; else the sampler's default), load the task and start the verifier pool. `policyWeights`: a policy's own
 * arrays, which a sampler with weights as inputs takes instead of reading the directory (no copy);
 * `policyLora`: under LoRA, the adapters it then runs in its graph on top of them. `samplerWeights`:
 * the weight options of the sampler on the device selected, in place of those three (e.g. a LoRA
 * adapter's, from lora/sampler-model.ts).
 */
export async function openTaskEnvironment(
  config: TrainConfig,
  modelDir: string,
  log: (line: string) => void,
  training = false,
  policyWeights?: NamedTensors,
  policyLora?: CausalLmLora,
  samplerWeights?: (
    device: SamplerDevice,
  ) => Promise<{ weightMode?: CausalLmWeightMode; weights?: NamedTensors; lora?: CausalLmLora }>,
): Promise<TaskEnvironment> {
  const { device } = await selectSamplingDevice(config.sampling.device, { log });
  const weightMode = training ? trainingWeightMode(device) : undefined;
  const loaded = await loadModelDir(modelDir, {
    device,
    ...(samplerWeights
      ? await samplerWeights(device)
      : {
          ...(weightMode ? { weightMode } : {}),
          ...(weightMode === 'inputs' && policyWeights ? { weights: policyWeights } : {}),
          ...(weightMode === 'inputs' && policyWeights && policyLora ? { lora: policyLora } : {}),
        }),
  });
  const sampler = new Sampler(loaded.model, loaded.tokenizer);
  const tokenizer = loaded.tokenizer;
  let template: PromptTemplate;
  let task: Task;
  let rewards: RewardSetup;
  try {
    template =
      config.task.template === 'chat'
        ? chatPromptTemplate(tokenizer, config.task, modelDir)
        : { kind: config.task.template };
    rewards = await resolveRewards(config, TASK_KINDS[config.task.name].verifier);
    task = await loadTask(config.task, config.seed, rewards.custom ? rewards.correctness : undefined);
  } catch (error) {
    await loaded.model.release();
    throw error;
  }
  // Plain templates start with the tokenizer's BOS (Llama 3); chat prompts carry the template's own.
  const promptIds = promptEncoder(template, tokenizer);
  for (const line of describeSkippedRecords(task.skipped)) log(line);
  const limited = limitPromptLength(
    task.train,
    template,
    (text) => promptIds(text).length,
    config.task.maxPromptTokens,
    config.task.onMalformed,
  );
  if (limited.skipped.length > 0) {
    log(`skipped ${limited.skipped.length} training prompts longer than task.maxPromptTokens`);
  }
  const contextWarning = contextRoomWarning(
    limited.longestTokens,
    loaded.model.geometry.maxContext,
    config.sampling.maxNewTokens,
  );
  if (contextWarning !== undefined) log(contextWarning);
  const pool = new VerifierPool(rewards.modules.length > 0 ? { modules: rewards.modules } : {});
  return {
    sampler,
    pool,
    task,
    train: limited.kept,
    modelDir,
    encode: (example) => ({ ids: promptIds(examplePrompt(example, template)), reference: example.reference }),
    stop: config.task.template === 'chat' ? [] : ['</answer>'],
    score: async (rollouts, references) =>
      await scoreRollouts(pool, rewards, (ids) => tokenizer.decode(ids), rollouts, references),
    padId: tokenizer.padTokenId ?? tokenizer.eosTokenIds[0] ?? 0,
  };
}

/** Close the pool and the sampler's session. */
export async function closeTaskEnvironment(env: TaskEnvironment): Promise<void> {
  await env.pool.close();
  await env.sampler.model.release();
}
