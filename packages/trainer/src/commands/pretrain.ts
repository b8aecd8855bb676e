import { CliError } from '../cli/cli-error.js';
import type { Command } from '../cli/command.js';
import { defineCommand } from '../cli/define-command.js';
import { parseChoice, parseInteger, parseNumber } from '../cli/parse-options.js';
import { BACKEND_CHOICES } from '../config/index.js';
import { pretrainCountdown } from '../pretrain/pretrain.js';

const OPTIONS = {
  task: { type: 'string', value: 'TASK', required: true, description: 'Task whose base model to pretrain: countdown (the only one so far).' },
  out: { type: 'string', value: 'DIR', required: true, description: 'Model directory to write (config.json, model.safetensors, tokenizer files, PROVENANCE.md).' },
  steps: { type: 'string', value: 'N', description: 'Optimizer steps (default 400).' },
  batch: { type: 'string', value: 'B', description: 'Sequences per step (default 16).' },
  lr: { type: 'string', value: 'LR', description: 'AdamW learning rate (default 3e-3).' },
  seed: { type: 'string', value: 'S', description: 'Seed of the problems, answers and weights (default 1).' },
  backend: { type: 'string', value: 'NAME', description: 'auto, webgpu or cpu (default auto; always printed).' },
} as const;

const DESCRIPTION = [
  'Pretrain a small base model for from-scratch RL: next-token cross-entropy on synthetic Countdown text,',
  'R1-Zero prompts followed by well-formed answers that use the given numbers but are mostly not solutions.',
  'The byte-level BPE tokenizer is learned from the same text. Prints the loss every 20 steps and, last,',
  'the directory written.',
].join('\n');

/** `rlvr pretrain --task countdown --out DIR`: a Countdown base model for the from-scratch regime. */
export const pretrainCommand: Command = defineCommand({
  name: 'pretrain',
  summary: 'Pretrain a small Countdown base model on synthetic, mostly wrong, well-formed answers.',
  description: DESCRIPTION,
  options: OPTIONS,
  examples: ['rlvr pretrain --task countdown --out models/countdown-base --steps 400 --seed 1'],
  async execute(options, io) {
    parseChoice('--task', options.task!, ['countdown'] as const);
    const steps = options.steps === undefined ? 400 : parseInteger('--steps', options.steps, 1);
    const batch = options.batch === undefined ? 16 : parseInteger('--batch', options.batch, 1);
    const lr = options.lr === undefined ? 3e-3 : parseNumber('--lr', options.lr);
    if (!(lr > 0)) throw new CliError('--lr', `expected a number > 0, got ${options.lr}`);
    const seed = options.seed === undefined ? 1 : parseInteger('--seed', options.seed, 0);
    const backend = options.backend === undefined ? 'auto' : parseChoice('--backend', options.backend, BACKEND_CHOICES);
    const command = `rlvr pretrain --task countdown --out ${options.out} --steps ${steps} --batch ${batch} --lr ${lr} --seed ${seed}`;
    const result = await pretrainCountdown({
      outDir: options.out!, steps, batch, lr, seed, backend, command,
      log: (line) => io.stderr.write(`${line}\n`),
      onStep: (step, loss) => {
        if (step === 1 || step % 20 === 0 || step === steps) io.stderr.write(`step ${step}/${steps}: completion cross-entropy ${loss.toFixed(3)} nats/token\n`);
      },
    });
    io.stderr.write(`${result.parameters} parameters\n`);
    io.stdout.write(`${result.dir}\n`);
    return 0;
  },
});
