/**
 * Every @rlvr package as npm publishes it: tools/scripts/check-tarballs.mjs packs the built packages,
 * installs the tarballs into a new project and checks import, require(), a real call of each, the
 * subpath exports and the consumer's tsc (nodenext, .ts and .cts), with the Node.js running this test.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const script = join(repo, 'tools', 'scripts', 'check-tarballs.mjs');
// Nx builds every package before this one's tests (test dependsOn build and ^build); a bare jest run
// without builds skips, loudly, rather than failing on missing files.
const unbuilt = readdirSync(join(repo, 'packages')).filter((dir) => !existsSync(join(repo, 'packages', dir, 'dist', 'index.cjs')));
if (unbuilt.length > 0) console.warn(`SKIPPED: the tarball check needs every package built (missing: ${unbuilt.join(', ')}); run \`npx nx run-many -t build\` first.`);

(unbuilt.length === 0 ? describe : describe.skip)('the npm tarballs (tools/scripts/check-tarballs.mjs)', () => {
  // The limit is a hang guard, not a timing: the check packs, installs ≈ 500 MB of dependencies from
  // npm's cache and starts a dozen processes.
  test('install into an empty project; import, require, a real call and tsc work for every package', async () => {
    let output: string;
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [script, '--no-build'], { cwd: repo, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      output = stdout + stderr;
    } catch (error) {
      const failure = error as { stdout?: string; stderr?: string; message: string };
      output = `${failure.stdout ?? ''}${failure.stderr ?? ''}\n${failure.message}`;
    }
    // The failing checks by name (the script prints `failed: <check>` for each); the whole log on failure.
    const failed = output.split('\n').filter((line) => line.startsWith('failed: '));
    if (failed.length > 0 || !output.includes('tarball check: passed')) console.log(output);
    expect(failed).toEqual([]);
    expect(output).toContain('tarball check: passed');
  }, 600_000);
});
