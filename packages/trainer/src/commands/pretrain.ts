import { CliError } from '../cli/cli-error.js';
import type { Command } from '../cli/command.js';
import { defineCommand } from '../cli/define-command.js';
import { parseChoice, parseInteger, parseNumber } from '../cli/parse-options.js';
import { BACKEND_CHOICES } from '../config/index.js';
import { NUMBER_TOKENS, pretrainCountdown } from '../pretrain/pretrain.js';
import { finetuneCountdown } from '../pretrain/sft.js';

/**
 * The flags that reproduce the embedded base model (assets/countdown-base/PROVENANCE.md): its problems
 * were drawn with the generator's earlier PRNG, so they are read from their frozen set.
 */
export const BASE_PRETRAIN_FLAGS =
  '--steps 3000 --batch 32 --lr 0.003 --seed 1 --problems embedded:countdown-pretraining';
/** The flags that made the embedded SFT'd model (assets/countdown-sft/PROVENANCE.md). */
export const SFT_FLAGS = '--steps 4000 --batch 32 --lr 0.001 --seed 1';

const OPTIONS = {
  task: {
    type: 'string',
    value: 'TASK',
    required: true,
    description: 'Task whose base model to pretrain: countdown (the only one so far).',
  },
  out: {
    type: 'string',
    value: 'DIR',
    required: true,
    description: 'Model directory to write (config.json, model.safetensors, tokenizer files, PROVENANCE.md).',
  },
  steps: { type: 'string', value: 'N', description: 'Optimizer steps (default 400).' },
  batch: { type: 'string', value: 'B', description: 'Sequences per step (default 32).' },
  lr: { type: 'string', value: 'LR', description: 'AdamW learning rate (default 3e-3).' },
  seed: { type: 'string', value: 'S', description: 'Seed of the problems, answers and weights (default 1).' },
  backend: { type: 'string', value: 'NAME', description: 'auto, webgpu or cpu (default auto; always printed).' },
  'number-tokens': {
    type: 'string',
    value: 'KIND',
    description:
      'Tokenizer: whole (every number one token, default; the model can check a value against the target) or digits (one token per digit).',
  },
  problems: {
    type: 'string',
    value: 'SOURCE',
    description:
      "Read the pretraining problems from a frozen set instead of generating them: embedded:countdown-pretraining (those of the embedded base model, drawn with the generator's earlier PRNG, for --steps ≤ 3000 --batch 32 --seed 1) or a file of scripts/freeze-countdown-problems.ts.",
  },
  sft: {
    type: 'string',
    value: 'DIR',
    description:
      "Instead: fine-tune the model in DIR on correct solutions of the demo's training problems (the SFT'd start).",
  },
} as const;

const DESCRIPTION = [
  'Pretrain a small base model for from-scratch RL: next-token cross-entropy on synthetic Countdown text,',
  'compact prompts followed by well-formed answers that combine the given numbers in random steps (mostly',
  'not solutions). The byte-level BPE tokenizer (one token per digit) is learned from the same text.',
  "With --sft DIR, the model in DIR is fine-tuned instead on correct step-by-step solutions of the demo's",
  'training problems (the post-SFT start of `rlvr compare --regime sft`). Prints the loss every 20 steps',
  'and, last, the directory written.',
].join('\n');

/** `rlvr pretrain --task countdown --out DIR`: a Countdown base model for the from-scratch regime (or, with --sft, its SFT'd version). */
export const pretrainCommand: Command = defineCommand({
  name: 'pretrain',
  summary: 'Pretrain a small Countdown base model on synthetic, mostly wrong, well-formed answers (or SFT one).',
  description: DESCRIPTION,
  options: OPTIONS,
  examples: [
    `rlvr pretrain --task countdown --out models/countdown-base ${BASE_PRETRAIN_FLAGS}`,
    `rlvr pretrain --task countdown --sft models/countdown-base --out models/countdown-sft ${SFT_FLAGS}`,
  ],
  async execute(options, io) {
    parseChoice('--task', options.task!, ['countdown'] as const);
    const steps = options.steps === undefined ? 400 : parseInteger('--steps', options.steps, 1);
    const batch = options.batch === undefined ? 32 : parseInteger('--batch', options.batch, 1);
    const lr = options.lr === undefined ? 3e-3 : parseNumber('--lr', options.lr);
    if (!(lr > 0)) throw new CliError('--lr', `expected a number > 0, got ${options.lr}`);
    const seed = options.seed === undefined ? 1 : parseInteger('--seed', options.seed, 0);
    const backend = options.backend === undefined ? 'auto' : parseChoice('--backend', options.backend, BACKEND_CHOICES);
    const numberTokens =
      options['number-tokens'] === undefined
        ? 'whole'
        : parseChoice('--number-tokens', options['number-tokens'], NUMBER_TOKENS);
    if (options.sft !== undefined && options['number-tokens'] !== undefined) {
      throw new CliError('--number-tokens', 'not with --sft (the fine-tuned model keeps its tokenizer)');
    }
    if (options.sft !== undefined && options.problems !== undefined) {
      throw new CliError('--problems', "not with --sft (fine-tuning uses the demo's training problems)");
    }
    const sft = options.sft === undefined ? '' : ` --sft ${options.sft}`;
    const tokens = numberTokens === 'whole' ? '' : ` --number-tokens ${numberTokens}`;
    const problems = options.problems === undefined ? '' : ` --problems ${options.problems}`;
    const command = `rlvr pretrain --task countdown${sft} --out ${options.out} --steps ${steps} --batch ${batch} --lr ${lr} --seed ${seed}${tokens}${problems}`;
    const log = (line: string) => io.stderr.write(`${line}\n`);
    const onStep = (step: number, loss: number) => {
      if (step === 1 || step % 20 === 0 || step === steps) {
        log(`step ${step}/${steps}: completion cross-entropy ${loss.toFixed(3)} nats/token`);
      }
    };
    if (options.sft !== undefined) {
      const result = await finetuneCountdown({
        fromDir: options.sft,
        outDir: options.out!,
        steps,
        batch,
        lr,
        seed,
        backend,
        command,
        log,
        onStep,
      });
      io.stdout.write(`${result.dir}\n`);
      return 0;
    }
    const result = await pretrainCountdown({
      outDir: options.out!,
      steps,
      batch,
      lr,
      seed,
      backend,
      command,
      log,
      onStep,
      numberTokens,
      problems: options.problems,
    });
    log(`${result.parameters} parameters`);
    io.stdout.write(`${result.dir}\n`);
    return 0;
  },
});
