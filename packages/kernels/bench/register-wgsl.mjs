// `--import` entry for benchmarks run with tsx: installs the `.wgsl` text hooks of wgsl-hooks.mjs.
import { register } from 'node:module';

register('./wgsl-hooks.mjs', import.meta.url);
