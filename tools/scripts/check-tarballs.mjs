#!/usr/bin/env node
/**
 * The published packages, as a consumer gets them: build, `npm pack` every workspace package into a
 * temporary folder, install all the tarballs into a new empty project (outside the repository, with
 * onnxruntime-node's CUDA download skipped), then for every package and subpath export:
 * - the tarball holds LICENSE, README.md and every file that its `exports`/`bin` name;
 * - `import` resolves to the ESM build and `require()` to the CommonJS build, and both do real work
 *   (an advantage, a graded answer, a model directory read back, rollouts from an ONNX model, the cpu
 *   backend's log-probabilities, the trainer's library and `rlvr` command);
 * - a class reached from two entry points of one package is one class (`instanceof` holds);
 * - Dawn's addon (`webgpu`) loads from both builds;
 * - `tsc --noEmit` (this repository's TypeScript, `module`/`moduleResolution` nodenext, strict,
 *   `skipLibCheck: false`) finds no error in a consumer `.ts` (ESM, `import`) and `.cts` (CommonJS,
 *   `require`) file that use every package, including WebGPU's global types through @rlvr/kernels'
 *   declarations, nor in the packages' own declarations (errors inside other packages' are listed).
 *
 * Usage: node tools/scripts/check-tarballs.mjs [--no-build] [--node <node binary>] [--keep]
 *   --no-build  use the packages' current dist/ (the test suite's case: Nx has built them)
 *   --node      run the consumer's code with this Node.js binary (default: the one running this script)
 *   --keep      keep the temporary folder (its path is printed)
 * Exit code 0 when every check passes; each failure is printed and named again at the end.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values: args } = parseArgs({
  options: { 'no-build': { type: 'boolean' }, node: { type: 'string' }, keep: { type: 'boolean' } },
});
const node = args.node ?? process.execPath;
const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const failures = [];

/** The environment of every child process: the caller's, without npm's per-run settings (npm test → nx → here). */
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
/**
 * A consumer's install: onnxruntime-node's install script would download ONNX Runtime's CUDA provider
 * from NuGet on Linux x64 (and fail the whole install without internet); `ONNXRUNTIME_NODE_INSTALL=skip`
 * stops it (onnxruntime-node 1.30's script/install-utils.js reads it), as the README's Install sections say.
 */
const installEnv = { ...baseEnv, ONNXRUNTIME_NODE_INSTALL: 'skip' };

