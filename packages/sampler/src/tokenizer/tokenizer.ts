/**
 * A Hugging Face tokenizer directory (`tokenizer.json`, `tokenizer_config.json`, optional
 * `special_tokens_map.json` and `chat_template.jinja`) loaded through @huggingface/tokenizers, with the
 * special tokens the sampler needs (EOS, BOS, PAD), the special tokens transformers puts before a plain
 * prompt, and the chat templates rendered by @huggingface/jinja (the tokenizers library has none).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { TokenizerError } from '../errors.js';
import { ChatTemplates, configTemplates } from './chat-templates.js';
import { promptPrefixIds, specialTokenValues, type SpecialTokenKey } from './special-tokens.js';

/** One chat message as chat templates expect it. */
export interface ChatMessage {
  role: string;
  content: string;
}

/** Options of {@link SamplerTokenizer.applyChatTemplate}. */
export interface ChatTemplateOptions {
  /** Append the assistant turn's opening so the model continues as the assistant (default true). */
  addGenerationPrompt?: boolean;
  /** Which of several named templates to render (default `default`, as transformers). */
  templateName?: string;
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

/** A loaded tokenizer: exact encode/decode, special-token ids, chat templates, prompt encoding as transformers does it. */
export class SamplerTokenizer {
  /** End-of-sequence ids: the config's `eos_token` plus any extra ids a model directory adds (generation_config.json). */
  readonly eosTokenIds: number[];
  /** `bos_token`'s id, or null when the tokenizer has none. */
  readonly bosTokenId: number | null;
  /** `pad_token`'s id, or null. */
  readonly padTokenId: number | null;
  /**
   * The special ids transformers puts before a plain prompt (`tokenizer(text)`): `[bos]` where
   * `add_bos_token` or tokenizer.json's post-processor says so (Llama 3: `<|begin_of_text|>`), else empty (Qwen).
   */
  readonly promptPrefixIds: readonly number[];
  /** Number of ids the tokenizer can produce (vocabulary + added tokens): the model's vocab must be at least this. */
  readonly vocabSize: number;
  private readonly tokenizer: Tokenizer;
  private readonly specials: Record<string, string | string[]>;

  private constructor(
    tokenizerJson: Record<string, unknown>,
    config: Record<string, unknown>,
    specialTokensMap: Record<string, unknown>,
    private readonly templates: ChatTemplates,
    source: string,
    configFile: string,
  ) {
    try {
      this.tokenizer = new Tokenizer(tokenizerJson, config);
    } catch (error) {
      throw new TokenizerError(source, `@huggingface/tokenizers rejected it: ${(error as Error).message}`);
    }
    this.specials = specialTokenValues(config, specialTokensMap);
    const id = (key: SpecialTokenKey): number | null => {
      const content = this.specials[key];
      if (typeof content !== 'string') return null;
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
    this.promptPrefixIds = promptPrefixIds(this.tokenizer, config, this.bosTokenId, configFile);
    const vocab = this.tokenizer.get_vocab(true);
    let max = -1;
    for (const v of vocab.values()) max = Math.max(max, v);
    this.vocabSize = max + 1;
  }

  /**
   * Loads a tokenizer directory: `tokenizer.json`, and where present `tokenizer_config.json`,
   * `special_tokens_map.json` and `chat_template.jinja`; errors name the file at fault.
   */
  static load(dir: string): SamplerTokenizer {
    const json = readJsonFile(join(dir, 'tokenizer.json'));
    const optional = (name: string) => (existsSync(join(dir, name)) ? readJsonFile(join(dir, name)) : {});
    const config = optional('tokenizer_config.json');
    const templates = ChatTemplates.read(dir, config);
    const configFile = join(dir, 'tokenizer_config.json');
    return new SamplerTokenizer(
      json,
      config,
      optional('special_tokens_map.json'),
      templates,
      join(dir, 'tokenizer.json'),
      configFile,
    );
  }

  /** Builds a tokenizer from already parsed objects (the chat templates from `config.chat_template`); `source` names them in errors. */
  static fromObjects(
    tokenizerJson: Record<string, unknown>,
    config: Record<string, unknown>,
    source = 'tokenizer.json',
  ): SamplerTokenizer {
    const configFile = `${source} (tokenizer_config.json)`;
    const templates = ChatTemplates.compile(
      configTemplates(config.chat_template, configFile),
      configFile,
      `${source} (looked for "chat_template" in its tokenizer_config)`,
    );
    return new SamplerTokenizer(tokenizerJson, config, {}, templates, source, configFile);
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

  /**
   * Token ids of a plain (non-chat) prompt as transformers' `tokenizer(text)` starts it: {@link promptPrefixIds}
   * first, unless the text already begins with them (a BOS is never doubled). Nothing is appended: a prompt is continued.
   */
  encodePrompt(text: string): number[] {
    const ids = this.encode(text);
    const prefix = this.promptPrefixIds;
    if (prefix.length === 0 || prefix.every((id, i) => ids[i] === id)) return ids;
    return [...prefix, ...ids];
  }

  /**
   * Token ids of `messages` rendered by the chat template, as transformers' `apply_chat_template(tokenize=True)`:
   * the template writes its own special tokens (Llama 3's starts with `bos_token`), so none are added.
   */
  encodeChat(messages: ChatMessage[], options: ChatTemplateOptions = {}): number[] {
    return this.encode(this.applyChatTemplate(messages, options));
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

  /** The id of a token string (e.g. `<|eot_id|>`), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  /** True when the tokenizer has at least one chat template. */
  get hasChatTemplate(): boolean {
    return this.templates.any;
  }

  /** Names of the chat templates (`default` for a single one). */
  get chatTemplateNames(): string[] {
    return this.templates.names;
  }

  /**
   * Renders a chat template for `messages` (as transformers' `apply_chat_template(tokenize=False)`), with the
   * variables transformers passes: `messages`, `add_generation_prompt`, `tools` and `documents` (none), and
   * every special token that is set (`bos_token`, `eos_token`, …, `additional_special_tokens`).
   */
  applyChatTemplate(messages: ChatMessage[], options: ChatTemplateOptions = {}): string {
    const template = this.templates.select(options.templateName);
    return template.render({
      messages,
      tools: null,
      documents: null,
      add_generation_prompt: options.addGenerationPrompt ?? true,
      ...this.specials,
      ...options.extra,
    });
  }
}
