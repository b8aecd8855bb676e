import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelDir, type LoadedModel } from '@rlvr/sampler';
import { llama3StandIn, LLAMA3_STYLE_TEMPLATE, tinyModel, writeChatTemplateFile, writeModelDir } from '@rlvr/sampler/testing';
import { useTempDir } from '../testing/temp-dir.js';
import { checkpointDir, writeCheckpoint } from './checkpoint.js';
import { copyTokenizerFiles, TOKENIZER_FILES, tokenizerFilesIn } from './tokenizer-files.js';

const tempDir = useTempDir('rlvr-tokenizer-files-');
const model = tinyModel({ tokenizer: llama3StandIn() });
const messages = [
  { role: 'system', content: 'Answer with a number.' },
  { role: 'user', content: 'What is 7 * 8?' },
];

/** A source model directory as transformers ≥ 4.43 saves a Llama 3 instruct model, plus a file that is not the tokenizer's. */
function sourceModel(): string {
  const dir = join(tempDir(), 'source');
  writeModelDir(dir, model);
  writeChatTemplateFile(dir, LLAMA3_STYLE_TEMPLATE);
  writeFileSync(join(dir, 'special_tokens_map.json'), JSON.stringify({ bos_token: '<|begin_of_text|>' }));
  writeFileSync(join(dir, 'added_tokens.json'), '{}');
  writeFileSync(join(dir, 'README.md'), 'not a tokenizer file');
  return dir;
}

async function opened(dir: string): Promise<LoadedModel> {
  const loaded = await loadModelDir(dir);
  await loaded.model.release();
  return loaded;
}

describe('tokenizer files travel with checkpoints', () => {
  it('lists the tokenizer files present, in order, and nothing else', () => {
    const dir = sourceModel();
    expect(tokenizerFilesIn(dir).map((p) => p.slice(dir.length + 1))).toEqual(['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'chat_template.jinja', 'added_tokens.json']);
    const copy = join(tempDir(), 'copy');
    expect(copyTokenizerFiles(dir, copy)).toHaveLength(5);
    expect(readdirSync(copy).sort()).toEqual(['added_tokens.json', 'chat_template.jinja', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
    expect(TOKENIZER_FILES).toContain('generation_config.json');
  });

  it('a checkpoint of a model with chat_template.jinja and an EOS list loads and renders and stops as its source', async () => {
    const dir = sourceModel();
    const source = await opened(dir);
    const [eot, end] = ['<|eot_id|>', '<|end_of_text|>'].map((t) => source.tokenizer.tokenToId(t)!);
    writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [end, eot] }));
    const runDir = join(tempDir(), 'run');
    writeCheckpoint(
      runDir,
      3,
      {
        modelConfig: model.config,
        weights: model.weights,
        optimizerState: { step: 3, m: model.weights, v: model.weights },
        rng: {},
        dataCursor: null,
        config: {},
      },
      { copyFiles: tokenizerFilesIn(dir) },
    );
    const checkpoint = checkpointDir(runDir, 3);
    expect(readFileSync(join(checkpoint, 'chat_template.jinja'), 'utf8')).toBe(LLAMA3_STYLE_TEMPLATE);
    expect(readdirSync(checkpoint)).not.toContain('README.md');

    const fromSource = await opened(dir);
    const loaded = await opened(checkpoint);
    const rendered = loaded.tokenizer.applyChatTemplate(messages);
    expect(rendered).toBe(fromSource.tokenizer.applyChatTemplate(messages));
    expect(rendered.startsWith('<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n')).toBe(true);
    expect(loaded.tokenizer.encodeChat(messages)).toEqual(fromSource.tokenizer.encodeChat(messages));
    expect(loaded.tokenizer.promptPrefixIds).toEqual([loaded.tokenizer.tokenToId('<|begin_of_text|>')]);
    expect(loaded.tokenizer.eosTokenIds).toEqual([eot, end]);
  });
});
