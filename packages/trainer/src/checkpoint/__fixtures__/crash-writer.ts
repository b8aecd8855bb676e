/**
 * Child process of the kill-mid-write test: writes a small checkpoint of step 1, says "ready" on
 * stdout, then writes a large checkpoint of step 2 (some hundred MB) — during which the test
 * sends SIGKILL. Run with `node --import tsx --conditions=@rlvr/source crash-writer.ts RUN_DIR MB`.
 */
import { parseDecoderConfig } from '@rlvr/core';
import { writeCheckpoint } from '../checkpoint.js';

const [runDir, megabytes] = process.argv.slice(2) as [string, string];
const config = parseDecoderConfig({ hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 1, intermediate_size: 8, vocab_size: 8 });
const tensor = (n: number, value: number) => ({ shape: [n], data: new Float32Array(n).fill(value) });
const state = (n: number, value: number) => ({
  modelConfig: config,
  // Names need not match the config: the checkpoint stores whatever tensors it is given.
  weights: { big: tensor(n, value) },
  optimizerState: { step: value, m: { big: tensor(n, value) }, v: { big: tensor(n, value) } },
  rng: { value },
  dataCursor: { value },
  config: { value },
});
writeCheckpoint(runDir, 1, state(1000, 1));
process.stdout.write('ready\n');
writeCheckpoint(runDir, 2, state((Number(megabytes) * 1024 * 1024) / 4, 2));
process.stdout.write('done\n');
