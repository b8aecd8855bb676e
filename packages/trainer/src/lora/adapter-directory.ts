/**
 * A LoRA adapter directory in PEFT's layout, as `PeftModel.save_pretrained` writes it and
 * `PeftModel.from_pretrained` reads it: `adapter_config.json` (peft_type LORA, r, lora_alpha,
 * lora_dropout, target_modules, base_model_name_or_path, bias none, task_type CAUSAL_LM, use_rslora,
 * init_lora_weights …) and `adapter_model.safetensors` with A and B under PEFT's saved names
 * (`base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight` …). The base model is not copied:
 * its path is recorded.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  readSafetensorsSync,
  writeFileAtomic,
  writeSafetensors,
  type NamedTensors,
  type SafetensorsMetadata,
} from '@rlvr/core';
import type { LoraInit, LoraSettings } from '@rlvr/kernels';
// The module list comes from the config schema, not @rlvr/kernels, so reading and writing checkpoints
// never loads the kernels (and their shaders).
import { LORA_TARGET_CHOICES } from '../config/schema.js';
import { AdapterError } from './adapter-error.js';

/** The module names an adapter may wrap (every choice of `lora.targetModules` but `all-linear`). */
const LORA_MODULES = LORA_TARGET_CHOICES.filter((m) => m !== 'all-linear');

/** File names of an adapter directory (PEFT's). */
export const ADAPTER_FILES = { config: 'adapter_config.json', weights: 'adapter_model.safetensors' } as const;

/** What an adapter directory holds besides its tensors. */
export interface AdapterInfo {
  /** The LoRA hyperparameters. */
  settings: LoraSettings;
  /** How A was initialised (PEFT's `init_lora_weights`: true = kaiming, or "gaussian"). */
  init: LoraInit;
  /** The base model's directory (PEFT's `base_model_name_or_path`). */
  baseModel: string;
}

/** An adapter directory read back. */
export interface AdapterDirectory extends AdapterInfo {
  /** A and B by PEFT name, as F32. */
  tensors: NamedTensors;
}

/** Whether `dir` holds an adapter (its adapter_config.json). */
export function isAdapterDirectory(dir: string): boolean {
  return existsSync(join(dir, ADAPTER_FILES.config));
}

/** adapter_config.json's object for `info`: PEFT's LoraConfig keys, with the resolved module list. */
export function adapterConfigJson(info: AdapterInfo): Record<string, unknown> {
  const s = info.settings;
  const modules = s.targetModules === 'all-linear' ? [...LORA_MODULES] : [...s.targetModules];
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: info.baseModel,
    revision: null,
    inference_mode: true,
    r: s.rank,
    lora_alpha: s.alpha,
    lora_dropout: s.dropout,
    target_modules: modules,
    bias: 'none',
    use_rslora: s.useRslora,
    use_dora: false,
    fan_in_fan_out: false,
    init_lora_weights: info.init === 'gaussian' ? 'gaussian' : true,
    modules_to_save: null,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
  };
}

/** Write `adapter_model.safetensors` then `adapter_config.json` into `dir` (created if needed; each file atomic); returns their paths. */
export function writeAdapterDirectory(
  dir: string,
  info: AdapterInfo,
  tensors: NamedTensors,
  metadata: SafetensorsMetadata = {},
): { config: string; weights: string } {
  mkdirSync(dir, { recursive: true });
  const weights = join(dir, ADAPTER_FILES.weights);
  const config = join(dir, ADAPTER_FILES.config);
  writeSafetensors(weights, tensors, { format: 'pt', ...metadata });
  writeFileAtomic(config, `${JSON.stringify(adapterConfigJson(info), null, 2)}\n`);
  return { config, weights };
}

/** Read `dir`'s adapter_config.json (errors name the file and the key) and its tensors. */
export function readAdapterDirectory(dir: string): AdapterDirectory {
  const path = join(dir, ADAPTER_FILES.config);
  const info = parseAdapterConfig(readJson(path), path);
  return { ...info, tensors: readSafetensorsSync(join(dir, ADAPTER_FILES.weights)).tensors };
}

function readJson(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AdapterError(path, `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AdapterError(path, `not valid JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new AdapterError(path, 'expected a JSON object');
  }
  return json as Record<string, unknown>;
}

/**
 * The settings of a PEFT adapter_config.json; what this project cannot apply (another PEFT type, a
 * bias, DoRA, per-module ranks, modules to save, a regex of modules) is refused naming the key.
 */
export function parseAdapterConfig(json: Record<string, unknown>, path: string): AdapterInfo {
  const bad = (key: string, expected: string): never => {
    throw new AdapterError(path, `${key}: expected ${expected}, got ${JSON.stringify(json[key])}`);
  };
  const absentOr = (key: string, ok: (v: unknown) => boolean, expected: string): void => {
    if (json[key] !== undefined && !ok(json[key])) bad(key, expected);
  };
  if (json.peft_type !== 'LORA') bad('peft_type', '"LORA"');
  const r = json.r;
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1) bad('r', 'an integer ≥ 1');
  const alpha = json.lora_alpha;
  if (typeof alpha !== 'number' || !(alpha > 0)) bad('lora_alpha', 'a number > 0');
  const dropout = json.lora_dropout ?? 0;
  if (typeof dropout !== 'number' || dropout < 0 || dropout >= 1) bad('lora_dropout', 'a number in [0, 1)');
  const t = json.target_modules;
  const modules =
    t === 'all-linear' ? t : Array.isArray(t) ? t : bad('target_modules', 'a list of module names or "all-linear"');
  if (Array.isArray(modules)) {
    for (const m of modules) {
      if (!(LORA_MODULES as readonly unknown[]).includes(m)) {
        bad('target_modules', `module names among ${LORA_MODULES.join(', ')}`);
      }
    }
  }
  absentOr('bias', (v) => v === 'none', '"none" (adapters without biases)');
  absentOr('use_dora', (v) => v === false, 'false');
  absentOr('fan_in_fan_out', (v) => v === false, 'false');
  absentOr('use_rslora', (v) => typeof v === 'boolean', 'true or false');
  absentOr('modules_to_save', (v) => v === null, 'null');
  absentOr('layers_to_transform', (v) => v === null, 'null');
  const empty = (v: unknown): boolean => typeof v === 'object' && v !== null && Object.keys(v).length === 0;
  absentOr('rank_pattern', empty, '{} (one rank for every module)');
  absentOr('alpha_pattern', empty, '{} (one alpha for every module)');
  absentOr('init_lora_weights', (v) => v === true || v === false || v === 'gaussian', 'true, false or "gaussian"');
  const base = json.base_model_name_or_path;
  return {
    settings: {
      rank: r as number,
      alpha: alpha as number,
      dropout: dropout as number,
      targetModules: modules as LoraSettings['targetModules'],
      useRslora: json.use_rslora === true,
    },
    init: json.init_lora_weights === 'gaussian' ? 'gaussian' : 'kaiming',
    baseModel: typeof base === 'string' ? base : '',
  };
}
