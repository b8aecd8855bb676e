/**
 * Usage: npx tsx --conditions=@rlvr/source tools/scripts/real-shapes.ts OUT_DIR [MODEL…] [--layers N] [--seed S]
 *
 * Writes Hugging Face model directories with seeded random weights at the shapes and configs of
 * published checkpoints (MODEL: smollm2-135m, qwen2.5-0.5b, llama-3.2-1b; default all three) into
 * OUT_DIR/<model>: config.json as published (from @rlvr/core's hf-configs fixtures, `--layers` cuts
 * num_hidden_layers for a fast check), bf16 weights through @rlvr/core's streaming writer (Llama-3.2-1B:
 * one ≈ 2.5 GB model.safetensors, tied embeddings, llama3 RoPE scaling), and a stand-in tokenizer.
 *
 * The tokenizer: a small byte-level BPE (the sampler's stand-ins) whose id space is padded to the real
 * tokenizer's length — the real special tokens at their real ids (so config.json's bos/eos ids name
 * them), filler tokens (`<filler_N>`, never produced by encoding) everywhere else. Ids at or past the
 * tokenizer's length are embedding rows the real checkpoint has too (Qwen2.5 pads 151,665 tokens to
 * vocab_size 151,936); a sampled one decodes to no text, as with the real model.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initWeights, parseDecoderConfig, writeModelDirectory } from '@rlvr/core';
import { LLAMA3_STYLE_TEMPLATE, llama3StandIn, qwenStandIn, writeChatTemplateFile } from '@rlvr/sampler/testing';
import { writeTokenizerFiles } from '@rlvr/sampler';

/** One published checkpoint: its config fixture, its tokenizer's length and special tokens by id. */
interface RealModel {
  fixture: string;
  tokenizerLength: number;
  family: 'chatml' | 'llama3';
  specials: Record<number, string>;
  bos: string | null;
  eos: string;
  pad: string | null;
}

/** The published tokenizers' lengths and special-token ids (their tokenizer.json files). */
export const REAL_MODELS: Record<string, RealModel> = {
  'smollm2-135m': {
    fixture: 'smollm2-135m.json',
    tokenizerLength: 49152,
    family: 'chatml',
    specials: { 0: '<|endoftext|>', 1: '<|im_start|>', 2: '<|im_end|>' },
    bos: '<|endoftext|>',
    eos: '<|endoftext|>',
    pad: null,
  },
  'qwen2.5-0.5b': {
    fixture: 'qwen2.5-0.5b.json',
    tokenizerLength: 151665,
    family: 'chatml',
    specials: { 151643: '<|endoftext|>', 151644: '<|im_start|>', 151645: '<|im_end|>' },
    bos: null,
    eos: '<|endoftext|>',
    pad: '<|endoftext|>',
  },
  'llama-3.2-1b': {
    fixture: 'llama-3.2-1b.json',
    tokenizerLength: 128256,
    family: 'llama3',
    specials: {
      128000: '<|begin_of_text|>',
      128001: '<|end_of_text|>',
      128006: '<|start_header_id|>',
      128007: '<|end_header_id|>',
      128009: '<|eot_id|>',
    },
    bos: '<|begin_of_text|>',
    eos: '<|end_of_text|>',
    pad: null,
  },
};

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../packages/core/src/model/__fixtures__/hf-configs');

/** Options of {@link writeRealShapeModel}. */
export interface RealShapeOptions {
  /** Keep only this many decoder layers (a fast check); default all. */
  layers?: number;
  /** Seed of the weights; default 0. */
  seed?: number;
}

/**
 * The stand-in tokenizer files of `model`, padded to the real tokenizer's length: BPE ids moved past
 * any special token below them, special tokens at their real ids, fillers in every other id.
 */
export function paddedStandInTokenizer(model: RealModel): {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
} {
  const files = model.family === 'llama3' ? llama3StandIn() : qwenStandIn();
  const json = files.tokenizerJson as {
    model: { vocab: Record<string, number> };
    post_processor: { type: string; processors?: { special_tokens?: Record<string, { ids: number[] }> }[] };
  };
  const bpe = json.model.vocab;
  const specialIds = Object.keys(model.specials).map(Number);
  const shift = specialIds.filter((id) => id < Object.keys(bpe).length).length;
  const vocab: Record<string, number> = {};
  for (const [token, id] of Object.entries(bpe)) vocab[token] = id + shift;
  const taken = new Set([...Object.values(vocab), ...specialIds]);
  for (let id = 0; id < model.tokenizerLength; id++) if (!taken.has(id)) vocab[`<filler_${id}>`] = id;
  const added = Object.entries(model.specials).map(([id, content]) => ({
    id: Number(id),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const idOf = (content: string) => added.find((t) => t.content === content)!.id;
  let postProcessor = json.post_processor;
  if (model.bos !== null && postProcessor.type === 'Sequence') {
    // The Llama 3 stand-in's TemplateProcessing names BOS by id: the real id now.
    postProcessor = structuredClone(postProcessor);
    for (const p of postProcessor.processors ?? []) {
      if (p.special_tokens?.[model.bos]) p.special_tokens[model.bos].ids = [idOf(model.bos)];
    }
  }
  return {
    tokenizerJson: { ...json, added_tokens: added, post_processor: postProcessor, model: { ...json.model, vocab } },
    tokenizerConfig: {
      ...files.tokenizerConfig,
      bos_token: model.bos,
      eos_token: model.eos,
      pad_token: model.pad,
      added_tokens_decoder: Object.fromEntries(added.map(({ id, ...rest }) => [String(id), rest])),
    },
  };
}

/** Write `name`'s directory into `dir`; returns its parameter count. */
export function writeRealShapeModel(name: string, dir: string, options: RealShapeOptions = {}): number {
  const model = REAL_MODELS[name];
  if (!model) throw new Error(`unknown model ${JSON.stringify(name)}; known: ${Object.keys(REAL_MODELS).join(', ')}`);
  const published = JSON.parse(readFileSync(join(FIXTURES, model.fixture), 'utf8')) as Record<string, unknown>;
  const json = options.layers === undefined ? published : { ...published, num_hidden_layers: options.layers };
  const config = parseDecoderConfig(json);
  mkdirSync(dir, { recursive: true });
  writeTokenizerFiles(dir, paddedStandInTokenizer(model));
  if (model.family === 'llama3') writeChatTemplateFile(dir, LLAMA3_STYLE_TEMPLATE);
  const weights = initWeights(config, options.seed ?? 0);
  // The published checkpoints are bf16: stored as they ship, config.json keeping every published key.
  writeModelDirectory(dir, config, weights, { extraConfig: json, dtype: 'BF16' });
  return Object.values(weights).reduce((n, t) => n + t.data.length, 0);
}

/** The command line (see the header). */
function main(argv: string[]): void {
  const names: string[] = [];
  const options: RealShapeOptions = {};
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--layers' || arg === '--seed') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < (arg === '--layers' ? 1 : 0)) {
        throw new Error(`${arg}: expected an integer, got ${JSON.stringify(argv[i])}`);
      }
      options[arg === '--layers' ? 'layers' : 'seed'] = value;
    } else if (out === undefined) out = arg;
    else names.push(arg);
  }
  if (out === undefined) throw new Error('usage: real-shapes.ts OUT_DIR [MODEL…] [--layers N] [--seed S]');
  for (const name of names.length > 0 ? names : Object.keys(REAL_MODELS)) {
    const started = Date.now();
    const params = writeRealShapeModel(name, join(out, name), options);
    console.log(`${join(out, name)}: ${params} parameters, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
