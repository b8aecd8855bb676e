import { writeModelDirectory } from '@rlvr/core';
import type { Command } from '../cli/command.js';
import { defineCommand } from '../cli/define-command.js';
import { prepareModelOutput } from '../cli/model-output.js';
import { commandLine } from '../cli/shell-words.js';
import { copyTokenizerFiles } from '../checkpoint/tokenizer-files.js';
import { readAdapterDirectory } from '../lora/adapter-directory.js';
import { adapterBase, mergeAdapter } from '../lora/adapted-model.js';

const OPTIONS = {
  adapter: {
    type: 'string',
    value: 'DIR',
    required: true,
    description:
      'LoRA adapter directory in PEFT’s layout (adapter_config.json, adapter_model.safetensors): a LoRA run’s checkpoint, or PEFT’s save_pretrained output.',
  },
  base: {
    type: 'string',
    value: 'DIR',
    description: 'Base model directory (default: the adapter’s base_model_name_or_path).',
  },
  out: {
    type: 'string',
    value: 'DIR',
    required: true,
    description:
      'Model directory to write (config.json, model.safetensors, tokenizer files): missing or empty, never the adapter or the base.',
  },
  overwrite: {
    type: 'boolean',
    description: 'Replace the model in a non-empty --out (refused when it holds files a model directory does not).',
  },
} as const;

const DESCRIPTION = [
  'Merge a LoRA adapter into its base model: every adapted Linear becomes W + scale·B·A (scale α/r, or',
  'α/√r with rsLoRA), and the result is written as a plain Hugging Face model directory (config.json,',
  'model.safetensors, the base’s tokenizer files) that any tool loads without PEFT.',
].join('\n');

const EXAMPLES = [
  'rlvr merge --adapter runs/lora/checkpoints/step-200 --out ./merged',
  'rlvr merge --adapter ./peft-adapter --base ./SmolLM2-135M --out ./merged',
];

/** `rlvr merge`: a LoRA adapter merged into its base, written as a full Hugging Face model directory. */
export const mergeCommand: Command = defineCommand({
  name: 'merge',
  summary: 'Merge a LoRA adapter (PEFT layout) into its base model and write a full model directory.',
  description: DESCRIPTION,
  options: OPTIONS,
  examples: EXAMPLES,
  async execute(options, io) {
    const adapterDir = options.adapter!;
    // The base is resolved (and checked) before --out is touched.
    const baseDir = adapterBase(adapterDir, readAdapterDirectory(adapterDir), options.base);
    prepareModelOutput(
      { flag: '--out', path: options.out! },
      {
        overwrite: options.overwrite === true,
        readModels: [
          { flag: '--adapter', path: adapterDir },
          { flag: '--base', path: baseDir },
        ],
        inputs: [],
        overwriteCommand: commandLine('merge', { ...options, overwrite: true }),
      },
    );
    const merged = await mergeAdapter(adapterDir, baseDir);
    const written = writeModelDirectory(options.out!, merged.config, merged.weights, {
      extraConfig: merged.configJson,
    });
    copyTokenizerFiles(merged.baseDir, options.out!);
    io.stdout.write(`merged ${adapterDir} into ${merged.baseDir}: ${written.weights}\n`);
    return 0;
  },
});
