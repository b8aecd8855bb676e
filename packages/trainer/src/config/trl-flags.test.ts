import { configFields, flagFields, kebab, type ConfigField } from './fields.js';
import { parseTrainConfig } from './load-config.js';
import { trlFlags } from './trl-flags.js';

const byName = (name: string): ConfigField => configFields().find((f) => f.name === name)!;

describe('TRL option names as flags', () => {
  test('the TRL options users type most set the field of the same meaning, in both spellings', () => {
    const flags = flagFields();
    for (const [trl, field] of [
      ['learning_rate', 'optim.lr'],
      ['num_generations', 'sampling.groupSize'],
      ['max_completion_length', 'sampling.maxNewTokens'],
      ['max_prompt_length', 'task.maxPromptTokens'],
      ['beta', 'kl.beta'],
      ['epsilon', 'ppo.epsLow'],
      ['epsilon_high', 'ppo.epsHigh'],
      ['num_iterations', 'ppo.epochs'],
      ['max_steps', 'maxSteps'],
      ['save_steps', 'checkpoint.interval'],
    ]) {
      expect([trl, flags.get(trl!)?.name]).toEqual([trl, field]);
      expect([trl, flags.get(trl!.replace(/_/g, '-'))?.name]).toEqual([trl, field]);
    }
  });

  test('every field: its plain TRL name is its flag unless it declares another meaning or shares the name', () => {
    const fields = configFields();
    const flags = flagFields();
    for (const f of fields) {
      if (f.trl === null || !/^[a-z][a-z0-9_]*$/.test(f.trl)) continue;
      const shared = fields.filter((g) => g.trl === f.trl).length > 1;
      const expected = f.trlNotAlias === undefined && !shared ? f.name : undefined;
      // A name that is no TRL flag may still be one of this project's own flags for the same field (`--seed`).
      const actual = flags.get(f.trl) === f ? f.name : undefined;
      expect([f.name, f.trl, actual]).toEqual([f.name, f.trl, expected]);
    }
  });

  test('TRL names that mean something else here are no flags, and each says why', () => {
    for (const name of ['ppo.microBatchSize', 'ppo.miniBatches', 'loss.aggregation', 'task.dataset', 'kl.reference']) {
      const f = byName(name);
      expect(f.trlNotAlias?.length).toBeGreaterThan(20);
      expect(flagFields().get(f.trl!)).toBeUndefined();
      expect(flagFields().get(kebab(f.trl!))).toBeUndefined();
    }
    // The refusal says which field TRL's name belongs to and why it sets nothing, as a flag and as a file key.
    expect(() => parseTrainConfig({}, ['--per_device_train_batch_size', '4'])).toThrow(
      '--per_device_train_batch_size: unknown config field; TRL’s per_device_train_batch_size sets nothing here (ppo.microBatchSize: in TRL it also sizes the batch of each optimizer step; here it only splits the computation)',
    );
    expect(() => parseTrainConfig({ loss_type: 'dapo' })).toThrow(/^loss_type: unknown field \(in the config\); TRL’s loss_type sets nothing here \(loss\.aggregation: /);
  });

  test('a field added with a TRL name gets its flag from the schema, with no list to update', () => {
    const added: ConfigField = { ...byName('optim.lr'), path: ['loss', 'delta'], name: 'loss.delta', trl: 'delta' };
    expect(trlFlags([...configFields(), added]).get('delta')).toBe(added);
    const twin: ConfigField = { ...added, path: ['loss', 'delta2'], name: 'loss.delta2' };
    expect(trlFlags([...configFields(), added, twin]).has('delta')).toBe(false);
    const different: ConfigField = { ...added, trlNotAlias: 'TRL’s delta means something else' };
    expect(trlFlags([...configFields(), different]).has('delta')).toBe(false);
  });

  test('a TRL name and this project’s flag for one field: equal values are one setting, different ones an error naming both', () => {
    expect(parseTrainConfig({}, ['--lr', '1e-3', '--learning_rate', '0.001']).optim.lr).toBe(1e-3);
    expect(() => parseTrainConfig({}, ['--num_generations', '4', '--group-size', '8'])).toThrow('--group-size: sets sampling.groupSize to 8, but --num_generations sets it to 4; give one of them');
    // A value refused by the schema names the TRL flag it came from.
    expect(() => parseTrainConfig({}, ['--learning_rate', '-1'])).toThrow('optim.lr: got -1 (from --learning_rate); expected a number > 0');
  });
});
