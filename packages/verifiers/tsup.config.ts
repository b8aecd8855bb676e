import { defineConfig } from 'tsup';
import { packageBuild } from '../../tools/config/tsup-factory.js';

// Two entries: the library (index, ESM and CommonJS) and the VerifierPool's worker script
// (pool-worker, CommonJS only: piscina loads it with require()), which worker threads load by path at
// run time, so it must exist as a plain JS file next to dist/index.js and dist/index.cjs (both start
// the same worker).
export default defineConfig(
  packageBuild({ entry: { index: 'src/index.ts', 'pool-worker': 'src/pool/worker.ts' }, cjsOnly: ['pool-worker'] }),
);
