/**
 * The model directories shipped inside @rlvr/trainer (`assets/`): the Countdown base model of the
 * from-scratch regime and its SFT'd counterpart, and the search base model of `rlvr demo` (whose
 * thought is a full search; pretrain/countdown-search-corpus.ts), each a complete Hugging Face-style directory with
 * its tokenizer and a PROVENANCE.md naming the command that reproduces it. A config's `model.path`
 * of `null` means the base model; `embedded:NAME` names one of them. (`assets/countdown-problems/`
 * holds the frozen problem sets of src/tasks/frozen-problems.ts, found the same way.)
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../config/config-error.js';
import { TrainerError } from '../errors.js';

/** Names of the embedded models. */
export const EMBEDDED_MODEL_NAMES = [
  'countdown-base',
  'countdown-sft',
  'countdown-search-base',
  'choice-base',
] as const;
/** One embedded model's name. */
export type EmbeddedModelName = (typeof EMBEDDED_MODEL_NAMES)[number];

/** The `model.path` prefix that selects an embedded model. */
export const EMBEDDED_PREFIX = 'embedded:';

/**
 * The path of `assets/<relative>` inside the package (a model's config.json, a frozen problem set).
 * Searched upwards from this module because the package runs from `src/` (tests) and from the bundled
 * `dist/` alike; both sit one level under the package root. `what` names the asset in the error.
 */
export function embeddedAssetPath(relative: string, what: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++) {
    const candidate = join(dir, 'assets', relative);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new TrainerError(
    `${what}: no assets/${relative} above ${dirname(fileURLToPath(import.meta.url))} (a broken install?)`,
  );
}

/** The directory of an embedded model (see {@link embeddedAssetPath}). */
export function embeddedModelDir(name: EmbeddedModelName): string {
  return dirname(embeddedAssetPath(`${name}/config.json`, `embedded model ${name}`));
}

/** The model directory a config's `model.path` stands for: null → the base model, `embedded:NAME`, or a directory as given. */
export function resolveModelPath(path: string | null): string {
  if (path === null) return embeddedModelDir('countdown-base');
  if (!path.startsWith(EMBEDDED_PREFIX)) return path;
  const name = path.slice(EMBEDDED_PREFIX.length);
  if (!(EMBEDDED_MODEL_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError(
      'model.path',
      `unknown embedded model "${name}"; expected one of ${EMBEDDED_MODEL_NAMES.map((n) => EMBEDDED_PREFIX + n).join(', ')}`,
    );
  }
  return embeddedModelDir(name as EmbeddedModelName);
}
