/**
 * What a Countdown model of the compact format writes, beyond its accuracy: samples every held-out
 * problem of the demo's preset 8 times (temperature 1, seed 5) and checks each thought's steps
 * (`a op b = c`) against exact arithmetic and each `(target)` mark against the target. The numbers in
 * docs/results/README.md ("what the model writes") come from this script:
 *
 *   npx tsx --conditions=@rlvr/source --import ../kernels/bench/register-wgsl.mjs scripts/countdown-diagnostics.ts [MODEL]
 *
 * MODEL: a model directory or embedded:NAME (default: the embedded base model). Prints one JSON object.
 */
import { presetConfig } from '../src/demo/countdown-preset.js';
import { closeTaskEnvironment, openTaskEnvironment } from '../src/loop/task-environment.js';
import { heldOutPrompts } from '../src/loop/run-training.js';
import { resolveModelPath } from '../src/models/embedded.js';
import { TARGET_MARK } from '../src/pretrain/countdown-corpus.js';

const SAMPLES = 8;
const STEP = new RegExp(`(-?\\d+) ([-+*/]) (-?\\d+) = (-?\\d+)(${TARGET_MARK.replace(/[()]/g, '\\$&')})?`, 'g');
const exact = {
  '+': (a: number, b: number) => a + b,
  '-': (a: number, b: number) => a - b,
  '*': (a: number, b: number) => a * b,
  '/': (a: number, b: number) => a / b,
};

const model = process.argv[2] ?? null;
const config = presetConfig({ model, weighting: 'grpo', lr: 1e-4, maxSteps: 1, seed: 1, evalInterval: 0 });
const env = await openTaskEnvironment(config, resolveModelPath(config.model.path), () => {});
try {
  const prompts = heldOutPrompts(config, env);
  const rollouts = await env.sampler.generate(
    prompts.map((p) => p.ids),
    { groupSize: SAMPLES, maxNewTokens: config.sampling.maxNewTokens, temperature: 1, stop: env.stop, seed: 5 },
  );
  const references = rollouts.map((_, i) => prompts[Math.floor(i / SAMPLES)]!.reference as { target: number });
  const scores = await env.score(rollouts, references);
  const n = {
    steps: 0,
    wrongSteps: 0,
    marks: 0,
    wrongMarks: 0,
    unmarkedHits: 0,
    withRightMark: 0,
    solvedWithRightMark: 0,
    solved: 0,
  };
  rollouts.forEach((rollout, i) => {
    const { target } = references[i]!;
    const thought = rollout.text.split('</think>')[0]!;
    let rightMark = false;
    for (const [, a, op, b, c, mark] of thought.matchAll(STEP)) {
      n.steps++;
      if (exact[op as keyof typeof exact](Number(a), Number(b)) !== Number(c)) n.wrongSteps++;
      if (mark !== undefined) {
        n.marks++;
        if (Number(c) === target) rightMark = true;
        else n.wrongMarks++;
      } else if (Number(c) === target) n.unmarkedHits++;
    }
    const solved = scores[i]!.correct;
    if (solved) n.solved++;
    if (rightMark) n.withRightMark++;
    if (rightMark && solved) n.solvedWithRightMark++;
  });
  const share = (a: number, b: number) => (b === 0 ? null : Number((a / b).toFixed(4)));
  console.log(
    JSON.stringify({
      model: model ?? 'embedded:countdown-base',
      completions: rollouts.length,
      accuracy: share(n.solved, rollouts.length),
      wrongStepShare: share(n.wrongSteps, n.steps),
      marks: n.marks,
      wrongMarkShare: share(n.wrongMarks, n.marks),
      unmarkedStepsEqualToTarget: n.unmarkedHits,
      completionsWithRightMark: share(n.withRightMark, rollouts.length),
      accuracyGivenRightMark: share(n.solvedWithRightMark, n.withRightMark),
    }),
  );
} finally {
  await closeTaskEnvironment(env);
}
