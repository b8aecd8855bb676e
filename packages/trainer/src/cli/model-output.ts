/**
 * The output directory of a command that writes a model (`rlvr pretrain --out`): never a model it
 * reads nor the embedded assets (or inside or around them), and never an existing directory unless
 * `--overwrite`, which removes only the files a model directory holds.
 */
import { MODEL_FILES } from '@rlvr/core';
import { TOKENIZER_FILES } from '../checkpoint/tokenizer-files.js';
import { embeddedAssetPath } from '../models/embedded.js';
import { CliError } from './cli-error.js';
import { clearOwnFiles, entriesOf, isFileOrTemp } from './clear-directory.js';
import { refuseDirectoryOverlap, type NamedPath } from './output-paths.js';
import { requireWritableDir } from './write-output.js';

/** What a written model directory holds: weights, configs, tokenizer files and how it was made. */
const MODEL_DIRECTORY_FILES = [...Object.values(MODEL_FILES), ...TOKENIZER_FILES, 'PROVENANCE.md'];

/** Check (and with `overwrite`, clear) the model output directory `out` before any work; see the module comment. */
export function prepareModelOutput(
  out: NamedPath,
  options: {
    overwrite: boolean;
    readModels: readonly NamedPath[];
    inputs: readonly NamedPath[];
    overwriteCommand: string;
  },
): void {
  refuseDirectoryOverlap(
    out,
    [...options.readModels, { flag: 'the embedded assets', path: embeddedAssetPath('.', 'embedded assets') }],
    'a model directory it reads is never written into',
  );
  const entries = entriesOf(out.path);
  if (entries.includes('.')) throw new CliError(out.flag, `${out.path} is a file, not a directory`);
  if (entries.length > 0) {
    if (!options.overwrite) {
      throw new CliError(
        out.flag,
        `${out.path} is not empty; choose a new directory, or replace the model in it with \`${options.overwriteCommand}\``,
      );
    }
    clearOwnFiles(out, { isOwn: (name) => isFileOrTemp(name, MODEL_DIRECTORY_FILES) }, options.inputs);
  }
  requireWritableDir(out.path, 'nothing was trained');
}
