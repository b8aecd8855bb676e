/**
 * How often a fixed answer shape solves the demo preset's problems: for every candidate of the full
 * search (pretrain/countdown-search-corpus.ts), grouped by its shape (`(n + n) * n`, …), the share of
 * problems whose target it reaches, and the hit rate of a uniform pick over the search. The numbers of
 * assets/countdown-search-base/PROVENANCE.md and docs/results/README.md (§ The demo) come from it:
 *
 *   npx tsx --conditions=@rlvr/source scripts/countdown-candidate-hits.ts
 *
 * Prints one JSON object: per split, the uniform pick's hit rate and every shape's hits / candidates.
 */
import { parseTrainConfig } from '../src/config/index.js';
import { PRESET_TASK } from '../src/demo/countdown-preset.js';
import { fullSearch, searchCandidates } from '../src/pretrain/countdown-search-corpus.js';
import { loadTask } from '../src/tasks/index.js';

const config = parseTrainConfig({ task: PRESET_TASK, seed: 1 });
const task = await loadTask(config.task, config.seed);
const report: Record<string, unknown> = {};
for (const [split, examples] of [
  ['train', task.train],
  ['test', task.test],
] as const) {
  const shapes: Record<string, { hits: number; candidates: number; rate: number }> = {};
  let uniform = 0;
  for (const example of examples) {
    const { target, nums } = example.reference as { target: number; nums: number[] };
    const candidates = searchCandidates(fullSearch(nums));
    uniform += candidates.filter((c) => c.value === target).length / candidates.length;
    for (const c of candidates) {
      const shape = (shapes[c.expression.replace(/\d+/g, 'n')] ??= { hits: 0, candidates: 0, rate: 0 });
      shape.candidates++;
      if (c.value === target) shape.hits++;
    }
  }
  for (const shape of Object.values(shapes)) shape.rate = Number((shape.hits / shape.candidates).toFixed(4));
  report[split] = { problems: examples.length, uniformPick: Number((uniform / examples.length).toFixed(4)), shapes };
}
console.log(JSON.stringify(report, null, 2));
