/**
 * What a Countdown model of the compact format writes, beyond its accuracy: samples every held-out
 * problem of the demo's preset 8 times (temperature 1, seed 5) and checks each thought's steps
 * (`a op b = c`) against exact arithmetic and each `(target)` mark against the target. The numbers in
 * docs/results/README.md ("what the model writes") come from this script:
 *
 *   npx tsx --conditions=@rlvr/source --import ../kernels/bench/register-wgsl.mjs scripts/countdown-diagnostics.ts [MODEL [MAX_NEW_TOKENS]]
 *
 * MODEL: a model directory or embedded:NAME (default: the embedded base model); MAX_NEW_TOKENS: the
 * longest completion (default the preset's; the search models need the demo's). Prints one JSON object.
 * For a full-search thought (pretrain/countdown-search-corpus.ts) it also checks every candidate
 * (` op value` after a first step `a op b = v, r:`) and counts the answers that repeat a marked expression.
 */
import { presetConfig } from '../src/demo/countdown-preset.js';
import { closeTaskEnvironment, openTaskEnvironment } from '../src/loop/task-environment.js';
import { heldOutPrompts } from '../src/loop/run-training.js';
import { resolveModelPath } from '../src/models/embedded.js';
import { evaluateCountdownExpression, parseCountdownExpression } from '@rlvr/verifiers';
import { TARGET_MARK } from '../src/pretrain/countdown-corpus.js';

const SAMPLES = 8;
// The search format: a first step with the number left over, then candidates ` op value`, a candidate
// equal to the target followed by its expression (one bracketed first step and the number left over).
const EXPRESSION = String.raw`\(\d+ [-+*/] \d+\) [-+*/] \d+|\d+ [-+*/] \(\d+ [-+*/] \d+\)`;
const SEARCH_LINE = new RegExp(
  String.raw`(\d+) ([-+*/]) (\d+) = (\d+), (\d+):((?: [-+*/] \d+(?: \(target = (?:${EXPRESSION})\))?)*)\.`,
  'g',
);
const SEARCH_CANDIDATE = new RegExp(String.raw` ([-+*/]) (\d+)(?: \(target = (${EXPRESSION})\))?`, 'g');
const STEP = new RegExp(`(-?\\d+) ([-+*/]) (-?\\d+) = (-?\\d+)(${TARGET_MARK.replace(/[()]/g, '\\$&')})?`, 'g');
const exact = {
  '+': (a: number, b: number) => a + b,
  '-': (a: number, b: number) => a - b,
  '*': (a: number, b: number) => a * b,
  '/': (a: number, b: number) => a / b,
};

/** `x op y` with the larger operand first (the search format's rule), or null when not an integer. */
function larger(x: number, op: keyof typeof exact, y: number): number | null {
  const [p, q] = op === '-' || op === '/' ? [Math.max(x, y), Math.min(x, y)] : [x, y];
  const v = exact[op](p, q);
  return Number.isInteger(v) ? v : null;
}

/** The exact value of an expression by the verifier's evaluator, or null when it does not parse. */
function valueOf(expression: string): number | null {
  const parsed = parseCountdownExpression(expression);
  const value = parsed.ok ? evaluateCountdownExpression(parsed.expression) : null;
  return value ? Number(value.n) / Number(value.d) : null;
}

const model = process.argv[2] ?? null;
const maxNewTokens = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const config = presetConfig({
  model,
  maxNewTokens,
  weighting: 'grpo',
  lr: 1e-4,
  maxSteps: 1,
  seed: 1,
  evalInterval: 0,
});
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
    searchCompletions: 0,
    candidates: 0,
    wrongCandidates: 0,
    answersMarked: 0,
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
    // The search format: candidates against exact arithmetic, marks by the value of their expression.
    const marked: string[] = [];
    const lines = [...thought.matchAll(SEARCH_LINE)];
    if (lines.length > 0) n.searchCompletions++;
    for (const [, , , , v, r, rest] of lines) {
      for (const [, op, value, expression] of rest!.matchAll(SEARCH_CANDIDATE)) {
        n.candidates++;
        if (larger(Number(v), op as keyof typeof exact, Number(r)) !== Number(value)) n.wrongCandidates++;
        if (expression === undefined) continue;
        n.marks++;
        marked.push(expression);
        if (Number(value) === target && valueOf(expression) === target) rightMark = true;
        else n.wrongMarks++;
      }
    }
    // Sampling stops at `</answer>`, which the text may or may not keep.
    const answer = /<answer>\s*(.*?)\s*(?:<\/answer>|$)/.exec(rollout.text)?.[1];
    if (answer !== undefined && marked.includes(answer)) n.answersMarked++;
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
      ...(n.searchCompletions === 0
        ? {}
        : {
            searchCompletions: n.searchCompletions,
            wrongCandidateShare: share(n.wrongCandidates, n.candidates),
            answersRepeatingAMark: share(n.answersMarked, rollouts.length),
          }),
    }),
  );
} finally {
  await closeTaskEnvironment(env);
}
