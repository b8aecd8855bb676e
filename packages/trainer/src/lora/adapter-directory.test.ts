import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdapterError } from './adapter-error.js';
import { adapterConfigJson, parseAdapterConfig, readAdapterDirectory, writeAdapterDirectory, type AdapterInfo } from './adapter-directory.js';

const INFO: AdapterInfo = {
  settings: { rank: 8, alpha: 16, dropout: 0.05, targetModules: ['q_proj', 'v_proj'], useRslora: true },
  init: 'gaussian',
  baseModel: '/models/base',
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rlvr-adapter-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PEFT adapter directory', () => {
  test('adapter_config.json carries PEFT’s LoraConfig keys; all-linear is written as the module list', () => {
    expect(adapterConfigJson(INFO)).toMatchObject({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      r: 8,
      lora_alpha: 16,
      lora_dropout: 0.05,
      target_modules: ['q_proj', 'v_proj'],
      bias: 'none',
      use_rslora: true,
      init_lora_weights: 'gaussian',
      base_model_name_or_path: '/models/base',
    });
    const all = adapterConfigJson({ ...INFO, settings: { ...INFO.settings, targetModules: 'all-linear' } });
    expect(all.target_modules).toEqual(['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']);
    expect(adapterConfigJson({ ...INFO, init: 'kaiming' }).init_lora_weights).toBe(true);
  });

  test('written and read back: settings, init, base and tensors', () => {
    const out = join(dir, 'round-trip');
    const tensors = { 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) } };
    writeAdapterDirectory(out, INFO, tensors);
    const back = readAdapterDirectory(out);
    expect(back.settings).toEqual(INFO.settings);
    expect(back.init).toBe('gaussian');
    expect(back.baseModel).toBe('/models/base');
    expect(Array.from(back.tensors['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight']!.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('a PEFT config as PEFT writes it, with all-linear as a string, is read', () => {
    const info = parseAdapterConfig({ ...adapterConfigJson(INFO), target_modules: 'all-linear', lora_dropout: 0 }, 'x/adapter_config.json');
    expect(info.settings.targetModules).toBe('all-linear');
  });

  test('what cannot be applied is refused naming the file and the key', () => {
    const refused = (over: Record<string, unknown>): string => {
      try {
        parseAdapterConfig({ ...adapterConfigJson(INFO), ...over }, 'a/adapter_config.json');
      } catch (error) {
        expect(error).toBeInstanceOf(AdapterError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ peft_type: 'IA3' })).toBe('a/adapter_config.json: peft_type: expected "LORA", got "IA3"');
    expect(refused({ bias: 'all' })).toContain('bias');
    expect(refused({ use_dora: true })).toContain('use_dora');
    expect(refused({ target_modules: '.*proj' })).toContain('target_modules');
    expect(refused({ target_modules: ['q_proj', 'lm_head'] })).toContain('target_modules');
    expect(refused({ rank_pattern: { q_proj: 4 } })).toContain('rank_pattern');
    expect(refused({ modules_to_save: ['lm_head'] })).toContain('modules_to_save');
    expect(refused({ r: 0 })).toContain('r: expected an integer ≥ 1');
  });

  test('an unreadable or malformed adapter_config.json names the file', () => {
    expect(() => readAdapterDirectory(join(dir, 'missing'))).toThrow(/adapter_config\.json: cannot read: ENOENT/);
    const bad = join(dir, 'bad');
    writeAdapterDirectory(bad, INFO, {});
    writeFileSync(join(bad, 'adapter_config.json'), '{ not json');
    expect(() => readAdapterDirectory(bad)).toThrow(/adapter_config\.json: not valid JSON/);
  });
});
