/**
 * The chat templates of a tokenizer, found where transformers looks for them: `chat_template.jinja`
 * beside tokenizer_config.json (transformers writes it and prefers it), else tokenizer_config.json's
 * `chat_template`, either one template (a string) or named templates (a list of `{name, template}`,
 * of which `default` is used unless a name is given). Each is compiled by @huggingface/jinja.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { TokenizerError } from '../errors.js';

/** The file transformers writes a tokenizer's (default) chat template to. */
export const CHAT_TEMPLATE_FILE = 'chat_template.jinja';

/** The name of the template used when none is asked for. */
export const DEFAULT_TEMPLATE_NAME = 'default';

/** Named, compiled chat templates and where they were looked for (for errors). */
export class ChatTemplates {
  private constructor(
    private readonly templates: ReadonlyMap<string, Template>,
    /** Where templates were (or would have been) read from, as errors name it. */
    readonly lookedIn: string,
  ) {}

  /** Compiles `sources` (name → template text); `origin` names the file each came from. */
  static compile(sources: ReadonlyMap<string, string>, origin: string, lookedIn: string): ChatTemplates {
    const compiled = new Map<string, Template>();
    for (const [name, text] of sources) {
      try {
        compiled.set(name, new Template(text));
      } catch (error) {
        throw new TokenizerError(origin, `chat template "${name}" does not parse: ${(error as Error).message}`);
      }
    }
    return new ChatTemplates(compiled, lookedIn);
  }

  /** Reads the templates of a tokenizer directory (see the module comment); `config` is its tokenizer_config.json. */
  static read(dir: string, config: Record<string, unknown>): ChatTemplates {
    const configFile = join(dir, 'tokenizer_config.json');
    const jinjaFile = join(dir, CHAT_TEMPLATE_FILE);
    const lookedIn = `${dir} (looked for ${CHAT_TEMPLATE_FILE} and "chat_template" in tokenizer_config.json)`;
    if (existsSync(jinjaFile)) {
      const sources = new Map([[DEFAULT_TEMPLATE_NAME, readFileSync(jinjaFile, 'utf8')]]);
      return ChatTemplates.compile(sources, jinjaFile, lookedIn);
    }
    return ChatTemplates.compile(configTemplates(config.chat_template, configFile), configFile, lookedIn);
  }

  /** The template names, in file order. */
  get names(): string[] {
    return [...this.templates.keys()];
  }

  /** True when there is at least one template. */
  get any(): boolean {
    return this.templates.size > 0;
  }

  /** The template called `name`, or the default one; errors say which names exist and where they were looked for. */
  select(name?: string): Template {
    if (this.templates.size === 0) throw new TokenizerError(this.lookedIn, 'no chat template found');
    const wanted = name ?? DEFAULT_TEMPLATE_NAME;
    const found = this.templates.get(wanted);
    if (found) return found;
    const names = this.names.map((n) => JSON.stringify(n)).join(', ');
    throw new TokenizerError(
      this.lookedIn,
      name === undefined
        ? `several chat templates (${names}) and none named "${DEFAULT_TEMPLATE_NAME}"; name the one to use`
        : `no chat template named ${JSON.stringify(name)} (there are ${names})`,
    );
  }
}

/** tokenizer_config.json's `chat_template` (absent, a string, or a list of `{name, template}`) as name → text. */
export function configTemplates(value: unknown, file: string): Map<string, string> {
  if (value === undefined || value === null) return new Map();
  if (typeof value === 'string') return new Map([[DEFAULT_TEMPLATE_NAME, value]]);
  if (!Array.isArray(value)) {
    throw new TokenizerError(file, `chat_template must be a string or a list of {name, template}, got ${typeof value}`);
  }
  const sources = new Map<string, string>();
  value.forEach((entry: unknown, i) => {
    const { name, template } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof name !== 'string' || typeof template !== 'string') {
      throw new TokenizerError(file, `chat_template[${i}] must be {"name": string, "template": string}`);
    }
    if (sources.has(name)) throw new TokenizerError(file, `chat_template names "${name}" twice`);
    sources.set(name, template);
  });
  return sources;
}