function run(command, argv, options = {}) {
  const result = spawnSync(command, argv, { encoding: 'utf8', env: baseEnv, maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${argv.join(' ')} failed (${result.signal ?? `exit ${result.status}`}):\n${result.stdout ?? ''}${result.stderr ?? ''}`,
    );
  }
  return result.stdout;
}

function check(name, fn) {
  try {
    fn();
    console.log(`ok    ${name}`);
  } catch (error) {
    failures.push(name);
    console.log(`FAIL  ${name}\n${String(error?.message ?? error).replace(/^/gm, '      ')}`);
  }
}

const packages = readdirSync(join(root, 'packages'))
  .filter((dir) => existsSync(join(root, 'packages', dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);

/** Build, pack, install, check; exits with 0 when every check passed. */
function main() {
  if (!args['no-build']) {
    console.log('building every package (nx run-many -t build)');
    run('npx', ['nx', 'run-many', '-t', 'build', '--output-style=static'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...baseEnv, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
    });
  }

  const work = mkdtempSync(join(tmpdir(), 'rlvr-tarballs-'));
  const tarballs = join(work, 'tarballs');
  const consumer = join(work, 'consumer');
  mkdirSync(tarballs);
  mkdirSync(consumer);

  try {
    // 1. Pack every package (one npm process for all workspaces).
    const packed = JSON.parse(
      run('npm', ['pack', '--workspaces', '--json', '--pack-destination', tarballs], { cwd: root }),
    );
    console.log(`packed ${packed.length} packages (${seconds()})`);
    for (const { dir, manifest } of packages) {
      check(`${manifest.name}: tarball holds LICENSE, README.md and every file its exports and bin name`, () => {
        const entry = packed.find((p) => p.name === manifest.name);
        if (entry === undefined) throw new Error(`npm pack produced no tarball for ${manifest.name} (packages/${dir})`);
        const files = new Set(entry.files.map((f) => f.path));
        const wanted = [
          'LICENSE',
          'README.md',
          'package.json',
          ...exportTargets(manifest),
          ...Object.values(typeof manifest.bin === 'string' ? { bin: manifest.bin } : (manifest.bin ?? {})),
        ];
        const missing = [...new Set(wanted.map((p) => p.replace(/^\.\//, '')))].filter((p) => !files.has(p));
        if (missing.length > 0) throw new Error(`missing from ${entry.filename}: ${missing.join(', ')}`);
      });
    }

    // 2. An empty consumer project with every tarball installed (plus @types/node, which any consumer's
    // tsc needs for the Node.js types that the declarations use). `overrides` pins the @rlvr packages
    // to the tarballs, so that the exact @rlvr dependencies between them are never looked up in a registry.
    const tgz = Object.fromEntries(packed.map((p) => [p.name, `file:${join(tarballs, p.filename)}`]));
    const typesNode = JSON.parse(
      readFileSync(join(root, 'node_modules', '@types', 'node', 'package.json'), 'utf8'),
    ).version;
    writeFileSync(
      join(consumer, 'package.json'),
      `${JSON.stringify({ name: 'rlvr-consumer', version: '0.0.0', private: true, type: 'module', dependencies: { ...tgz, '@types/node': typesNode }, overrides: tgz }, null, 2)}\n`,
    );
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
      cwd: consumer,
      env: installEnv,
    });
    console.log(`installed the tarballs into ${consumer} (${seconds()})`);

    // 3. The same checks through `import` (check.mjs) and `require()` (check.cjs), each in its own process.
    writeFileSync(
      join(consumer, 'check.mjs'),
      [
        "import { createRequire } from 'node:module';",
        'const builtin = createRequire(import.meta.url);',
        'const load = (name) => import(name);',
        'const resolve = (name) => import.meta.resolve(name);',
        "const BUILD = '.js';",
        CHECKS,
        'await main();',
      ].join('\n'),
    );
    writeFileSync(
      join(consumer, 'check.cjs'),
      [
        'const builtin = require;',
        'const load = async (name) => require(name);',
        "const resolve = (name) => require('node:url').pathToFileURL(require.resolve(name)).href;",
        "const BUILD = '.cjs';",
        CHECKS,
        'main().catch((error) => { console.error(error); process.exitCode = 1; });',
      ].join('\n'),
    );
    writeFileSync(
      join(consumer, 'dawn.mjs'),
      `${DAWN}\nconst { probeAdapter } = await import('@rlvr/kernels');\nawait main(probeAdapter);\n`,
    );
    writeFileSync(
      join(consumer, 'dawn.cjs'),
      `${DAWN}\nmain(require('@rlvr/kernels').probeAdapter).catch((error) => { console.error(error); process.exitCode = 1; });\n`,
    );
    const version = run(node, ['--version']).trim();
    for (const [file, system] of [
      ['check.mjs', 'import'],
      ['check.cjs', 'require'],
    ]) {
      const out = spawnSync(node, [file], {
        cwd: consumer,
        encoding: 'utf8',
        env: { ...baseEnv, RLVR_BACKEND: 'cpu' },
      });
      const lines = out.stdout.split('\n');
      lines.forEach((line, i) => {
        if (!line.startsWith('ok ') && !line.startsWith('fail ')) return;
        const [status, name, ...rest] = line.split(' ');
        check(`${name}: ${system} (Node ${version}): ${rest.join(' ')}`, () => {
          if (status === 'ok') return;
          const end = lines.findIndex((l, j) => j > i && !l.startsWith('  | '));
          throw new Error(
            lines
              .slice(i + 1, end < 0 ? undefined : end)
              .map((l) => l.slice(4))
              .join('\n'),
          );
        });
      });
      check(`${system} (Node ${version}): every check ran`, () => {
        if (out.status !== 0 || !out.stdout.includes('\ndone\n')) {
          throw new Error(`${file} ended with ${out.signal ?? `exit ${out.status}`}:\n${out.stdout}${out.stderr}`);
        }
      });
    }
    for (const [file, system] of [
      ['dawn.mjs', 'import'],
      ['dawn.cjs', 'require'],
    ]) {
      check(`@rlvr/kernels: ${system} (Node ${version}): Dawn's addon (webgpu) loads`, () => {
        const out = run(node, [file], { cwd: consumer });
        if (!out.includes('dawn loaded')) throw new Error(out);
      });
    }
    check(`@rlvr/trainer: the rlvr executable (Node ${version}) prints its version`, () => {
      const out = run(node, [join(consumer, 'node_modules', '.bin', 'rlvr'), '--version'], { cwd: consumer });
      const trainer = packages.find((p) => p.manifest.name === '@rlvr/trainer');
      if (!out.includes(trainer.manifest.version)) throw new Error(`rlvr --version printed ${JSON.stringify(out)}`);
    });

    // 4. Types, as a consumer's tsc sees them (this repository's TypeScript).
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      `${JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2023'], strict: true, noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['types-esm.ts', 'types-cjs.cts'] }, null, 2)}\n`,
    );
    writeFileSync(join(consumer, 'types-esm.ts'), TYPES_ESM);
    writeFileSync(join(consumer, 'types-cjs.cts'), TYPES_CJS);
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const tsVersion = run(process.execPath, [tsc, '--version']).trim();
    check(`types: tsc --noEmit (${tsVersion}, nodenext) of an importing .ts and a requiring .cts consumer`, () => {
      const out = spawnSync(process.execPath, [tsc, '-p', consumer, '--listFiles', '--pretty', 'false'], {
        cwd: consumer,
        encoding: 'utf8',
        env: baseEnv,
      });
      const listed = out.stdout.split('\n');
      // Errors in this repository's declarations or the consumer's files fail; those inside other
      // packages' declarations are theirs: @webgpu/types names DOM types (VideoFrame, ImageBitmap …), so a
      // consumer without the DOM lib needs skipLibCheck (tsc --init's default), as the kernels README says.
      const errors = listed.filter((line) => / error TS\d+:/.test(line));
      const ours = errors.filter((line) => !line.startsWith('node_modules/') || line.startsWith('node_modules/@rlvr/'));
      if (ours.length > 0 || (out.status !== 0 && errors.length === 0)) {
        throw new Error(`${ours.join('\n')}\n${out.stderr}`);
      }
      const theirs = new Set(errors.filter((line) => !ours.includes(line)).map((line) => line.replace(/\(.*/, '')));
      if (theirs.size > 0) {
        console.log(`      (${errors.length - ours.length} errors inside ${[...theirs].join(', ')}: not ours)`);
      }
      // Both declaration flavours were used: .d.ts for the importing file, .d.cts for the requiring one.
      for (const { manifest } of packages) {
        for (const ext of ['.d.ts', '.d.cts']) {
          const file = `node_modules/${manifest.name}/dist/index${ext}`;
          if (!listed.some((line) => line.endsWith(file))) throw new Error(`tsc did not read ${file}`);
        }
      }
      if (!listed.some((line) => line.includes('node_modules/@webgpu/types/'))) {
        throw new Error('tsc did not read @webgpu/types');
      }
    });
  } catch (error) {
    failures.push('setup');
    console.log(`FAIL  setup\n${String(error?.stack ?? error).replace(/^/gm, '      ')}`);
  } finally {
    if (args.keep) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }

  for (const name of failures) console.log(`failed: ${name}`);
  console.log(`tarball check: ${failures.length === 0 ? 'passed' : `${failures.length} failed`} (${seconds()})`);
  process.exit(failures.length === 0 ? 0 : 1);
}

