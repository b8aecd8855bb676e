import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModelDir } from './model-dir.js';
import { Sampler } from '../sampler.js';
import { tinyModel, writeModelDir } from '../testing/tiny-model.js';
import { llama3StandIn } from '../testing/stand-in-tokenizers.js';

// std 0.5: peaked next-token distributions, so the greedy continuation has many distinct tokens.
const tiny = tinyModel({ std: 0.5, seed: 2 });
const prompt = 'How many clips';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rlvr-eos-'));
  writeModelDir(dir, tiny);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The greedy completion of `prompt` from the model directory as it is now on disk. */
async function greedy(maxNewTokens = 24): Promise<{ ids: number[]; finish: string; eos: number[] }> {
  const loaded = await loadModelDir(dir);
  try {
    const [r] = await new Sampler(loaded.model, loaded.tokenizer).generate([prompt], { greedy: true, maxNewTokens });
    return { ids: r!.completionIds, finish: r!.finishReason, eos: loaded.tokenizer.eosTokenIds };
  } finally {
    await loaded.model.release();
  }
}

const writeJson = (name: string, value: Record<string, unknown>) => writeFileSync(join(dir, name), JSON.stringify(value));

describe('generation stops on every EOS id of generation_config.json and config.json', () => {
  it('a number in config.json, each entry of a list in generation_config.json', async () => {
    const free = await greedy();
    expect(free.finish).toBe('length');
    // Two tokens of the free continuation, each at its first occurrence, the second one later.
    const first = free.ids.findIndex((id, i) => i >= 2 && free.ids.indexOf(id) === i);
    const second = free.ids.findIndex((id, i) => i > first + 1 && free.ids.indexOf(id) === i);
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    const [a, b] = [free.ids[first]!, free.ids[second]!];
    const tokenizerEos = free.eos[0]!;
    expect(free.ids).not.toContain(tokenizerEos);

    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeJson('config.json', { ...config, eos_token_id: b });
    const byConfig = await greedy();
    expect(byConfig).toEqual({ ids: free.ids.slice(0, second + 1), finish: 'eos', eos: [tokenizerEos, b] });

    writeJson('config.json', config);
    writeJson('generation_config.json', { eos_token_id: [a, b] });
    const byFirstEntry = await greedy();
    expect(byFirstEntry.ids).toEqual(free.ids.slice(0, first + 1));
    expect(byFirstEntry.finish).toBe('eos');

    writeJson('generation_config.json', { eos_token_id: [tokenizerEos, b] });
    const bySecondEntry = await greedy();
    expect(bySecondEntry.ids).toEqual(free.ids.slice(0, second + 1));
    expect(bySecondEntry.finish).toBe('eos');
  });

  it("Llama 3 instruct's list: <|eot_id|> (tokenizer_config) and <|end_of_text|> (generation_config) both end", async () => {
    const llama = tinyModel({ tokenizer: llama3StandIn() });
    writeModelDir(dir, llama);
    const loaded = await loadModelDir(dir);
    const tok = loaded.tokenizer;
    await loaded.model.release();
    const [eot, end] = [tok.tokenToId('<|eot_id|>')!, tok.tokenToId('<|end_of_text|>')!];
    writeJson('generation_config.json', { eos_token_id: [end, eot] });
    const withList = await loadModelDir(dir);
    await withList.model.release();
    expect(tok.eosTokenIds).toEqual([eot]);
    expect(withList.tokenizer.eosTokenIds).toEqual([eot, end]);
  });
});
