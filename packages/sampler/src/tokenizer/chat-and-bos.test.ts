import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTokenizerFiles, type TokenizerFiles } from './bpe-builder.js';
import { SamplerTokenizer } from './tokenizer.js';
import { TokenizerError } from '../errors.js';
import { llama3StandIn, LLAMA3_STYLE_TEMPLATE, qwenStandIn, writeChatTemplateFile } from '../testing/stand-in-tokenizers.js';

const llamaFiles = llama3StandIn();
const qwenFiles = qwenStandIn();
const fromFiles = (files: TokenizerFiles, config: Record<string, unknown> = {}) => SamplerTokenizer.fromObjects(files.tokenizerJson, { ...files.tokenizerConfig, ...config });
const messages = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: ' How many clips? ' },
];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rlvr-chat-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('BOS before a plain prompt, as transformers adds it', () => {
  const llama = fromFiles(llamaFiles);
  const bos = llama.tokenToId('<|begin_of_text|>')!;

  it("Llama 3: the TemplateProcessing post-processor's BOS comes first (the library applies it; the ids match it)", () => {
    expect(llama.bosTokenId).toBe(bos);
    expect(llama.promptPrefixIds).toEqual([bos]);
    const text = 'Using the numbers [3, 5, 7], create an equation';
    expect(llama.encodePrompt(text)).toEqual([bos, ...llama.encode(text)]);
    // The same ids as the library's own post-processing (transformers' tokenizer(text)).
    expect(llama.encodePrompt(text)).toEqual(llama.encode(text, true));
  });

  it('a prompt that already starts with the BOS text gets no second one', () => {
    const ids = llama.encodePrompt('<|begin_of_text|>Answer:');
    expect(ids[0]).toBe(bos);
    expect(ids.filter((id) => id === bos)).toHaveLength(1);
  });

  it('a chat-rendered prompt (the template writes bos_token) starts with exactly one BOS', () => {
    const chat = SamplerTokenizer.fromObjects(llamaFiles.tokenizerJson, {
      ...llamaFiles.tokenizerConfig,
      chat_template: LLAMA3_STYLE_TEMPLATE,
    });
    const text = chat.applyChatTemplate(messages);
    expect(text).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nHow many clips?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    const ids = chat.encodeChat(messages);
    expect(ids).toEqual(chat.encode(text));
    expect(ids[0]).toBe(bos);
    expect(ids.filter((id) => id === bos)).toHaveLength(1);
    // Encoding the rendered text as a plain prompt does not double it either.
    expect(chat.encodePrompt(text)).toEqual(ids);
  });

  it('Qwen / SmolLM2: no BOS, plain and chat prompts are the text alone', () => {
    const qwen = fromFiles(qwenFiles);
    expect(qwen.bosTokenId).toBeNull();
    expect(qwen.promptPrefixIds).toEqual([]);
    expect(qwen.encodePrompt('Answer: 42')).toEqual(qwen.encode('Answer: 42'));
    const ids = qwen.encodeChat(messages);
    expect(qwen.idToToken(ids[0]!)).toBe('<|im_start|>');
    expect(qwen.decode(ids, false)).toBe('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n How many clips? <|im_end|>\n<|im_start|>assistant\n');
  });

  it('add_bos_token decides when set: false drops the post-processor BOS, true adds bos_token', () => {
    expect(fromFiles(llamaFiles, { add_bos_token: false }).promptPrefixIds).toEqual([]);
    const withBos = fromFiles(qwenFiles, { bos_token: '<|endoftext|>', add_bos_token: true });
    const endoftext = withBos.tokenToId('<|endoftext|>')!;
    expect(withBos.promptPrefixIds).toEqual([endoftext]);
    expect(withBos.encodePrompt('fox')).toEqual([endoftext, ...withBos.encode('fox')]);
  });

  it('add_bos_token without a bos_token, or not a boolean, is an error naming tokenizer_config.json', () => {
    expect(() => fromFiles(qwenFiles, { add_bos_token: true })).toThrow(/tokenizer_config\.json\): add_bos_token is true but there is no bos_token/);
    expect(() => fromFiles(llamaFiles, { add_bos_token: 'yes' })).toThrow(/tokenizer_config\.json\): add_bos_token must be true or false, got "yes"/);
  });
});

