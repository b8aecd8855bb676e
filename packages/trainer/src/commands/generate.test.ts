import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModelDir, Sampler } from '@rlvr/sampler';
import { llama3StandIn, LLAMA3_STYLE_TEMPLATE, tinyModel, writeChatTemplateFile, writeModelDir } from '@rlvr/sampler/testing';
import { runCli } from '../cli/run-cli.js';
import { captureIo } from '../testing/capture-io.js';

let dir: string;
let model: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rlvr-generate-'));
  model = join(dir, 'tiny');
  writeModelDir(model, tinyModel({ std: 0.5 }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function generate(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['generate', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe('rlvr generate', () => {
  test('--json prints one object per completion with text, tokens, logprobs and finishReason', async () => {
    const { code, out, err } = await generate('--model', model, '--prompt', 'How many clips', '-n', '3', '--max-new-tokens', '5', '--seed', '4', '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['text', 'tokens', 'logprobs', 'finishReason']);
      expect(line.tokens).toHaveLength(5);
      expect((line.logprobs as number[]).every((v) => v <= 0 && Number.isFinite(v))).toBe(true);
      expect(line.finishReason).toBe('length');
    }
    // same seed, same completions
    expect((await generate('--model', model, '--prompt', 'How many clips', '-n', '3', '--max-new-tokens', '5', '--seed', '4', '--json')).out).toBe(out);
  });

  test('text output with --chat and a stop string', async () => {
    const { code, out } = await generate('--model', model, '--prompt', 'Hi', '--chat', '--num-samples', '2', '--max-new-tokens', '4', '--temperature', '0');
    expect(code).toBe(0);
    expect(out).toMatch(/^--- sample 1\/2 \(\d+ tokens, (length|eos|stop)\) ---\n[^]*--- sample 2\/2/);
  });

  test('a missing model directory and a bad option value are one-line errors naming the input', async () => {
    const missing = await generate('--model', join(dir, 'nope'), '--prompt', 'x');
    expect(missing.code).toBe(3);
    expect(missing.err).toBe(`rlvr generate: --model: ${join(dir, 'nope')}: model directory not found\n`);
    const bad = await generate('--model', model, '--prompt', 'x', '--top-p', '1.5');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('rlvr generate: --top-p: expected a number in (0, 1] (1 = off), got 1.5 (see: rlvr generate --help)\n');
    const cold = await generate('--model', model, '--prompt', 'x', '--temperature', '-1');
    expect(cold.code).toBe(2);
    expect(cold.err).toMatch(/^rlvr generate: --temperature: expected a finite number ≥ 0 \(0 = greedy\), got -1 \(see/);
    const noPrompt = await generate('--model', model);
    expect(noPrompt.code).toBe(2);
    expect(noPrompt.err).toMatch(/--prompt: missing, and required/);
  });

  test('a Llama 3 model: plain prompts start with its BOS, --chat renders chat_template.jinja, --chat-template names one', async () => {
    const [llama, base] = [join(dir, 'llama'), join(dir, 'llama-base')];
    const tiny = tinyModel({ std: 0.5, tokenizer: llama3StandIn() });
    writeModelDir(llama, tiny);
    writeModelDir(base, tiny);
    writeChatTemplateFile(llama, LLAMA3_STYLE_TEMPLATE);
    const loaded = await loadModelDir(llama);
    const tok = loaded.tokenizer;
    const greedy = async (ids: number[]) => (await new Sampler(loaded.model, tok).generate([ids], { greedy: true, maxNewTokens: 4 }))[0]!.completionIds;
    const bos = tok.tokenToId('<|begin_of_text|>')!;
    const chatIds = tok.encode('<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n');
    const expected = { plain: await greedy([bos, ...tok.encode('How many clips')]), chat: await greedy(chatIds) };
    // The BOS changes this continuation, so the comparison below tells whether it was there.
    expect(await greedy(tok.encode('How many clips'))).not.toEqual(expected.plain);
    await loaded.model.release();
    const tokens = async (...args: string[]) => {
      const r = await generate('--model', llama, '--temperature', '0', '--max-new-tokens', '4', '--json', ...args);
      expect(r.code).toBe(0);
      return (JSON.parse(r.out) as { tokens: number[] }).tokens;
    };
    expect(await tokens('--prompt', 'How many clips')).toEqual(expected.plain);
    expect(await tokens('--prompt', 'Hi', '--chat')).toEqual(expected.chat);
    expect(await tokens('--prompt', 'Hi', '--chat-template', 'default')).toEqual(expected.chat);
    const unknown = await generate('--model', llama, '--prompt', 'Hi', '--chat-template', 'tool_use');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('rlvr generate: --chat-template: the model has no chat template named "tool_use" (it has "default") (see: rlvr generate --help)\n');
    const none = await generate('--model', base, '--prompt', 'Hi', '--chat');
    expect(none.code).toBe(3);
    expect(none.err).toMatch(/looked for chat_template\.jinja and "chat_template" in tokenizer_config\.json\): no chat template found/);
  });
});
