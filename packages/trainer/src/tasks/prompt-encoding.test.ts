import { SamplerTokenizer } from '@rlvr/sampler';
import { llama3StandIn, LLAMA3_STYLE_TEMPLATE, qwenStandIn } from '@rlvr/sampler/testing';
import { chatPromptTemplate, promptEncoder, renderPrompt, type PromptTemplate } from './templates.js';

const problem = { question: 'Using the numbers [3, 5, 7], make 22.', brief: '[3, 5, 7] -> 22' };
const llamaFiles = llama3StandIn();
const llama = SamplerTokenizer.fromObjects(llamaFiles.tokenizerJson, {
  ...llamaFiles.tokenizerConfig,
  chat_template: LLAMA3_STYLE_TEMPLATE,
});
const bos = llama.tokenToId('<|begin_of_text|>')!;
const qwenFiles = qwenStandIn();
const qwen = SamplerTokenizer.fromObjects(qwenFiles.tokenizerJson, qwenFiles.tokenizerConfig);
const chat = (tok: SamplerTokenizer): PromptTemplate => ({ kind: 'chat', apply: (m) => tok.applyChatTemplate(m) });

describe('prompt ids as transformers tokenizes them', () => {
  it.each(['r1-zero', 'compact', 'plain'] as const)('%s on a Llama 3 tokenizer starts with one BOS', (kind) => {
    const template: PromptTemplate = { kind };
    const text = renderPrompt(problem, template);
    expect(promptEncoder(template, llama)(text)).toEqual([bos, ...llama.encode(text)]);
  });

  it('chat on a Llama 3 tokenizer: the template writes the BOS, none is added', () => {
    const template = chat(llama);
    const text = renderPrompt(problem, template);
    const ids = promptEncoder(template, llama)(text);
    expect(ids).toEqual(llama.encode(text));
    expect(ids[0]).toBe(bos);
    expect(ids.filter((id) => id === bos)).toHaveLength(1);
  });

  it('Qwen: no BOS under any template', () => {
    for (const template of [{ kind: 'r1-zero' } as const, chat(qwen)]) {
      const text = renderPrompt(problem, template);
      expect(promptEncoder(template, qwen)(text)).toEqual(qwen.encode(text));
    }
  });
});

describe('the chat template of a run (task.chatTemplate)', () => {
  const named = (templates: { name: string; template: string }[]) => SamplerTokenizer.fromObjects(qwenFiles.tokenizerJson, { ...qwenFiles.tokenizerConfig, chat_template: templates });
  const tok = named([
    { name: 'default', template: '{% for m in messages %}[{{ m.role }}] {{ m.content }} {% endfor %}' },
    { name: 'tool_use', template: '{{ "tools " + messages[-1].content }}' },
  ]);
  const task = (chatTemplate: string | null) => ({ chatTemplate, systemPrompt: 'Be brief.' });

  it('null renders the template named default, a name renders that one; the system prompt goes first', () => {
    expect(renderPrompt(problem, chatPromptTemplate(tok, task(null), 'model'))).toBe(`[system] Be brief. [user] ${problem.question} `);
    expect(renderPrompt(problem, chatPromptTemplate(tok, task('tool_use'), 'model'))).toBe(`tools ${problem.question}`);
  });

  it('refuses, before any work, a name the model lacks, named templates without a default, and no template', () => {
    expect(() => chatPromptTemplate(tok, task('rag'), 'models/x')).toThrow('task.chatTemplate: models/x has no chat template named "rag" (it has "default", "tool_use")');
    expect(() => chatPromptTemplate(named([{ name: 'tool_use', template: 'x' }]), task(null), 'models/x')).toThrow(
      'task.chatTemplate: models/x has chat templates "tool_use" and none named "default": name the one to use',
    );
    const base = SamplerTokenizer.fromObjects(llamaFiles.tokenizerJson, llamaFiles.tokenizerConfig);
    expect(() => chatPromptTemplate(base, task(null), 'models/base')).toThrow(/^task\.template: chat needs a chat template, and models\/base has none \(looked for chat_template\.jinja/);
  });
});