/** Every file that a package.json `exports` map names (all conditions except the in-repo source one). */
function exportTargets(manifest) {
  const out = [];
  const walk = (value, condition) => {
    if (typeof value === 'string') {
      if (condition !== '@rlvr/source') out.push(value);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) walk(inner, key);
    }
  };
  walk(manifest.exports, '');
  return out;
}

/**
 * Runs in the consumer, once as ESM (`load` = import) and once as CommonJS (`load` = require; each file
 * defines `builtin`, `load`, `resolve` and `BUILD`, the extension its entry points must have); prints
 * `ok <package> <what>` or `fail <package> <what>` per check and `done` at the end.
 */
const CHECKS = String.raw`
const assert = builtin('node:assert/strict');
const { mkdtempSync, rmSync } = builtin('node:fs');
const { tmpdir } = builtin('node:os');
const { join } = builtin('node:path');

async function step(pkg, what, fn) {
  try {
    await fn();
    console.log('ok ' + pkg + ' ' + what);
  } catch (error) {
    console.log('fail ' + pkg + ' ' + what);
    console.log(String(error && error.stack || error).replace(/^/gm, '  | '));
  }
}

/** The entry point is this module system's build: .js for import, .cjs for require. */
async function entry(name) {
  const url = resolve(name);
  assert.ok(url.endsWith(BUILD), name + ' resolved to ' + url + ', not a ' + BUILD + ' file');
  return await load(name);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'rlvr-consumer-'));
  try {
    await step('@rlvr/weights', 'linear-r advantages of two groups of 4', async () => {
      const { groupAdvantages } = await entry('@rlvr/weights');
      assert.deepEqual(Array.from(groupAdvantages([1, 0, 0, 0, 0, 0, 0, 0], 4, 'linear-r')), [3, -1, -1, -1, -1, -1, -1, -1]);
    });

    await step('@rlvr/verifiers', 'grades MATH answers (own parser and compute-engine), in process and in the worker pool', async () => {
      const { math, VerifierPool } = await entry('@rlvr/verifiers');
      const verifier = math();
      const result = verifier.verify('so the answer is $\\boxed{\\dfrac{\\sqrt3}{2}}$.', verifier.parseReference('\\frac{\\sqrt{3}}{2}'));
      assert.equal(result.reward, 1);
      assert.equal(verifier.verify('the answer is $\\boxed{3}$', verifier.parseReference('4')).correct, false);
      // \lfloor is not read by the own parser: this goes through @cortex-js/compute-engine.
      assert.equal(verifier.verify('the answer is $\\boxed{\\lfloor 2.5 \\rfloor}$', verifier.parseReference('2')).correct, true);
      assert.equal(verifier.verify('the answer is $\\boxed{\\lfloor 2.5 \\rfloor}$', verifier.parseReference('3')).correct, false);
      const pool = new VerifierPool({ threads: 1 });
      try {
        const scored = await pool.score([{ verifier: 'math', completion: 'the answer is $\\boxed{0.5}$', reference: '\\frac12' }]);
        assert.equal(scored[0].reward, 1);
      } finally {
        await pool.close();
      }
    });

    const core = await entry('@rlvr/core');
    const config = core.parseDecoderConfig({
      model_type: 'llama', hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1,
      intermediate_size: 32, vocab_size: 40, max_position_embeddings: 64, tie_word_embeddings: true, rms_norm_eps: 1e-5,
    });
    const weights = core.initWeights(config, 1, 0.1);
    await step('@rlvr/core', 'writes a model directory and reads it back', async () => {
      core.writeModelDirectory(join(dir, 'model'), config, weights);
      const back = core.readModelDirectory(join(dir, 'model'));
      assert.equal(core.parameterCount(back.config), core.parameterCount(config));
      for (const [name, tensor] of Object.entries(weights)) assert.deepEqual(Array.from(back.weights[name].data), Array.from(tensor.data), name);
    });

    await step('@rlvr/sampler', 'generates rollouts from a tiny ONNX model (onnxruntime-node)', async () => {
      const { loadModelDir, Sampler } = await entry('@rlvr/sampler');
      const { tinyModel, writeModelDir } = await entry('@rlvr/sampler/testing');
      writeModelDir(join(dir, 'tiny'), tinyModel());
      const { model, tokenizer } = await loadModelDir(join(dir, 'tiny'));
      const rollouts = await new Sampler(model, tokenizer).generate(['Using the numbers [3, 5, 7]'], { groupSize: 2, maxNewTokens: 4, seed: 1 });
      assert.equal(rollouts.length, 2);
      for (const r of rollouts) assert.ok(r.logprobs.length >= 1 && Array.from(r.logprobs).every(Number.isFinite));
    });

    await step('@rlvr/kernels', 'the cpu backend computes finite token log-probabilities', async () => {
      const { createDecoderModel } = await entry('@rlvr/kernels');
      const model = await createDecoderModel({ config, weights, backend: 'cpu', log: null });
      const tokens = Int32Array.from([1, 5, 7, 2]);
      const { logprob } = await model.tokenLogprobs(tokens, Int32Array.from([1, 1, 1, 1]), 1, 4);
      assert.equal(logprob.length, 3);
      assert.ok(Array.from(logprob).every((x) => Number.isFinite(x) && x < 0));
    });

    await step('@rlvr/kernels', 'the testing and reference subpaths load and share the root classes', async () => {
      const { KernelsError } = await entry('@rlvr/kernels');
      const testing = await entry('@rlvr/kernels/testing');
      const reference = await entry('@rlvr/kernels/reference');
      assert.equal(typeof testing.matmulTolerance, 'function');
      assert.throws(() => reference.ropeTables(), (error) => error instanceof KernelsError);
    });

    await step('@rlvr/trainer', 'exports runTraining and evaluate; runCli prints advantages', async () => {
      const trainer = await entry('@rlvr/trainer');
      assert.equal(typeof trainer.runTraining, 'function');
      assert.equal(typeof trainer.evaluate, 'function');
      let out = '';
      const io = { stdout: { write: (s) => { out += s; return true; } }, stderr: { write: () => true } };
      const code = await trainer.runCli(['weights', '--weighting', 'linear-r', '--group-size', '4', '--rewards', '1,0,0,0,0,0,0,0'], io);
      assert.equal(code, 0);
      assert.deepEqual(JSON.parse(out).advantages, [3, -1, -1, -1, -1, -1, -1, -1]);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('done');
}
`;

