/**
 * Generates a small byte-level BPE `tokenizer.json` (+ `tokenizer_config.json` with a ChatML chat
 * template) for the project's tiny models. Byte-level BPE because @huggingface/tokenizers has no
 * WordLevel model, and because 256 byte tokens make every string encodable and decode exactly.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GenerationError } from '../errors.js';

/** GPT-2's reversible byte → printable-character map that the ByteLevel pre-tokenizer and decoder use. */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const map: string[] = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    map[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return map;
}

/** The pre-tokenizer split (GPT-2's pattern): merges never cross these pieces, as in the ByteLevel pre-tokenizer. */
const PIECES = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** The ByteLevel pre-tokenizer / post-processor / decoder settings (GPT-2's). */
const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true } as const;

/** The pieces that merges stay within, as the runtime pre-tokenizer of the built tokenizer.json splits `text`. */
function preTokenize(text: string, isolateDigits: boolean): string[] {
  if (!isolateDigits) return text.match(PIECES) ?? [];
  // Digits(individual_digits) first: each ASCII digit alone (the runtime splits on `\d`), the runs between them through ByteLevel's pattern.
  return text.split(/([0-9])/).flatMap((run, i) => (i % 2 === 1 ? [run] : (run.match(PIECES) ?? [])));
}

/** Default special tokens: end of text and ChatML's turn markers (the chat template below uses them). */
export const DEFAULT_SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];

/** A ChatML chat template (Qwen's convention), rendered by @huggingface/jinja. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Options of {@link buildBpeTokenizer}. */
export interface BpeBuildOptions {
  /** Texts the merges are learned from. */
  corpus: string[];
  /** Target size: 256 byte tokens + merges + special tokens (fewer merges if the corpus runs out of pairs). */
  vocabSize: number;
  /** Special tokens, ids after the BPE vocabulary; default {@link DEFAULT_SPECIAL_TOKENS}. */
  specialTokens?: string[];
  /** tokenizer_config.json's eos_token; default the last special token (`<|im_end|>` by default). */
  eosToken?: string;
  /**
   * Split every digit into a token of its own before BPE (the `Digits` pre-tokenizer with
   * `individual_digits`, as Llama does), so a number is spelled the same way wherever it appears;
   * arithmetic tasks need this (a model copies `53` from the prompt digit by digit). Default false.
   */
  isolateDigits?: boolean;
}

/** The two files of a tokenizer directory, as objects. */
export interface TokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

/** Learns byte-level BPE merges from `corpus` (most frequent adjacent pair first, ties by first occurrence) and returns both files. */
export function buildBpeTokenizer(options: BpeBuildOptions): TokenizerFiles {
  const specials = options.specialTokens ?? DEFAULT_SPECIAL_TOKENS;
  const mergeBudget = options.vocabSize - 256 - specials.length;
  if (!Number.isInteger(options.vocabSize) || mergeBudget < 0) {
    throw new GenerationError(
      `vocabSize: expected an integer ≥ 256 + ${specials.length} special tokens, got ${options.vocabSize}`,
    );
  }
  const byteChar = bytesToUnicode();
  const encoder = new TextEncoder();
  // Word (as byte-level symbols) → count.
  const words = new Map<string, { symbols: string[]; count: number }>();
  for (const text of options.corpus) {
    for (const piece of preTokenize(text, options.isolateDigits ?? false)) {
      const key = Array.from(encoder.encode(piece), (b) => byteChar[b]!).join('');
      const entry = words.get(key);
      if (entry) entry.count++;
      else words.set(key, { symbols: Array.from(encoder.encode(piece), (b) => byteChar[b]!), count: 1 });
    }
  }
  const vocab: Record<string, number> = {};
  for (let b = 0; b < 256; b++) vocab[byteChar[b]!] = b;
  const merges: string[] = [];
  while (merges.length < mergeBudget) {
    const pairs = new Map<string, number>();
    for (const { symbols, count } of words.values()) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]} ${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + count);
      }
    }
    let best: string | null = null;
    let bestCount = 1; // a pair seen once gains nothing; stop there
    for (const [key, count] of pairs) {
      if (count > bestCount) {
        best = key;
        bestCount = count;
      }
    }
    if (best === null) break;
    const [a, b] = best.split(' ') as [string, string];
    const merged = a + b;
    merges.push(best);
    // Two different pairs can spell the same string ("ab"+"c", "a"+"bc"): keep one id per string, no gaps.
    if (vocab[merged] === undefined) vocab[merged] = Object.keys(vocab).length;
    for (const word of words.values()) {
      const s = word.symbols;
      const out: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(merged);
          i++;
        } else out.push(s[i]!);
      }
      word.symbols = out;
    }
  }
  const base = Object.keys(vocab).length;
  const addedTokens = specials.map((content, i) => ({
    id: base + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: options.isolateDigits
      ? { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, BYTE_LEVEL] }
      : BYTE_LEVEL,
    post_processor: BYTE_LEVEL,
    decoder: BYTE_LEVEL,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
  const eos = options.eosToken ?? specials[specials.length - 1] ?? null;
  const tokenizerConfig = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: null,
    eos_token: eos,
    pad_token: specials[0] ?? null,
    unk_token: null,
    clean_up_tokenization_spaces: false,
    model_max_length: 1 << 20,
    added_tokens_decoder: Object.fromEntries(addedTokens.map(({ id, ...rest }) => [String(id), rest])),
    chat_template: specials.includes('<|im_start|>') && specials.includes('<|im_end|>') ? CHATML_TEMPLATE : null,
  };
  return { tokenizerJson, tokenizerConfig };
}

/** Writes `tokenizer.json` and `tokenizer_config.json` into `dir` (created if needed). */
export function writeTokenizerFiles(dir: string, files: TokenizerFiles): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(files.tokenizerJson));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(files.tokenizerConfig, null, 2));
}
