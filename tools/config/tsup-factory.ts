import type { Options } from 'tsup';

/** Options for {@link packageBuild}: the package's entry points and whether it ships a CommonJS build too. */
export interface PackageBuildOptions {
  /** Entry files relative to the package root, e.g. `{ index: 'src/index.ts' }`. */
  entry: Record<string, string>;
  /** Also emit `.cjs` (for consumers that still `require()`); ESM is always emitted. */
  commonjs?: boolean;
  /**
   * Share the code of several ESM entry points (`index`, `testing/index`, …) in chunks instead of
   * bundling it into each, so a class reached from two entries is one class (`instanceof` holds).
   */
  splitting?: boolean;
}

/**
 * The one tsup configuration every @rlvr package builds with: ESM (+ optional CJS), declarations,
 * source maps, and sibling @rlvr packages kept external so each package ships only its own code.
 */
export function packageBuild(options: PackageBuildOptions): Options {
  return {
    entry: options.entry,
    format: options.commonjs ? ['esm', 'cjs'] : ['esm'],
    target: 'node20',
    platform: 'node',
    dts: {
      // Declarations must reference the published types of sibling packages, not their sources:
      // dropping the source condition makes `@rlvr/x` resolve to its built `dist/index.d.ts`.
      compilerOptions: { customConditions: [] },
    },
    sourcemap: true,
    clean: true,
    splitting: options.splitting ?? false,
    external: [/^@rlvr\//],
    loader: { '.wgsl': 'text' },
  };
}
