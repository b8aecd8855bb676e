/**
 * The one place that defines which @rlvr package may import which (DESIGN.md, "Packages and layers").
 *
 * Each package declares its layer as Nx tags in its package.json (`"nx": {"tags": [...]}`); the
 * constraints below say which tags a package with a given tag may depend on, in the shape of
 * `@nx/enforce-module-boundaries`' `depConstraints`. Why not that rule itself: the only published
 * @nx/eslint-plugin versions (≤ 23.x) pin nx 23 and would install a second nx next to our nx 24 plus
 * @nx/js and Babel (≈ 780 packages). So the constraints are compiled here into ESLint's built-in
 * `no-restricted-imports` (static imports and re-exports, including `import type`) and
 * `no-restricted-syntax` (dynamic `import()`, `require()`, `import('…')` types), one config block per
 * package; eslint.config.js spreads `boundaryConfigs()` in. Should a matching plugin appear, the
 * same tags and `depConstraints` move over unchanged.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in tools/lint/). */
export const workspaceRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Which tags a package carrying `sourceTag` may depend on; a dependency must carry at least one of
 * `onlyDependOnLibsWithTags` (an empty list: no @rlvr dependency at all). A package must satisfy every
 * constraint whose `sourceTag` it carries, as in Nx. Importing itself is always allowed.
 */
export const depConstraints = [
  // @rlvr/trainer: the only place where packages meet.
  { sourceTag: 'layer:app', onlyDependOnLibsWithTags: ['layer:lib', 'layer:core'] },
  // weights, verifiers, sampler, kernels: never each other, never the trainer; core is allowed.
  { sourceTag: 'layer:lib', onlyDependOnLibsWithTags: ['layer:core'] },
  // @rlvr/core: the bottom, zero dependencies.
  { sourceTag: 'layer:core', onlyDependOnLibsWithTags: [] },
  // @rlvr/weights: "ZERO runtime dependencies" (`npm i @rlvr/weights` pulls nothing else), so not even core.
  { sourceTag: 'deps:none', onlyDependOnLibsWithTags: [] },
];

/** Every package must carry exactly one of these, so a new package cannot slip past the rule. */
export const layerTags = ['layer:app', 'layer:lib', 'layer:core'];

/**
 * The workspace packages: `{dir, name, tags}` from packages/<dir>/package.json. Throws when a package
 * has no layer tag or more than one.
 */
export function readProjects(root = workspaceRoot) {
  const packagesDir = join(root, 'packages');
  const projects = [];
  for (const dir of readdirSync(packagesDir).sort()) {
    const file = join(packagesDir, dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    const tags = pkg.nx?.tags ?? [];
    const layers = tags.filter((tag) => layerTags.includes(tag));
    if (layers.length !== 1) {
      throw new Error(
        `${file}: "nx.tags" must hold exactly one of ${layerTags.join(', ')} (see tools/lint/layers.js); found ${JSON.stringify(tags)}`,
      );
    }
    projects.push({ dir, name: pkg.name, tags, dependencies: Object.keys(pkg.dependencies ?? {}) });
  }
  return projects;
}

/** Whether `source` may depend on `target` under `depConstraints`. */
export function mayDependOn(source, target) {
  if (source.name === target.name) return true;
  return depConstraints
    .filter((c) => source.tags.includes(c.sourceTag))
    .every((c) => c.onlyDependOnLibsWithTags.some((tag) => target.tags.includes(tag)));
}

/** The packages that `source` may not import. */
export function forbiddenFor(source, projects) {
  return projects.filter((target) => !mayDependOn(source, target));
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The ESLint rules that carry the boundary messages (all contain "Module boundary:"). */
export const BOUNDARY_RULES = ['no-restricted-imports', 'no-restricted-syntax'];

/** Flat-config blocks, one per package that has forbidden imports. */
export function boundaryConfigs(root = workspaceRoot) {
  const projects = readProjects(root);
  const blocks = [];
  for (const source of projects) {
    const forbidden = forbiddenFor(source, projects);
    if (forbidden.length === 0) continue;
    const why = (target) =>
      `Module boundary: ${source.name} [${source.tags.join(', ')}] may not import ${target.name} [${target.tags.join(', ')}]; the layers are in DESIGN.md and tools/lint/layers.js.`;
    const patterns = forbidden.flatMap((target) => [
      // The package by name, or a subpath of it.
      { regex: `^${escape(target.name)}(/.*)?$`, message: why(target) },
      // Its files by a relative path out of this package (../../<dir>/src/…, ../packages/<dir>/dist/…).
      {
        regex: `^(\\.\\./)+(packages/)?${escape(target.dir)}/(src|dist|test|bench|scripts|package\\.json)(/|$)`,
        message: why(target),
      },
    ]);
    const names = forbidden.map((target) => escape(target.name)).join('|');
    const specifier = `/^(${names})(\\/|$)/`;
    const dynamicMessage = `Module boundary: ${source.name} [${source.tags.join(', ')}] may not load ${forbidden.map((t) => t.name).join(', ')}; the layers are in DESIGN.md and tools/lint/layers.js.`;
    blocks.push({
      name: `rlvr/module-boundaries/${source.dir}`,
      files: [`packages/${source.dir}/**/*.{ts,mts,cts,tsx,js,mjs,cjs}`],
      rules: {
        'no-restricted-imports': ['error', { patterns }],
        'no-restricted-syntax': [
          'error',
          { selector: `ImportExpression[source.value=${specifier}]`, message: dynamicMessage },
          {
            selector: `CallExpression[callee.name='require'][arguments.0.value=${specifier}]`,
            message: dynamicMessage,
          },
          { selector: `TSImportType[argument.literal.value=${specifier}]`, message: dynamicMessage },
          { selector: `TSExternalModuleReference[expression.value=${specifier}]`, message: dynamicMessage },
        ],
      },
    });
  }
  return blocks;
}
