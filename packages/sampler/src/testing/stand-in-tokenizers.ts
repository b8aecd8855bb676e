/**
 * Small stand-ins for the tokenizers of real model families (nothing can be downloaded here): a
 * byte-level BPE learned from {@link TINY_CORPUS} with the family's special tokens, post-processor and
 * a chat template of the same layout, so that BOS, EOS and chat handling are tested as they behave
 * with the real files. The vocabularies are tiny; the ids differ from the real ones.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBpeTokenizer, type TokenizerFiles } from '../tokenizer/bpe-builder.js';
import { TINY_CORPUS } from './tiny-model.js';

/** Llama 3's special tokens used by its base and instruct models. */
export const LLAMA3_SPECIAL_TOKENS = [
  '<|begin_of_text|>',
  '<|end_of_text|>',
  '<|start_header_id|>',
  '<|end_header_id|>',
  '<|eot_id|>',
];

/** A chat template with Llama 3's layout: BOS, then per message a role header, the trimmed content and `<|eot_id|>`. */
export const LLAMA3_STYLE_TEMPLATE =
  '{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>\n\n' +
  '{{ m.content | trim }}<|eot_id|>{% endfor %}' +
  '{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}';

/**
 * A Llama 3 stand-in: tokenizer.json's post-processor is ByteLevel then TemplateProcessing putting
 * `<|begin_of_text|>` before each sequence (as Llama 3's tokenizer.json has it); tokenizer_config.json has
 * no `add_bos_token`, `eos_token` is `<|eot_id|>` (the instruct models'), and no chat template (pass it
 * to {@link writeChatTemplateFile}, as transformers ≥ 4.43 saves it).
 */
export function llama3StandIn(vocabSize = 320): TokenizerFiles {
  const files = buildBpeTokenizer({
    corpus: TINY_CORPUS,
    vocabSize,
    specialTokens: LLAMA3_SPECIAL_TOKENS,
    eosToken: '<|eot_id|>',
  });
  const bos = LLAMA3_SPECIAL_TOKENS[0]!;
  const added = files.tokenizerJson.added_tokens as { id: number; content: string }[];
  const bosId = added.find((t) => t.content === bos)!.id;
  const special = (typeId: number) => ({ SpecialToken: { id: bos, type_id: typeId } });
  const sequence = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const byteLevel = files.tokenizerJson.post_processor;
  return {
    tokenizerJson: {
      ...files.tokenizerJson,
      post_processor: {
        type: 'Sequence',
        processors: [
          byteLevel,
          {
            type: 'TemplateProcessing',
            single: [special(0), sequence('A', 0)],
            pair: [special(0), sequence('A', 0), special(1), sequence('B', 1)],
            special_tokens: { [bos]: { id: bos, ids: [bosId], tokens: [bos] } },
          },
        ],
      },
    },
    tokenizerConfig: { ...files.tokenizerConfig, bos_token: bos, pad_token: null, chat_template: null },
  };
}

/**
 * A Qwen2.5 / SmolLM2 stand-in: ByteLevel post-processor only (no BOS is ever added), `bos_token` null,
 * `eos_token` `<|im_end|>`, `pad_token` `<|endoftext|>`, ChatML template in tokenizer_config.json.
 */
export function qwenStandIn(vocabSize = 320): TokenizerFiles {
  return buildBpeTokenizer({ corpus: TINY_CORPUS, vocabSize });
}

/** Writes `template` as the directory's `chat_template.jinja`. */
export function writeChatTemplateFile(dir: string, template: string): void {
  writeFileSync(join(dir, 'chat_template.jinja'), template);
}
