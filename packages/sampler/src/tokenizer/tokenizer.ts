/**
 * A Hugging Face tokenizer directory (`tokenizer.json` + `tokenizer_config.json`) loaded through
 * @huggingface/tokenizers, with the special tokens the sampler needs (EOS, BOS, PAD) and the chat
 * template rendered by @huggingface/jinja (the tokenizers library has no chat templates).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { Template } from '@huggingface/jinja';
import { TokenizerError } from '../errors.js';

/** One chat message as chat templates expect it. */
export interface ChatMessage {
  role: string;
  content: string;
}

/** Options of {@link SamplerTokenizer.applyChatTemplate}. */
export interface ChatTemplateOptions {
  /** Append the assistant turn's opening so the model continues as the assistant (default true). */
  addGenerationPrompt?: boolean;
  /** Extra variables the template may read (e.g. `enable_thinking`). */
  extra?: Record<string, unknown>;
}

/** Reads a JSON file, naming it in the error when it is missing or malformed. */
export function readJsonFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) throw new TokenizerError(file, 'file not found');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TokenizerError(file, `not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TokenizerError(file, 'expected a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** A special-token entry of tokenizer_config.json: a string or an AddedToken dict `{content: ...}`. */
function tokenContent(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return null;
}

/** A loaded tokenizer: exact encode/decode, special-token ids, chat template. */
export class SamplerTokenizer {
  /** End-of-sequence ids: the config's `eos_token` plus any extra ids a model directory adds (generation_config.json). */
  readonly eosTokenIds: number[];
  /** `bos_token`'s id, or null when the tokenizer has none. */
  readonly bosTokenId: number | null;
  /** `pad_token`'s id, or null. */
  readonly padTokenId: number | null;
  /** Number of ids the tokenizer can produce (vocabulary + added tokens): the model's vocab must be at least this. */
  readonly vocabSize: number;
  private readonly tokenizer: Tokenizer;
  private readonly template: Template | null;
  private readonly specials: Record<string, string>;

  private constructor(
    tokenizerJson: Record<string, unknown>,
    config: Record<string, unknown>,
    private readonly source: string,
  ) {
    try {
      this.tokenizer = new Tokenizer(tokenizerJson, config);
    } catch (error) {
      throw new TokenizerError(source, `@huggingface/tokenizers rejected it: ${(error as Error).message}`);
    }
    const configFile = `${source} (tokenizer_config.json)`;
    const id = (key: string): number | null => {
      const content = tokenContent(config[key]);
      if (content === null) return null;
      const found = this.tokenizer.token_to_id(content);
      if (found === undefined) {
        throw new TokenizerError(configFile, `${key} ${JSON.stringify(content)} is not a token of tokenizer.json`);
      }
      return found;
    };
    const eos = id('eos_token');
    this.eosTokenIds = eos === null ? [] : [eos];
    this.bosTokenId = id('bos_token');
    this.padTokenId = id('pad_token');
    this.specials = {};
    for (const key of ['eos_token', 'bos_token', 'pad_token', 'unk_token']) {
      const content = tokenContent(config[key]);
      if (content !== null) this.specials[key] = content;
    }
    const vocab = this.tokenizer.get_vocab(true);
    let max = -1;
    for (const v of vocab.values()) max = Math.max(max, v);
    this.vocabSize = max + 1;
    const chat = config.chat_template;
    if (chat === undefined || chat === null) this.template = null;
    else if (typeof chat !== 'string') {
      throw new TokenizerError(configFile, 'chat_template must be a string (named template lists are not supported)');
    } else {
      try {
        this.template = new Template(chat);
      } catch (error) {
        throw new TokenizerError(configFile, `chat_template does not parse: ${(error as Error).message}`);
      }
    }
  }

  /** Loads `tokenizer.json` and `tokenizer_config.json` from a directory; errors name the file at fault. */
  static load(dir: string): SamplerTokenizer {
    const json = readJsonFile(join(dir, 'tokenizer.json'));
    const configPath = join(dir, 'tokenizer_config.json');
    const config = existsSync(configPath) ? readJsonFile(configPath) : {};
    return new SamplerTokenizer(json, config, join(dir, 'tokenizer.json'));
  }

  /** Builds a tokenizer from already parsed objects; `source` names them in errors. */
  static fromObjects(
    tokenizerJson: Record<string, unknown>,
    config: Record<string, unknown>,
    source = 'tokenizer.json',
  ): SamplerTokenizer {
    return new SamplerTokenizer(tokenizerJson, config, source);
  }

  /** A copy whose EOS set also contains `ids` (a model's generation_config.json often lists several). */
  withExtraEos(ids: number[]): SamplerTokenizer {
    const copy = Object.create(SamplerTokenizer.prototype) as SamplerTokenizer;
    Object.assign(copy, this, { eosTokenIds: [...new Set([...this.eosTokenIds, ...ids])] });
    return copy;
  }

  /** Token ids of `text`; special tokens written in the text are recognised, none are added around it unless asked. */
  encode(text: string, addSpecialTokens = false): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
  }

  /** Text of `ids`; special tokens are dropped unless `skipSpecialTokens` is false. No clean-up of spaces (it breaks round trips). */
  decode(ids: ArrayLike<number>, skipSpecialTokens = true): string {
    // The library rejects an empty id list; an empty completion is an empty string.
    if (ids.length === 0) return '';
    return this.tokenizer.decode(Array.from(ids), {
      skip_special_tokens: skipSpecialTokens,
      clean_up_tokenization_spaces: false,
    });
  }

  /** The token string of an id (e.g. `<|im_end|>`), or undefined. */
  idToToken(id: number): string | undefined {
    return this.tokenizer.id_to_token(id);
  }

  /** True when the tokenizer has a chat template. */
  get hasChatTemplate(): boolean {
    return this.template !== null;
  }

  /** Renders the chat template for `messages` (as transformers' `apply_chat_template(tokenize=False)`). */
  applyChatTemplate(messages: ChatMessage[], options: ChatTemplateOptions = {}): string {
    if (!this.template) {
      throw new TokenizerError(
        `${this.source} (tokenizer_config.json)`,
        'has no chat_template; pass plain prompts instead',
      );
    }
    return this.template.render({
      messages,
      add_generation_prompt: options.addGenerationPrompt ?? true,
      bos_token: this.specials.bos_token ?? '',
      eos_token: this.specials.eos_token ?? '',
      pad_token: this.specials.pad_token ?? '',
      unk_token: this.specials.unk_token ?? '',
      ...options.extra,
    });
  }
}
