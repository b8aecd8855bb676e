import { jestConfig } from '../../tools/config/jest-preset.js';

const base = jestConfig('@rlvr/kernels');

export default {
  ...base,
  // Shaders are imported as text (`import source from './x.wgsl'`), through the same module that
  // tsup and tsx use (tools/config/wgsl.mjs); it emits ESM, hence `.wgsl` in extensionsToTreatAsEsm.
  transform: { ...base.transform, '^.+\\.wgsl$': '<rootDir>/../../tools/config/wgsl.mjs' },
  extensionsToTreatAsEsm: [...base.extensionsToTreatAsEsm, '.wgsl'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json', 'wgsl'],
};
