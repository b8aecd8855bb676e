// Types of wgsl.mjs, for tsup-factory.ts (the packages' typecheck includes their tsup.config.ts).
import type { Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/** The ES module that a shader's text becomes. */
export function wgslModule(text: string): string;
/** jest transform: the shader's text → {@link wgslModule}. */
export function process(sourceText: string): { code: string };
declare const transformer: { process: typeof process };
export default transformer;
/** Node module hook (`module.register`): a `.wgsl` URL loads as {@link wgslModule}. */
export function load(
  url: string,
  context: unknown,
  nextLoad: (url: string, context: unknown) => unknown,
): Promise<unknown>;
/** esbuild plugin (tsup's `esbuildPlugins`): a `.wgsl` file bundles as {@link wgslModule}. */
export const wgslEsbuildPlugin: EsbuildPlugin;