describe('chat templates as transformers finds them', () => {
  const write = (files: TokenizerFiles, config: Record<string, unknown> = {}) => writeTokenizerFiles(dir, { ...files, tokenizerConfig: { ...files.tokenizerConfig, ...config } });

  it('chat_template.jinja beside tokenizer_config.json is preferred to its chat_template', () => {
    write(llamaFiles, { chat_template: '{{ "from the config" }}' });
    writeChatTemplateFile(dir, LLAMA3_STYLE_TEMPLATE);
    const tok = SamplerTokenizer.load(dir);
    expect(tok.chatTemplateNames).toEqual(['default']);
    expect(tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: false })).toBe('<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>');
  });

  it('named templates: "default" unless a name is given; unknown names list the ones there are', () => {
    write(qwenFiles, {
      chat_template: [
        { name: 'default', template: '{% for m in messages %}<{{ m.role }}>{% endfor %}' },
        { name: 'tool_use', template: '{{ "tools: " + (tools is none) | string }}' },
      ],
    });
    const tok = SamplerTokenizer.load(dir);
    expect(tok.chatTemplateNames).toEqual(['default', 'tool_use']);
    expect(tok.applyChatTemplate(messages)).toBe('<system><user>');
    expect(tok.applyChatTemplate(messages, { templateName: 'tool_use' })).toBe('tools: true');
    expect(() => tok.applyChatTemplate(messages, { templateName: 'rag' })).toThrow(/no chat template named "rag" \(there are "default", "tool_use"\)/);
  });

  it('named templates without a "default" need a name', () => {
    write(qwenFiles, { chat_template: [{ name: 'tool_use', template: 'x' }] });
    const tok = SamplerTokenizer.load(dir);
    expect(() => tok.applyChatTemplate(messages)).toThrow(/several chat templates \("tool_use"\) and none named "default"/);
    expect(tok.applyChatTemplate(messages, { templateName: 'tool_use' })).toBe('x');
  });

  it('passes every special token that is set, from tokenizer_config.json or else special_tokens_map.json', () => {
    write(qwenFiles, {
      chat_template: '{{ bos_token }}|{{ eos_token }}|{{ pad_token }}|{{ unk_token is defined }}|{{ additional_special_tokens | join(",") }}|{{ add_generation_prompt }}',
    });
    writeFileSync(
      join(dir, 'special_tokens_map.json'),
      JSON.stringify({
        bos_token: { content: '<|endoftext|>' },
        eos_token: '<|endoftext|>', // the config's <|im_end|> wins
        additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
      }),
    );
    const tok = SamplerTokenizer.load(dir);
    expect(tok.bosTokenId).toBe(tok.tokenToId('<|endoftext|>'));
    expect(tok.applyChatTemplate(messages)).toBe('<|endoftext|>|<|im_end|>|<|endoftext|>|false|<|im_start|>,<|im_end|>|true');
  });

  it('no template where one is needed: the error names the directory and the files looked for', () => {
    write(llamaFiles);
    const tok = SamplerTokenizer.load(dir);
    expect(tok.hasChatTemplate).toBe(false);
    expect(() => tok.applyChatTemplate(messages)).toThrow(new TokenizerError(`${dir} (looked for chat_template.jinja and "chat_template" in tokenizer_config.json)`, 'no chat template found'));
  });

  it('malformed templates name their file', () => {
    write(qwenFiles, { chat_template: [{ name: 'default' }] });
    expect(() => SamplerTokenizer.load(dir)).toThrow(/tokenizer_config\.json: chat_template\[0\] must be \{"name": string, "template": string\}/);
    write(qwenFiles, { chat_template: 7 });
    expect(() => SamplerTokenizer.load(dir)).toThrow(/chat_template must be a string or a list of \{name, template\}/);
    writeChatTemplateFile(dir, '{% for m in messages %}');
    expect(() => SamplerTokenizer.load(dir)).toThrow(/chat_template\.jinja: chat template "default" does not parse/);
  });
});