/** Loads Dawn through @rlvr/kernels (its own process: Dawn and ONNX Runtime are kept apart, as in the test suite). */
const DAWN = String.raw`
async function main(probeAdapter) {
  const probe = await probeAdapter();
  // found: an adapter; otherwise the reason must be the adapter, not the addon failing to load.
  if (!probe.found && /cannot load the webgpu addon/.test(probe.reason)) throw new Error(probe.reason);
  console.log('dawn loaded: ' + (probe.found ? 'adapter found' : probe.reason));
}
`;

/** A consumer's ES module: every package and subpath, and WebGPU's global types through @rlvr/kernels. */
const TYPES_ESM = `import { groupAdvantages, type Weighting } from '@rlvr/weights';
import { math, VerifierPool, type Verifier } from '@rlvr/verifiers';
import { parseDecoderConfig, readModelDirectory, type DecoderConfig } from '@rlvr/core';
import { Sampler, loadModelDir, type Rollout } from '@rlvr/sampler';
import { tinyModel } from '@rlvr/sampler/testing';
import { createDecoderModel, GpuDevice, KernelsError, type DecoderModel } from '@rlvr/kernels';
import { matmulTolerance } from '@rlvr/kernels/testing';
import { ropeTables } from '@rlvr/kernels/reference';
import { evaluate, runTraining, TrainerError } from '@rlvr/trainer';

type IsAny<T> = 0 extends 1 & T ? true : false;

export const advantages: Float32Array = groupAdvantages([1, 0], 2, 'grpo');
export let weighting: Weighting | undefined;
export const verifier: Verifier = math();
export const pool: typeof VerifierPool = VerifierPool;
export const config: DecoderConfig = parseDecoderConfig({});
export const read: typeof readModelDirectory = readModelDirectory;
export let rollouts: Rollout[] = [];
export const sampler: typeof Sampler = Sampler;
export const load: typeof loadModelDir = loadModelDir;
export const tiny = tinyModel;
export const model: Promise<DecoderModel> = createDecoderModel({ config, weights: {}, backend: 'cpu' });
// WebGPU's global types come with @rlvr/kernels' declarations (none of this file's own settings names them).
export let device: GPUDevice | undefined = undefined as unknown as GpuDevice['device'];
export const deviceTyped: IsAny<GpuDevice['device']> = false;
export const tolerance = matmulTolerance;
export const tables = ropeTables;
export const errors: [typeof KernelsError, typeof TrainerError] = [KernelsError, TrainerError];
export const loop: [typeof runTraining, typeof evaluate] = [runTraining, evaluate];
`;

