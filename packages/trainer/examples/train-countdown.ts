import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig, readMetrics, runTraining } from '@rlvr/trainer';

// Every field has a default; these make a run of a few seconds on a CPU.
const config = parseTrainConfig({
  model: { path: null }, // null: the Countdown base model shipped in the package (a directory works too)
  task: {
    name: 'countdown',
    template: 'compact', // the prompt format the embedded model was pretrained on
    generator: { count: 64, minNumbers: 3, maxNumbers: 3, maxNumber: 9, maxTarget: 100 },
    testSize: 8,
  },
  weighting: { name: 'linear-r' },
  sampling: { promptsPerStep: 4, groupSize: 4, maxNewTokens: 96 },
  eval: { interval: 3, samples: 2, passAtK: [1, 2] }, // held-out evaluation before step 1 and after step 3
  maxSteps: 3,
  backend: 'cpu',
});

const runDir = mkdtempSync(join(tmpdir(), 'rlvr-example-'));
const result = await runTraining({ config, runDir, log: (line) => console.log(line) });
const { steps, evals } = await readMetrics(join(runDir, 'metrics.jsonl'));
for (const s of steps) console.log(`step ${s.step}: accuracy ${s.accuracy.toFixed(3)}, loss ${s.loss.toFixed(4)}`);
for (const e of evals) console.log(`eval after step ${e.step}: held-out pass@1 ${e.pass1Greedy.toFixed(3)}`);
console.log(`checkpoint: ${result.checkpoint}`);

export { result, steps, evals };
