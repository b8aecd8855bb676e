/**
 * The tokenizer files of a Hugging Face model directory: what a checkpoint or a written model copies
 * from its source model so that it loads, tokenizes, renders chat prompts and stops as the source does.
 * Fast (`tokenizer.json`) and slow (`vocab.json` + `merges.txt`, `tokenizer.model`) tokenizer files
 * alike, the special tokens, the chat template transformers ≥ 4.43 saves on its own, and the EOS list.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** File names a model directory's tokenizer may use, each copied when present. */
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
  'generation_config.json',
  'vocab.json',
  'merges.txt',
  'tokenizer.model',
  'added_tokens.json',
] as const;

/** Paths of the tokenizer files present in `modelDir`, in {@link TOKENIZER_FILES} order. */
export function tokenizerFilesIn(modelDir: string): string[] {
  return TOKENIZER_FILES.map((name) => join(modelDir, name)).filter((path) => existsSync(path));
}

/** Copies the tokenizer files of `fromDir` into `toDir` (created if needed); returns the names copied. */
export function copyTokenizerFiles(fromDir: string, toDir: string): string[] {
  mkdirSync(toDir, { recursive: true });
  return tokenizerFilesIn(fromDir).map((path) => {
    copyFileSync(path, join(toDir, basename(path)));
    return basename(path);
  });
}
