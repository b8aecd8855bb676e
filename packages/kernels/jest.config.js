import { jestConfig } from '../../tools/config/jest-preset.js';

const base = jestConfig('@rlvr/kernels');

export default {
  ...base,
  // Shaders are imported as text (`import source from './x.wgsl'`), mirroring tsup's text loader.
  transform: { ...base.transform, '^.+\\.wgsl$': '<rootDir>/../../tools/config/wgsl-transform.cjs' },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json', 'wgsl'],
};
