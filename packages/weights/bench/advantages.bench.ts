/**
 * Throughput of groupAdvantages on 1M binary rewards in groups of M = 16, against a plain copy of
 * the same Float32Array in the same process (the floor for any pass that reads and writes each
 * response once). Entry `advantages-vs-copy`: ns per response vs ns per copied element.
 */
import { compared, standalone, timeMedian, writeResults, type BenchEntry } from '../../../tools/bench/harness.js';
import { groupAdvantages, type WeightingName } from '../src/index.js';
import { SeededRandom } from '../src/random.js';

const RESPONSES = 1 << 20;
const GROUP_SIZE = 16;

// Rewards of a mid-training batch: each group's success probability drawn uniformly, so every
// ρ̂ from 0 to 1 occurs, zero-variance groups included.
const random = new SeededRandom(2026);
const rewards = new Float32Array(RESPONSES);
for (let g = 0; g < RESPONSES / GROUP_SIZE; g++) {
  const p = random.uniform();
  for (let i = 0; i < GROUP_SIZE; i++) rewards[g * GROUP_SIZE + i] = random.uniform() < p ? 1 : 0;
}
const out = new Float32Array(RESPONSES);
const copy = new Float32Array(RESPONSES);
const UNIT = 'ns/response (lower is better)';

// Baselines, all over the same 1M rewards: an allocating copy (what `groupAdvantages` without `out`
// competes with: it allocates its result too), an element-wise JS copy loop into a preallocated
// array, and memcpy (`set`), the floor no per-element computation can reach.
const allocatingCopyNs = timeMedian(() => new Float32Array(rewards)) / RESPONSES;
const loopCopyNs =
  timeMedian(() => {
    for (let i = 0; i < RESPONSES; i++) copy[i] = rewards[i]!;
  }) / RESPONSES;
const memcpyNs = timeMedian(() => copy.set(rewards)) / RESPONSES;

const allocatingNs = timeMedian(() => groupAdvantages(rewards, GROUP_SIZE, 'linear-r')) / RESPONSES;
const inPlace: [WeightingName, number][] = [];
for (const name of ['linear-r', 'sqrt-r', 'plateau-r', 'uniform-r', 'grpo', 'rloo'] as const) {
  inPlace.push([name, timeMedian(() => groupAdvantages(rewards, GROUP_SIZE, name, { out })) / RESPONSES]);
}
const linearInPlaceNs = inPlace[0]![1];

const entries: BenchEntry[] = [
  // Headline: Linear-R (the paper's confirmed asymmetric weighting), default call (allocates its output)
  // vs `new Float32Array(rewards)`.
  compared(
    'advantages-vs-copy',
    allocatingNs,
    allocatingCopyNs,
    `${UNIT}; baseline: ns/element of new Float32Array(rewards)`,
  ),
  compared(
    'advantages-inplace-vs-loop-copy',
    linearInPlaceNs,
    loopCopyNs,
    `${UNIT}; baseline: ns/element of a JS copy loop into a preallocated array`,
  ),
  compared(
    'advantages-inplace-vs-memcpy',
    linearInPlaceNs,
    memcpyNs,
    `${UNIT}; baseline: ns/element of Float32Array.prototype.set`,
  ),
  ...inPlace.map(([name, ns]) =>
    compared(`advantages-inplace-${name}`, ns, loopCopyNs, `${UNIT}; baseline: ns/element of a JS copy loop`),
  ),
  standalone('advantages-linear-r-per-s', 1e9 / linearInPlaceNs, 'responses/s (higher is better)'),
];
writeResults('weights', entries);
