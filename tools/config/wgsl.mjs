/**
 * The one definition of how a `.wgsl` shader is imported: as an ES module whose default export is
 * the file's text (`import source from './x.wgsl'`). Three tools load shaders and all three use this
 * module:
 * - tsup (tools/config/tsup-factory.ts): `wgslEsbuildPlugin`, an esbuild plugin;
 * - jest (packages/kernels and packages/trainer jest.config.js): this file as a transform (its
 *   `process`, also the default export, which is what jest takes from an `.mjs` transform);
 *   `.wgsl` is in those configs' `extensionsToTreatAsEsm`, so the emitted `export default` is ESM;
 * - tsx / plain Node (packages/kernels/bench/register-wgsl.mjs): this file as module hooks
 *   (`load`), registered with `module.register()`.
 * Only Node built-ins are imported: Node's hooks thread loads this file on its own.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The ES module that a shader's text becomes. */
export function wgslModule(text) {
  return `export default ${JSON.stringify(text)};\n`;
}

/** jest transform: the shader's text → {@link wgslModule}. */
function processWgsl(sourceText) {
  return { code: wgslModule(sourceText) };
}
// Exported as `process` (jest's transform interface) under an alias, so that no local binding
// shadows the global `process` in this file.
export { processWgsl as process };
export default { process: processWgsl };

/** Node module hook (`module.register`): a `.wgsl` URL loads as {@link wgslModule}. */
export async function load(url, context, nextLoad) {
  if (url.endsWith('.wgsl')) {
    return { format: 'module', source: wgslModule(await readFile(fileURLToPath(url), 'utf8')), shortCircuit: true };
  }
  return nextLoad(url, context);
}

/** esbuild plugin (tsup's `esbuildPlugins`): a `.wgsl` file bundles as {@link wgslModule}. */
export const wgslEsbuildPlugin = {
  name: 'wgsl',
  setup(build) {
    build.onLoad({ filter: /\.wgsl$/ }, async (args) => ({
      contents: wgslModule(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};
