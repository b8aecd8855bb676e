/**
 * The module-boundary rule works: the repository's ESLint config, through ESLint's Node API, fails an
 * upward or sideways @rlvr import and passes an allowed one. The code is linted in memory under a path
 * inside the package (no fixture file on disk, so nothing for the normal lint or tsc runs to exclude).
 * Also: every package.json's declared @rlvr dependencies obey the same constraints. Run by
 * @rlvr/core's `lint` script (so by `npm run lint` and `npm test`), or `node --test tools/lint/module-boundaries.test.mjs`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';
import { BOUNDARY_RULES, mayDependOn, readProjects, workspaceRoot } from './layers.js';

const eslint = new ESLint({ cwd: workspaceRoot });

/** Lint `code` as if it were packages/<dir>/<file>; the boundary messages it gets. */
async function boundaryErrors(dir, code, file = 'src/__module-boundary-probe__.ts') {
  const filePath = join(workspaceRoot, 'packages', dir, file);
  const [result] = await eslint.lintText(code, { filePath });
  assert.ok(result, 'ESLint returned no result');
  // A probe that the config ignores, or that does not parse, proves nothing.
  assert.equal(result.messages.filter((m) => m.fatal || !m.ruleId).length, 0, JSON.stringify(result.messages));
  return result.messages.filter((m) => BOUNDARY_RULES.includes(m.ruleId) && m.message.includes('Module boundary:'));
}

describe('module boundaries (tools/lint/layers.js)', () => {
  it('fails an upward import: weights → trainer', async () => {
    const errors = await boundaryErrors('weights', "import { runTraining } from '@rlvr/trainer';\nexport const f = runTraining;\n");
    assert.equal(errors.length, 1);
    assert.equal(errors[0].ruleId, 'no-restricted-imports');
    assert.equal(errors[0].severity, 2);
    assert.match(errors[0].message, /@rlvr\/weights .* may not import @rlvr\/trainer/);
  });

  it('fails every form of an upward import: type-only, re-export, subpath, relative path, dynamic, require', async () => {
    const code = [
      "import type { StepMetrics } from '@rlvr/trainer';",
      "export { runTraining } from '@rlvr/trainer';",
      "export * from '@rlvr/trainer/package.json';",
      "import { x } from '../../trainer/src/index.js';",
      "export const later = () => import('@rlvr/trainer');",
      "export type T = typeof import('@rlvr/trainer');",
      'export type M = StepMetrics;',
      'export const y = x;',
    ].join('\n');
    const errors = await boundaryErrors('weights', code);
    assert.deepEqual(
      errors.map((e) => e.line),
      [1, 2, 3, 4, 5, 6],
      JSON.stringify(errors),
    );
    const cjs = await boundaryErrors('weights', "const t = require('@rlvr/trainer');\nmodule.exports = t;\n", 'scripts/probe.cjs');
    assert.equal(cjs.length, 1);
  });

  it('fails a sideways import between lib packages: sampler → kernels, verifiers → weights', async () => {
    assert.equal((await boundaryErrors('sampler', "import { x } from '@rlvr/kernels';\nexport const y = x;\n")).length, 1);
    assert.equal((await boundaryErrors('verifiers', "import { x } from '@rlvr/weights';\nexport const y = x;\n", 'test/probe.test.ts')).length, 1);
  });

  it('fails weights → core (weights has zero runtime dependencies) and core → anything', async () => {
    assert.equal((await boundaryErrors('weights', "import { x } from '@rlvr/core';\nexport const y = x;\n")).length, 1);
    assert.equal((await boundaryErrors('core', "import { x } from '@rlvr/sampler';\nexport const y = x;\n")).length, 1);
  });

  it('passes allowed imports: a lib onto core, the trainer onto every layer, a package onto itself', async () => {
    assert.deepEqual(await boundaryErrors('kernels', "import { x } from '@rlvr/core';\nimport { y } from './local.js';\nexport const z = [x, y];\n"), []);
    assert.deepEqual(await boundaryErrors('sampler', "import type { X } from '@rlvr/core';\nexport type Y = X;\n"), []);
    const trainer = ['core', 'weights', 'verifiers', 'sampler', 'kernels', 'trainer'].map((dir, i) => `import { x${i} } from '@rlvr/${dir}';`).join('\n');
    assert.deepEqual(await boundaryErrors('trainer', `${trainer}\nexport const all = [x0, x1, x2, x3, x4, x5];\n`), []);
  });

  it('every package.json declares only @rlvr dependencies that its layer allows', () => {
    const projects = readProjects();
    const byName = new Map(projects.map((p) => [p.name, p]));
    const violations = projects.flatMap((source) => source.dependencies.filter((name) => byName.has(name) && !mayDependOn(source, byName.get(name))).map((name) => `${source.name} → ${name}`));
    assert.deepEqual(violations, []);
  });
});
