import { CliError } from '../cli/cli-error.js';
import type { CliIo, Command } from '../cli/command.js';
import { defineCommand } from '../cli/define-command.js';
import { prepareModelOutput } from '../cli/model-output.js';
import type { NamedPath } from '../cli/output-paths.js';
import { parseChoice, parseInteger, parseNumber } from '../cli/parse-options.js';
import { commandLine } from '../cli/shell-words.js';
import { BACKEND_CHOICES } from '../config/index.js';
import { NUMBER_TOKENS, PRETRAIN_CORPORA, pretrainCountdown } from '../pretrain/pretrain.js';
import { CHOICE_PRETRAIN_FLAGS, pretrainChoice } from '../pretrain/choice.js';
import { finetuneCountdown } from '../pretrain/sft.js';

/** What a stopped pretraining does, printed when the signal arrives. */
const PRETRAIN_STOP = 'finishing the current step and writing the model so far';

/**
 * The flags that reproduce the embedded base model (assets/countdown-base/PROVENANCE.md): its problems
 * were drawn with the generator's earlier PRNG, so they are read from their frozen set.
 */
export const BASE_PRETRAIN_FLAGS =
  '--steps 3000 --batch 32 --lr 0.003 --seed 1 --problems embedded:countdown-pretraining';
/** The flags that reproduce the embedded search base model of the demo (assets/countdown-search-base/PROVENANCE.md). */
export const SEARCH_PRETRAIN_FLAGS =
  '--steps 1600 --batch 32 --lr 0.003 --seed 1 --corpus search --habit-share 0.3 --model-config \'{"hidden_size":96,"intermediate_size":256}\'';
/** The flags that made the embedded SFT'd model (assets/countdown-sft/PROVENANCE.md). */
export const SFT_FLAGS = '--steps 4000 --batch 32 --lr 0.001 --seed 1';

const OPTIONS = {
  task: {
    type: 'string',
    value: 'TASK',
    required: true,
    description:
      'Task whose base model to pretrain: countdown, or choice (the theory regime: answers uniform over 0 … K−1 whatever the prompt).',
  },
  out: {
    type: 'string',
    value: 'DIR',
    required: true,
    description:
      'Model directory to write (config.json, model.safetensors, tokenizer files, PROVENANCE.md): missing or empty, never --sft DIR or the embedded assets.',
  },
  overwrite: {
    type: 'boolean',
    description: 'Replace the model in a non-empty --out (refused when it holds files a model directory does not).',
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
  corpus: {
    type: 'string',
    value: 'KIND',
    description:
      'Pretraining text: random (random derivations, default; the embedded countdown-base) or search (a full search of every first step with the target marked; three numbers only). With --sft: the text the model was pretrained on, in which its correct solutions are written.',
  },
  'miss-share': {
    type: 'string',
    value: 'S',
    description:
      'With --corpus search: share of answers drawn among the candidates that miss the target (default 0; lowers the base accuracy).',
  },
  'habit-share': {
    type: 'string',
    value: 'S',
    description:
      "With --corpus search: share of answers that are the search's first step alone, a habitual guess that is never right and becomes the greedy answer (default 0; lowers the base pass@1).",
  },
  'model-config': {
    type: 'string',
    value: 'JSON',
    description:
      'Hugging Face config keys overriding the default shape, e.g. {"hidden_size":96,"num_hidden_layers":3}.',
  },
  choices: {
    type: 'string',
    value: 'K',
    description:
      'With --task choice: the number of answers K (default 40; the base model answers each prompt with ρ₀ ≈ 1/K).',
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
  'not solutions). The byte-level BPE tokenizer (one token per number) is learned from the same text.',
  'With --corpus search the thought is instead a full search of every first step, the target marked with',
  'the expression that reaches it, and the answer a random candidate (the base model of `rlvr demo`).',
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
    `rlvr pretrain --task choice --out models/choice-base ${CHOICE_PRETRAIN_FLAGS}`,
    `rlvr pretrain --task countdown --out models/countdown-search-base ${SEARCH_PRETRAIN_FLAGS}`,
  ],
  async execute(options, io) {
    const task = parseChoice('--task', options.task!, ['countdown', 'choice'] as const);
    const steps = options.steps === undefined ? 400 : parseInteger('--steps', options.steps, 1);
    const batch = options.batch === undefined ? 32 : parseInteger('--batch', options.batch, 1);
    const lr = options.lr === undefined ? 3e-3 : parseNumber('--lr', options.lr);
    if (!(lr > 0)) throw new CliError('--lr', `expected a number > 0, got ${options.lr}`);
    const seed = options.seed === undefined ? 1 : parseInteger('--seed', options.seed, 0);
    const backend = options.backend === undefined ? 'auto' : parseChoice('--backend', options.backend, BACKEND_CHOICES);
    const inputs: NamedPath[] = [];
    if (options.problems !== undefined && !options.problems.startsWith('embedded:')) {
      inputs.push({ flag: '--problems', path: options.problems });
    }
    // Called once every flag is checked, right before the work: it may clear --out (--overwrite).
    const prepareOut = (): void =>
      prepareModelOutput(
        { flag: '--out', path: options.out! },
        {
          overwrite: options.overwrite === true,
          readModels: options.sft === undefined ? [] : [{ flag: '--sft', path: options.sft }],
          inputs,
          overwriteCommand: commandLine('pretrain', { ...options, overwrite: true }),
        },
      );
    if (task === 'choice') return pretrainChoiceCommand(options, { steps, batch, lr, seed, backend }, io, prepareOut);
    if (options.choices !== undefined) throw new CliError('--choices', 'only with --task choice');
    const numberTokens =
      options['number-tokens'] === undefined
        ? 'whole'
        : parseChoice('--number-tokens', options['number-tokens'], NUMBER_TOKENS);
    const corpus = options.corpus === undefined ? 'random' : parseChoice('--corpus', options.corpus, PRETRAIN_CORPORA);
    const missShare = searchShare('--miss-share', options['miss-share'], corpus);
    const habitShare = searchShare('--habit-share', options['habit-share'], corpus);
    let modelConfig: Record<string, unknown> | undefined;
    if (options['model-config'] !== undefined) {
      try {
        modelConfig = JSON.parse(options['model-config']) as Record<string, unknown>;
      } catch {
        throw new CliError('--model-config', `expected a JSON object, got ${options['model-config']}`);
      }
      if (typeof modelConfig !== 'object' || modelConfig === null || Array.isArray(modelConfig)) {
        throw new CliError('--model-config', `expected a JSON object, got ${options['model-config']}`);
      }
    }
    if (
      options.sft !== undefined &&
      (missShare !== undefined || habitShare !== undefined || modelConfig !== undefined)
    ) {
      throw new CliError(
        '--sft',
        'not with --miss-share, --habit-share or --model-config (fine-tuning keeps its model; its solutions are correct); --corpus names the text the model was pretrained on',
      );
    }
    if (options.sft !== undefined && options['number-tokens'] !== undefined) {
      throw new CliError('--number-tokens', 'not with --sft (the fine-tuned model keeps its tokenizer)');
    }
    if (options.sft !== undefined && options.problems !== undefined) {
      throw new CliError('--problems', "not with --sft (fine-tuning uses the demo's training problems)");
    }
    const sft = options.sft === undefined ? '' : ` --sft ${options.sft}`;
    const tokens = numberTokens === 'whole' ? '' : ` --number-tokens ${numberTokens}`;
    const problems = options.problems === undefined ? '' : ` --problems ${options.problems}`;
    const search =
      corpus === 'random'
        ? ''
        : ` --corpus ${corpus}${missShare === undefined ? '' : ` --miss-share ${missShare}`}${habitShare === undefined ? '' : ` --habit-share ${habitShare}`}`;
    const shape = modelConfig === undefined ? '' : ` --model-config '${JSON.stringify(modelConfig)}'`;
    const command = `rlvr pretrain --task countdown${sft} --out ${options.out} --steps ${steps} --batch ${batch} --lr ${lr} --seed ${seed}${tokens}${problems}${search}${shape}`;
    prepareOut();
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
        corpus,
        log,
        onStep,
        stop: io.stop?.claim(PRETRAIN_STOP),
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
      stop: io.stop?.claim(PRETRAIN_STOP),
      numberTokens,
      problems: options.problems,
      corpus,
      missShare,
      habitShare,
      modelConfig,
    });
    log(`${result.parameters} parameters`);
    io.stdout.write(`${result.dir}\n`);
    return 0;
  },
});

