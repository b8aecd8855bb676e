import { defineConfig } from 'tsup';
import { packageBuild } from '../../tools/config/tsup-factory.js';

export default defineConfig(
  packageBuild({ entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' }, splitting: true }),
);
