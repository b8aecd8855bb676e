/**
 * Writes packages/kernels/KERNELS.md from src/op-registry.ts and, where present,
 * bench-results/kernels.json (the last `npm run bench` on this machine); src/op-registry.test.ts
 * checks that the committed file is what the registry renders. Usage: npx tsx scripts/kernels-table.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BenchResult, measuredThroughput, renderKernelsMd } from '../src/op-registry.js';

const out = fileURLToPath(new URL('../KERNELS.md', import.meta.url));
const resultsPath = fileURLToPath(new URL('../../../bench-results/kernels.json', import.meta.url));
const results: BenchResult[] = existsSync(resultsPath)
  ? (JSON.parse(readFileSync(resultsPath, 'utf8')) as BenchResult[])
  : [];

writeFileSync(
  out,
  renderKernelsMd((op) => measuredThroughput(op, results)),
);
console.log(`wrote ${out}`);