/** A share flag of the search corpus (`--miss-share`, `--habit-share`): a number in [0, 1], with `--corpus search` only. */
function searchShare(flag: string, value: string | undefined, corpus: string): number | undefined {
  if (value === undefined) return undefined;
  const share = parseNumber(flag, value);
  if (corpus !== 'search' || !(share >= 0 && share <= 1)) {
    throw new CliError(flag, `expected a share in [0, 1] with --corpus search, got ${value}`);
  }
  return share;
}

/** Options that `--task choice` takes; the others are Countdown's. */
const CHOICE_FLAGS = new Set(['task', 'out', 'overwrite', 'steps', 'batch', 'lr', 'seed', 'backend', 'choices']);

/** `rlvr pretrain --task choice`: the base model of the choice tasks (pretrain/choice.ts). */
async function pretrainChoiceCommand(
  options: Record<string, string | boolean | undefined>,
  run: { steps: number; batch: number; lr: number; seed: number; backend: (typeof BACKEND_CHOICES)[number] },
  io: CliIo,
  prepareOut: () => void,
): Promise<number> {
  const other = Object.keys(options).find((key) => options[key] !== undefined && !CHOICE_FLAGS.has(key));
  if (other !== undefined) throw new CliError(`--${other}`, 'only with --task countdown');
  const choices = options.choices === undefined ? 40 : parseInteger('--choices', String(options.choices), 2);
  prepareOut();
  const command = `rlvr pretrain --task choice --out ${options.out} --steps ${run.steps} --batch ${run.batch} --lr ${run.lr} --seed ${run.seed}${choices === 40 ? '' : ` --choices ${choices}`}`;
  const result = await pretrainChoice({
    outDir: options.out as string,
    ...run,
    choices,
    command,
    log: (line) => io.stderr.write(`${line}\n`),
    stop: io.stop?.claim(PRETRAIN_STOP),
    onStep: (step, loss) => {
      if (step === 1 || step % 100 === 0 || step === run.steps) {
        io.stderr.write(
          `step ${step}/${run.steps}: answer cross-entropy ${loss.toFixed(3)} nats (uniform over ${choices}: ${Math.log(choices).toFixed(3)})\n`,
        );
      }
    },
  });
  io.stderr.write(`${result.parameters} parameters\n`);
  io.stdout.write(`${result.dir}\n`);
  return 0;
}
