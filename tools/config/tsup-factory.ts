import type { Options } from 'tsup';
import { wgslEsbuildPlugin } from './wgsl.mjs';

/** Options for {@link packageBuild}: the package's entry points and how they share code. */
export interface PackageBuildOptions {
  /** Entry files relative to the package root, e.g. `{ index: 'src/index.ts' }`. */
  entry: Record<string, string>;
  /**
   * Share the code of several entry points (`index`, `testing/index`, …) in chunks instead of
   * bundling it into each, so a class reached from two entries is one class (`instanceof` holds).
   * Applies to the ESM and the CommonJS build alike. tsup makes the split CommonJS build from ESM
   * chunks (sucrase), which turns a lazy `import()` into `require()`: a package that splits may lazily
   * load only modules that Node's `require(esm)` loads (kernels' `webgpu`), none with top-level await.
   */
  splitting?: boolean;
  /**
   * Packages whose global types the declarations use (`/// <reference types="…" />` on top of every
   * emitted `.d.ts`/`.d.cts`), e.g. `@webgpu/types`: a consumer's tsc then loads them without being
   * told to. Each must be a dependency of the package.
   */
  typesReferences?: string[];
  /**
   * Entries that are ESM only, without declarations: executables and worker scripts that Node loads
   * by path (`rlvr`, the verifier pool's worker), not modules a consumer imports. An executable may
   * use top-level await, which a CommonJS build cannot hold.
   */
  esmOnly?: string[];
  /**
   * Entries that are CommonJS only (`.cjs`), without declarations: worker scripts that a library loads
   * with `require()`, as piscina does. Node 22+ would otherwise load an ESM worker through
   * `require(esm)`, whose module facade aborts the whole process (a native assertion) when the
   * thread is terminated at the wrong moment; a CommonJS script never takes that path.
   */
  cjsOnly?: string[];
}

/**
 * The one tsup configuration every @rlvr package builds with: ESM (`.js`, `.d.ts`) and CommonJS
 * (`.cjs`, `.d.cts`) for every entry, source maps, `.wgsl` shaders as text (tools/config/wgsl.mjs),
 * and sibling @rlvr packages kept external so each package ships only its own code.
 */
export function packageBuild(options: PackageBuildOptions): Options {
  const references = (options.typesReferences ?? []).map((name) => `/// <reference types="${name}" />`);
  const esmOnly = new Set(options.esmOnly ?? []);
  const cjsOnly = new Set(options.cjsOnly ?? []);
  for (const [option, names] of [
    ['esmOnly', esmOnly],
    ['cjsOnly', cjsOnly],
  ] as const) {
    for (const name of names) {
      if (!(name in options.entry)) throw new Error(`packageBuild: ${option} names ${name}, which is not an entry`);
    }
  }
  const entriesWithout = (skip: Set<string>) =>
    Object.fromEntries(Object.entries(options.entry).filter(([name]) => !skip.has(name)));
  const libraryEntries = entriesWithout(new Set([...esmOnly, ...cjsOnly]));
  const esmEntries = entriesWithout(cjsOnly);
  const cjsEntries = entriesWithout(esmOnly);
  return {
    entry: options.entry,
    format: ['esm', 'cjs'],
    target: 'node20',
    platform: 'node',
    dts: {
      // Declarations must reference the published types of sibling packages, not their sources:
      // dropping the source condition makes `@rlvr/x` resolve to its built `dist/index.d.ts`.
      compilerOptions: { customConditions: [] },
      entry: libraryEntries,
      ...(references.length > 0 ? { banner: references.join('\n') } : {}),
    },
    sourcemap: true,
    clean: true,
    splitting: options.splitting ?? false,
    // `import.meta.url` in the CommonJS build (sources locate their assets and worker scripts with it).
    shims: true,
    external: [/^@rlvr\//],
    esbuildPlugins: [wgslEsbuildPlugin],
    // One esbuild run per format, both given every entry; each drops the entries of the other only.
    esbuildOptions(esbuild, { format }) {
      esbuild.entryPoints = format === 'cjs' ? cjsEntries : esmEntries;
    },
  };
}
