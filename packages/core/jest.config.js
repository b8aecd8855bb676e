import { jestConfig } from '../../tools/config/jest-preset.js';

export default jestConfig('@rlvr/core');
