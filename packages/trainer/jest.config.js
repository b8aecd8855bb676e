import { jestConfig } from '../../tools/config/jest-preset.js';

const base = jestConfig('@rlvr/trainer');

export default {
  ...base,
  // test/ imports @rlvr/kernels from source, whose shaders are imported as text (as in kernels' own config).
  transform: { ...base.transform, '^.+\\.wgsl$': '<rootDir>/../../tools/config/wgsl.mjs' },
  extensionsToTreatAsEsm: [...base.extensionsToTreatAsEsm, '.wgsl'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json', 'wgsl'],
};
