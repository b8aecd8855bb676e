/**
 * A model with Llama 3's tokenizer conventions (a stand-in with a tiny vocabulary): prompts get its BOS
 * once under every template, `--template chat` renders its chat_template.jinja, and its checkpoints copy
 * the tokenizer files, so a checkpoint renders, tokenizes and stops as the model did.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModelDir, type SamplerTokenizer } from '@rlvr/sampler';
import { llama3StandIn, LLAMA3_STYLE_TEMPLATE, tinyModel, writeChatTemplateFile, writeModelDir } from '@rlvr/sampler/testing';
import { checkpointDir } from '../src/checkpoint/index.js';
import { runTraining } from '../src/loop/run-training.js';
import { closeTaskEnvironment, openTaskEnvironment } from '../src/loop/task-environment.js';
import { tinyConfig } from './tiny-run.js';

let root: string;
let modelDir: string;
let source: SamplerTokenizer;
const task = { name: 'countdown', generator: { count: 64 }, testSize: 8, maxPromptTokens: 512 } as const;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'rlvr-chat-model-'));
  modelDir = join(root, 'model');
  writeModelDir(modelDir, tinyModel({ std: 0.3, tokenizer: llama3StandIn(), config: { max_position_embeddings: 512 } }));
  writeChatTemplateFile(modelDir, LLAMA3_STYLE_TEMPLATE);
  const before = await tokenizerOf(modelDir);
  const ids = ['<|end_of_text|>', '<|eot_id|>'].map((t) => before.tokenToId(t));
  writeFileSync(join(modelDir, 'generation_config.json'), JSON.stringify({ eos_token_id: ids }));
  source = await tokenizerOf(modelDir);
});

/** The tokenizer of a model directory as the loader gives it (with its EOS list). */
async function tokenizerOf(dir: string): Promise<SamplerTokenizer> {
  const loaded = await loadModelDir(dir);
  await loaded.model.release();
  return loaded.tokenizer;
}
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a Llama 3-style model', () => {
  it.each(['r1-zero', 'chat'] as const)('%s: every training prompt starts with exactly one <|begin_of_text|>', async (template) => {
    const env = await openTaskEnvironment(tinyConfig(modelDir, { task: { ...task, template } }), modelDir, () => {});
    try {
      const bos = source.tokenToId('<|begin_of_text|>')!;
      for (const example of env.train.slice(0, 8)) {
        const ids = env.encode(example).ids;
        expect(ids[0]).toBe(bos);
        expect(ids.filter((id) => id === bos)).toHaveLength(1);
      }
    } finally {
      await closeTaskEnvironment(env);
    }
  });

  it('trains with --template chat; its checkpoint holds the tokenizer files and renders and stops as the model', async () => {
    const runDir = join(root, 'run');
    await runTraining({
      config: tinyConfig(modelDir, { task: { ...task, template: 'chat' }, checkpoint: { interval: 2 } }),
      runDir,
    });
    const checkpoint = checkpointDir(runDir, 2);
    for (const file of ['chat_template.jinja', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      expect(existsSync(join(checkpoint, file))).toBe(true);
    }
    const loaded = { tokenizer: await tokenizerOf(checkpoint) };
    const messages = [{ role: 'user', content: 'Using the numbers [3, 5, 7], create an equation that equals 22.' }];
    expect(loaded.tokenizer.applyChatTemplate(messages)).toBe(source.applyChatTemplate(messages));
    expect(loaded.tokenizer.encodeChat(messages)).toEqual(source.encodeChat(messages));
    expect(loaded.tokenizer.eosTokenIds).toEqual(source.eosTokenIds);
    expect(source.eosTokenIds).toHaveLength(2);
  });
});
