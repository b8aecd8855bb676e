import { defineConfig } from 'tsup';
import { packageBuild } from '../../tools/config/tsup-factory.js';

// Two entries: the library (index, ESM and CommonJS) and the `rlvr` executable (cli, ESM only: it
// uses top-level await; its shebang is kept by tsup).
export default defineConfig(packageBuild({ entry: { index: 'src/index.ts', cli: 'src/cli.ts' }, esmOnly: ['cli'] }));
