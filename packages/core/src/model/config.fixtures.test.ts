/**
 * The published config.json of each small checkpoint the project targets (__fixtures__/hf-configs)
 * parses to the DecoderConfig its architecture implies, and its parameter count is the published one
 * where the model card states it exactly.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parameterCount, parseDecoderConfig, type DecoderConfig } from './config.js';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`./__fixtures__/hf-configs/${name}.json`, import.meta.url)), 'utf8'));
}

const LLAMA3_8K = { ropeType: 'llama3', lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 } as const;

const CASES: [string, DecoderConfig, number | null][] = [
  [
    'smollm2-135m',
    {
      modelType: 'llama',
      hiddenSize: 576,
      numHiddenLayers: 30,
      numAttentionHeads: 9,
      numKeyValueHeads: 3,
      headDim: 64,
      intermediateSize: 1536,
      vocabSize: 49152,
      rmsNormEps: 1e-5,
      ropeTheta: 100000,
      ropeScaling: null,
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 8192,
      attentionBias: false,
      oProjBias: false,
      qkNorm: false,
    },
    134_515_008,
  ],
  [
    'qwen2.5-0.5b',
    {
      modelType: 'qwen2',
      hiddenSize: 896,
      numHiddenLayers: 24,
      numAttentionHeads: 14,
      numKeyValueHeads: 2,
      headDim: 64,
      intermediateSize: 4864,
      vocabSize: 151936,
      rmsNormEps: 1e-6,
      ropeTheta: 1e6,
      ropeScaling: null,
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 32768,
      attentionBias: true,
      oProjBias: false,
      qkNorm: false,
    },
    494_032_768,
  ],
  [
    'qwen2.5-0.5b-instruct',
    {
      modelType: 'qwen2',
      hiddenSize: 896,
      numHiddenLayers: 24,
      numAttentionHeads: 14,
      numKeyValueHeads: 2,
      headDim: 64,
      intermediateSize: 4864,
      vocabSize: 151936,
      rmsNormEps: 1e-6,
      ropeTheta: 1e6,
      ropeScaling: null,
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 32768,
      attentionBias: true,
      oProjBias: false,
      qkNorm: false,
    },
    494_032_768,
  ],
  [
    'qwen2.5-1.5b',
    {
      modelType: 'qwen2',
      hiddenSize: 1536,
      numHiddenLayers: 28,
      numAttentionHeads: 12,
      numKeyValueHeads: 2,
      headDim: 128,
      intermediateSize: 8960,
      vocabSize: 151936,
      rmsNormEps: 1e-6,
      ropeTheta: 1e6,
      ropeScaling: null,
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 131072,
      attentionBias: true,
      oProjBias: false,
      qkNorm: false,
    },
    1_543_714_304,
  ],
  [
    'qwen3-0.6b',
    {
      modelType: 'qwen3',
      hiddenSize: 1024,
      numHiddenLayers: 28,
      numAttentionHeads: 16,
      numKeyValueHeads: 8,
      headDim: 128,
      intermediateSize: 3072,
      vocabSize: 151936,
      rmsNormEps: 1e-6,
      ropeTheta: 1e6,
      ropeScaling: null,
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 40960,
      attentionBias: false,
      oProjBias: false,
      qkNorm: true,
    },
    null,
  ],
  [
    'llama-3.2-1b',
    {
      modelType: 'llama',
      hiddenSize: 2048,
      numHiddenLayers: 16,
      numAttentionHeads: 32,
      numKeyValueHeads: 8,
      headDim: 64,
      intermediateSize: 8192,
      vocabSize: 128256,
      rmsNormEps: 1e-5,
      ropeTheta: 500000,
      ropeScaling: { ...LLAMA3_8K, factor: 32 },
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 131072,
      attentionBias: false,
      oProjBias: false,
      qkNorm: false,
    },
    1_235_814_400,
  ],
  [
    'llama-3.2-1b-instruct',
    {
      modelType: 'llama',
      hiddenSize: 2048,
      numHiddenLayers: 16,
      numAttentionHeads: 32,
      numKeyValueHeads: 8,
      headDim: 64,
      intermediateSize: 8192,
      vocabSize: 128256,
      rmsNormEps: 1e-5,
      ropeTheta: 500000,
      ropeScaling: { ...LLAMA3_8K, factor: 32 },
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 131072,
      attentionBias: false,
      oProjBias: false,
      qkNorm: false,
    },
    1_235_814_400,
  ],
  [
    'llama-3.1-8b',
    {
      modelType: 'llama',
      hiddenSize: 4096,
      numHiddenLayers: 32,
      numAttentionHeads: 32,
      numKeyValueHeads: 8,
      headDim: 128,
      intermediateSize: 14336,
      vocabSize: 128256,
      rmsNormEps: 1e-5,
      ropeTheta: 500000,
      ropeScaling: { ...LLAMA3_8K, factor: 8 },
      tieWordEmbeddings: false,
      maxPositionEmbeddings: 131072,
      attentionBias: false,
      oProjBias: false,
      qkNorm: false,
    },
    8_030_261_248,
  ],
];

describe('published config.json files', () => {
  it.each(CASES)('%s parses to its DecoderConfig', (name, expected, params) => {
    const c = parseDecoderConfig(fixture(name));
    expect(c).toEqual(expected);
    if (params !== null) expect(parameterCount(c)).toBe(params);
  });
});
