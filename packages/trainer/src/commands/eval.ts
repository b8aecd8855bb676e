import { CliError, INPUT_EXIT_CODE } from '../cli/cli-error.js';
import type { Command } from '../cli/command.js';
import { defineCommand } from '../cli/define-command.js';
import { parseChoice, parseInteger, parseNumber } from '../cli/parse-options.js';
import { parseTrainConfig, SAMPLING_DEVICE_CHOICES, TASK_NAMES, TEMPLATE_NAMES } from '../config/index.js';
import { PRESET_TASK } from '../demo/countdown-preset.js';
import { evaluate } from '../loop/evaluate.js';
import { EMBEDDED_PREFIX, resolveModelPath } from '../models/embedded.js';
import { heldOutPrompts } from '../loop/run-training.js';
import { closeTaskEnvironment, openTaskEnvironment } from '../loop/task-environment.js';
import type { StepRollout } from '../loop/rl-step.js';
import { samplerModel } from '../lora/sampler-model.js';

const OPTIONS = {
  model: {
    type: 'string',
    value: 'DIR',
    required: true,
    description:
      "Model directory (config.json, model.safetensors or model.onnx, tokenizer.json), a LoRA adapter directory (adapter_config.json, e.g. a LoRA run's checkpoint), or embedded:countdown-base / embedded:countdown-sft (with the demo's problems and template).",
  },
  base: {
    type: 'string',
    value: 'DIR',
    description: "Base model of a LoRA adapter --model (default: its adapter_config.json's base_model_name_or_path).",
  },
  task: { type: 'string', value: 'TASK', required: true, description: `Task: ${TASK_NAMES.join(', ')}.` },
  template: {
    type: 'string',
    value: 'NAME',
    description: `Prompt template (task.template): ${TEMPLATE_NAMES.join(', ')} (default: the training default, r1-zero; embedded models: their own).`,
  },
  verifier: {
    type: 'string',
    value: 'NAME|FILE',
    description:
      "Verifier that decides correctness (task.verifier): a built-in name or a JS module whose default export is a Verifier (default: the task's own).",
  },
  dataset: {
    type: 'string',
    value: 'FILE',
    description: "Held-out JSONL or parquet file (default: the task's seeded test split; countdown: generated).",
  },
  n: {
    type: 'string',
    value: 'K',
    description: 'Samples per prompt for mean accuracy and pass@k (default 8), plus one greedy response.',
  },
  prompts: { type: 'string', value: 'N', description: 'Evaluate the first N held-out prompts (default all).' },
  'max-new-tokens': { type: 'string', value: 'N', description: 'Longest completion (default 256).' },
  temperature: { type: 'string', value: 'T', description: 'Temperature of the K samples (default 1).' },
  seed: { type: 'string', value: 'S', description: 'Seed of the split and the sampling (default 42).' },
  device: {
    type: 'string',
    value: 'DEVICE',
    description: `Where sampling runs (sampling.device): ${SAMPLING_DEVICE_CHOICES.join(', ')} (default cpu).`,
  },
} as const;

const DESCRIPTION = [
  'Held-out evaluation of a model directory on a task, with the same prompt template, stop strings and',
  'verifiers as training: pass@1 of one greedy response per prompt, mean accuracy over K samples, unbiased',
  'pass@k for k = 1 and K, mean reward. Prints one JSON line (the eval record of metrics.jsonl).',
].join('\n');

const EXAMPLES = [
  'rlvr eval --model runs/linear-r/checkpoints/step-200 --task countdown --n 8',
  'rlvr eval --model ./my-qwen --task gsm8k --dataset gsm8k-test.jsonl --prompts 200',
];

/** `rlvr eval`: held-out pass@1 (greedy), mean accuracy and pass@k of a model directory. */
export const evalCommand: Command = defineCommand({
  name: 'eval',
  summary: 'Held-out pass@1 (greedy), mean accuracy and pass@k of a model on a task.',
  description: DESCRIPTION,
  options: OPTIONS,
  examples: EXAMPLES,
  async execute(options, io) {
    const task = parseChoice('--task', options.task!, TASK_NAMES);
    const n = options.n === undefined ? 8 : parseInteger('--n', options.n, 1);
    const embedded = options.model!.startsWith(EMBEDDED_PREFIX);
    // A bad value is a ConfigError: exit 2 (EXIT_CODES in cli/cli-error.ts).
    const config = parseTrainConfig({
      model: { path: options.model },
      task: {
        ...(embedded && task === 'countdown' && options.dataset === undefined
          ? PRESET_TASK
          : {
              name: task,
              ...(options.dataset === undefined ? {} : { dataset: options.dataset, testDataset: options.dataset }),
            }),
        ...(options.verifier === undefined ? {} : { verifier: options.verifier }),
        ...(options.template === undefined
          ? {}
          : { template: parseChoice('--template', options.template, TEMPLATE_NAMES) }),
      },
      sampling: {
        ...(options.device === undefined
          ? {}
          : { device: parseChoice('--device', options.device, SAMPLING_DEVICE_CHOICES) }),
        ...(options['max-new-tokens'] === undefined
          ? {}
          : { maxNewTokens: parseInteger('--max-new-tokens', options['max-new-tokens'], 1) }),
      },
      eval: {
        interval: 1,
        samples: n,
        passAtK: n > 1 ? [1, n] : [1],
        prompts: options.prompts === undefined ? 0 : parseInteger('--prompts', options.prompts, 1),
        ...(options.temperature === undefined
          ? {}
          : { temperature: parseNumber('--temperature', options.temperature) }),
      },
      ...(options.seed === undefined ? {} : { seed: parseInteger('--seed', options.seed, 0) }),
    });
    // A LoRA adapter directory is evaluated as its base, with the adapters in the sampler's graph or merged (lora/sampler-model.ts).
    const source = samplerModel(resolveModelPath(config.model.path), options.base);
    const env = await openTaskEnvironment(
      config,
      source.dir,
      (line) => io.stderr.write(`${line}\n`),
      false,
      undefined,
      undefined,
      source.loadOptions,
    );
    try {
      const prompts = heldOutPrompts(config, env);
      if (prompts.length === 0) throw new CliError(undefined, 'no held-out prompts', INPUT_EXIT_CODE);
      const record = await evaluate(
        { generate: async (p, o) => (await env.sampler.generate(p, o)) as StepRollout[], score: env.score },
        prompts,
        {
          samples: config.eval.samples,
          temperature: config.eval.temperature,
          passAtK: config.eval.passAtK,
          maxNewTokens: config.sampling.maxNewTokens,
          stop: env.stop,
          seed: config.seed,
        },
      );
      io.stdout.write(`${JSON.stringify({ kind: 'eval', step: 0, ...record })}\n`);
      return 0;
    } finally {
      await closeTaskEnvironment(env);
    }
  },
});
