/** The version of @rlvr/trainer, from its package.json, for `rlvr --version`. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = '@rlvr/trainer';

/**
 * The `version` field of this package's package.json. Searched upwards from this module because the
 * package runs from `src/cli/` (tests) and from the bundled `dist/` alike.
 */
export function trainerVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
    }
    dir = dirname(dir);
  }
  throw new Error(
    `${PACKAGE_NAME}: no package.json above ${dirname(fileURLToPath(import.meta.url))} (a broken install?)`,
  );
}
