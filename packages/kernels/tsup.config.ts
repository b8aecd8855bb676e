import { defineConfig } from 'tsup';
import { packageBuild } from '../../tools/config/tsup-factory.js';

export default defineConfig(
  packageBuild({
    entry: {
      index: 'src/index.ts',
      'testing/index': 'src/testing/index.ts',
      'reference/index': 'src/reference/index.ts',
    },
    splitting: true,
    // The declarations use WebGPU's global types (GPUDevice, GPUBuffer …), a dependency of this package.
    typesReferences: ['@webgpu/types'],
  }),
);
