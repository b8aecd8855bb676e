import { defineConfig } from 'tsup';
import { packageBuild } from '../../tools/config/tsup-factory.js';

// Two entries: the library (index) and the `rlvr` executable (cli; its shebang is kept by tsup).
export default defineConfig(packageBuild({ entry: { index: 'src/index.ts', cli: 'src/cli.ts' }, commonjs: false }));
