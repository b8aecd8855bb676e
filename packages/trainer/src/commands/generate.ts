import { GenerationError, Sampler, SamplerError, type GenerateOptions } from '@rlvr/sampler';
import { CliError, exitCodeOf } from '../cli/cli-error.js';
import type { Command } from '../cli/command.js';
import { defineCommand } from '../cli/define-command.js';
import { parseChoice, parseInteger, parseNumber } from '../cli/parse-options.js';
import { SAMPLING_DEVICE_CHOICES } from '../config/index.js';
import { selectSamplingDevice } from '../loop/sampling-device.js';
import { loadModelOrAdapter } from '../lora/sampler-model.js';

const OPTIONS = {
  model: {
    type: 'string',
    value: 'DIR',
    required: true,
    description:
      'Model directory: config.json, tokenizer.json (+ tokenizer_config.json), and model.onnx (Optimum export) or model.safetensors; or a LoRA adapter directory (adapter_config.json, e.g. a LoRA run’s checkpoint).',
  },
  base: {
    type: 'string',
    value: 'DIR',
    description: 'Base model of a LoRA adapter --model (default: its adapter_config.json’s base_model_name_or_path).',
  },
  prompt: {
    type: 'string',
    value: 'TEXT',
    required: true,
    description:
      "The prompt, as plain text after the tokenizer's BOS where it adds one (Llama 3); add --chat to wrap it in the chat template.",
  },
  'num-samples': {
    type: 'string',
    value: 'M',
    short: 'n',
    description: 'Completions to sample (default 1), all from one prefill of the prompt.',
  },
  'max-new-tokens': { type: 'string', value: 'N', description: 'Most tokens per completion (default 64).' },
  temperature: { type: 'string', value: 'T', description: 'Sampling temperature (default 1; 0 = greedy).' },
  'top-k': { type: 'string', value: 'K', description: 'Keep the K most likely tokens (default 0 = off).' },
  'top-p': { type: 'string', value: 'P', description: 'Nucleus sampling threshold in (0, 1] (default 1 = off).' },
  stop: { type: 'string', value: 'TEXT', description: 'A stop string: completions end before it.' },
  seed: {
    type: 'string',
    value: 'S',
    description: 'Random seed (default 0); the same seed gives the same completions.',
  },
  chat: {
    type: 'boolean',
    description: "Render the prompt as one user message through the tokenizer's chat template.",
  },
  'chat-template': {
    type: 'string',
    value: 'NAME',
    description: 'Which of the tokenizer\'s named chat templates to use (default "default"); implies --chat.',
  },
  device: {
    type: 'string',
    value: 'DEVICE',
    description: `Where sampling runs: ${SAMPLING_DEVICE_CHOICES.join(', ')} (default cpu; auto: webgpu on a hardware GPU adapter, else cpu); the choice is printed on stderr.`,
  },
  json: {
    type: 'boolean',
    description: 'One JSON object per completion: {"text", "tokens", "logprobs", "finishReason"}.',
  },
} as const;

const DESCRIPTION = [
  'Sample completions of one prompt with @rlvr/sampler (ONNX Runtime on the CPU, or a GPU with --device).',
  'Prints each completion; with --json, one JSON line per completion with its token ids, their',
  'log-probabilities under log softmax(logits / temperature) and why it ended (stop, eos, length).',
].join('\n');

const EXAMPLES = [
  'rlvr generate --model ./tiny-model --prompt "Using the numbers [3, 5, 7]" -n 4 --max-new-tokens 32 --seed 1',
  'rlvr generate --model ./SmolLM2-135M-Instruct --prompt "What is 7 * 8?" --chat --temperature 0 --json',
];

/** The sampler's option names → this command's flags, so that a refused value names what the user typed. */
const FLAG_OF_OPTION: Readonly<Record<string, string>> = {
  groupSize: '--num-samples',
  maxNewTokens: '--max-new-tokens',
  temperature: '--temperature',
  topK: '--top-k',
  topP: '--top-p',
  seed: '--seed',
  stop: '--stop',
};

