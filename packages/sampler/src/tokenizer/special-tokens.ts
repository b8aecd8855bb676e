/**
 * Special tokens as transformers reads them: the named ones (`bos_token`, `eos_token`, …) from
 * tokenizer_config.json, falling back to special_tokens_map.json (older tokenizers keep them there
 * only), and the ids put before a plain prompt. The latter follow transformers: `add_bos_token` in
 * tokenizer_config.json, when set, decides (Llama 2, Gemma); otherwise tokenizer.json's post-processor
 * does (Llama 3's TemplateProcessing puts `<|begin_of_text|>` first; Qwen's and SmolLM2's add nothing).
 * @huggingface/tokenizers applies the post-processor when asked to add special tokens but ignores
 * `add_bos_token`, so the post-processor's prefix is read from the library and the flag is applied here.
 */
import type { Tokenizer } from '@huggingface/tokenizers';
import { TokenizerError } from '../errors.js';

/** The single special tokens transformers hands to chat templates, under these names. */
export const SPECIAL_TOKEN_KEYS = [
  'bos_token',
  'eos_token',
  'unk_token',
  'sep_token',
  'pad_token',
  'cls_token',
  'mask_token',
] as const;

/** One of {@link SPECIAL_TOKEN_KEYS}. */
export type SpecialTokenKey = (typeof SPECIAL_TOKEN_KEYS)[number];

/** A special-token entry: a string or an AddedToken dict `{content: ...}`; null when neither. */
export function tokenContent(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return null;
}

/** The special tokens of a tokenizer: tokenizer_config.json's, else special_tokens_map.json's; unset ones absent. */
export function specialTokenValues(
  config: Record<string, unknown>,
  map: Record<string, unknown>,
): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {};
  for (const key of SPECIAL_TOKEN_KEYS) {
    const content = tokenContent(config[key]) ?? tokenContent(map[key]);
    if (content !== null) values[key] = content;
  }
  const extra = config.additional_special_tokens ?? map.additional_special_tokens;
  if (Array.isArray(extra)) {
    values.additional_special_tokens = extra.map(tokenContent).filter((t): t is string => t !== null);
  }
  return values;
}

/** The special ids the post-processor of tokenizer.json puts before a text (read from the library itself). */
function postProcessorPrefix(tokenizer: Tokenizer): number[] {
  const probe = 'a';
  const bare: number[] = tokenizer.encode(probe, { add_special_tokens: false }).ids;
  const full: number[] = tokenizer.encode(probe, { add_special_tokens: true }).ids;
  for (let k = 0; k + bare.length <= full.length; k++) {
    if (bare.every((id, i) => full[k + i] === id)) return full.slice(0, k);
  }
  return [];
}

/** The ids transformers puts before a plain prompt (see the module comment); `file` names tokenizer_config.json. */
export function promptPrefixIds(
  tokenizer: Tokenizer,
  config: Record<string, unknown>,
  bosTokenId: number | null,
  file: string,
): number[] {
  const flag = config.add_bos_token;
  if (flag === undefined || flag === null) return postProcessorPrefix(tokenizer);
  if (typeof flag !== 'boolean') {
    throw new TokenizerError(file, `add_bos_token must be true or false, got ${JSON.stringify(flag)}`);
  }
  if (!flag) return [];
  if (bosTokenId === null) throw new TokenizerError(file, 'add_bos_token is true but there is no bos_token');
  return [bosTokenId];
}