/** A consumer's CommonJS module: the same packages through require(). */
const TYPES_CJS = `import weights = require('@rlvr/weights');
import verifiers = require('@rlvr/verifiers');
import core = require('@rlvr/core');
import sampler = require('@rlvr/sampler');
import samplerTesting = require('@rlvr/sampler/testing');
import kernels = require('@rlvr/kernels');
import kernelsTesting = require('@rlvr/kernels/testing');
import kernelsReference = require('@rlvr/kernels/reference');
import trainer = require('@rlvr/trainer');

type IsAny<T> = 0 extends 1 & T ? true : false;

const advantages: Float32Array = weights.groupAdvantages([1, 0], 2, 'grpo');
const verifier: verifiers.Verifier = verifiers.math();
const config: core.DecoderConfig = core.parseDecoderConfig({});
let rollouts: sampler.Rollout[] = [];
const tiny = samplerTesting.tinyModel;
const model: Promise<kernels.DecoderModel> = kernels.createDecoderModel({ config, weights: {}, backend: 'cpu' });
let device: GPUDevice | undefined = undefined as unknown as kernels.GpuDevice['device'];
const deviceTyped: IsAny<kernels.GpuDevice['device']> = false;
const tolerance = kernelsTesting.matmulTolerance;
const tables = kernelsReference.ropeTables;
const loop: [typeof trainer.runTraining, typeof trainer.evaluate] = [trainer.runTraining, trainer.evaluate];
export = { advantages, verifier, config, rollouts, tiny, model, device, deviceTyped, tolerance, tables, loop };
`;

main();