/** A sampler's `topP = 2 is invalid; expected …` as `--top-p: expected …, got 2` (exit 2); other errors unchanged. */
export function generationFlagError(error: unknown): unknown {
  if (!(error instanceof GenerationError)) return error;
  const match = /^(\w+) = ([^\n]*) is invalid; expected ([^\n]*)$/.exec(error.message);
  const flag = match === null ? undefined : FLAG_OF_OPTION[match[1]!];
  return flag === undefined ? error : new CliError(flag, `expected ${match![3]}, got ${match![2]}`);
}

/** `rlvr generate`: completions of a prompt from a local model directory. */
export const generateCommand: Command = defineCommand({
  name: 'generate',
  summary: 'Sample completions of a prompt from a local ONNX or safetensors model.',
  description: DESCRIPTION,
  options: OPTIONS,
  examples: EXAMPLES,
  async execute(options, io) {
    const generate: GenerateOptions = {
      groupSize: options['num-samples'] === undefined ? 1 : parseInteger('--num-samples', options['num-samples'], 1),
      maxNewTokens:
        options['max-new-tokens'] === undefined ? 64 : parseInteger('--max-new-tokens', options['max-new-tokens'], 1),
      temperature: options.temperature === undefined ? 1 : parseNumber('--temperature', options.temperature),
      topK: options['top-k'] === undefined ? 0 : parseInteger('--top-k', options['top-k'], 0),
      topP: options['top-p'] === undefined ? 1 : parseNumber('--top-p', options['top-p']),
      seed: options.seed === undefined ? 0 : parseInteger('--seed', options.seed, 0),
      stop: options.stop === undefined ? [] : [options.stop],
    };
    // Without --device: the CPU, quietly (stderr stays the completions' errors only). A device whose
    // execution provider cannot start is a SamplerDeviceError naming --device (exit 3).
    const device =
      options.device === undefined
        ? 'cpu'
        : (
            await selectSamplingDevice(parseChoice('--device', options.device, SAMPLING_DEVICE_CHOICES), {
              source: '--device',
              log: (line) => io.stderr.write(`${line}\n`),
            })
          ).device;
    let loaded;
    try {
      // A LoRA adapter directory runs as its base, with the adapters in the sampler's graph or merged (lora/sampler-model.ts).
      loaded = await loadModelOrAdapter(options.model!, options.base, { device });
    } catch (error) {
      if (SamplerError.isInstance(error)) throw new CliError('--model', error.message, exitCodeOf(error));
      throw error;
    }
    // Option values out of range (GenerationError) are the command line's fault, exit 2; other
    // SamplerErrors the model's or the prompt's, exit 3 (EXIT_CODES in cli/cli-error.ts).
    try {
      const sampler = new Sampler(loaded.model, loaded.tokenizer);
      // A chat prompt is tokenized as the template writes it (its own BOS); plain text gets the tokenizer's BOS.
      const templateName = options['chat-template'];
      const names = loaded.tokenizer.chatTemplateNames;
      if (templateName !== undefined && names.length > 0 && !names.includes(templateName)) {
        throw new CliError(
          '--chat-template',
          `the model has no chat template named ${JSON.stringify(templateName)} (it has ${names.map((n) => JSON.stringify(n)).join(', ')})`,
        );
      }
      const prompt =
        options.chat || templateName !== undefined
          ? loaded.tokenizer.encodeChat([{ role: 'user', content: options.prompt! }], { templateName })
          : options.prompt!;
      const rollouts = await sampler.generate([prompt], generate).catch((error: unknown) => {
        throw generationFlagError(error);
      });
      for (const r of rollouts) {
        if (options.json) {
          io.stdout.write(
            `${JSON.stringify({ text: r.text, tokens: r.completionIds, logprobs: r.logprobs, finishReason: r.finishReason })}\n`,
          );
        } else {
          io.stdout.write(
            `--- sample ${r.sampleIndex + 1}/${rollouts.length} (${r.completionIds.length} tokens, ${r.finishReason}) ---\n${r.text}\n`,
          );
        }
      }
      return 0;
    } finally {
      await loaded.model.release();
    }
  },
});
