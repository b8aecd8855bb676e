/**
 * The frozen problem sets of assets/countdown-problems/ (frozen-problems.ts): their content is pinned
 * by checksums taken when they were written (and compared there, draw for draw, with the sfc32
 * generator that drew them), the preset and pretraining read them, and a set stands in only for the
 * generator call it froze.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ConfigError, parseTrainConfig } from '../config/index.js';
import { PRESET_TASK } from '../demo/countdown-preset.js';
import { embeddedModelDir } from '../models/embedded.js';
import { countdownPretrainExamples, pretrainingProblemOptions, pretrainingProblems } from '../pretrain/countdown-corpus.js';
import { countdownTokenizer } from '../pretrain/pretrain.js';
import { useTempDir } from '../testing/temp-dir.js';
import { thrownBy } from '../testing/thrown.js';
import { DatasetError } from './dataset-error.js';
import { countdownGeneratorCall, encodeFrozenProblems, frozenCountdownProblems, frozenProblemsFile, readFrozenProblems } from './frozen-problems.js';
import { countdownGeneratorOptions, loadTask } from './load-task.js';
import { deriveSeed } from './shuffle.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const rows = (problems: readonly { target: number; nums: readonly number[] }[]) => problems.map((p) => [p.target, ...p.nums]);

const tempDir = useTempDir('rlvr-frozen-');

describe('shipped frozen problem sets', () => {
  // sha256 of JSON.stringify of the [target, ...nums] rows, taken from generateCountdownProblems with
  // verifiers' sfc32 (the pretraining one also from a dump of pretrain.ts's own call) before the switch.
  test.each([
    ['embedded:countdown-preset', 4096, 2902783164, '6c2bd4850e52ce91c7c8d8acd39c7bb53ae1e27a7ddbad8b2e7c35b36e18bf6a'],
    ['embedded:countdown-pretraining', 96000, 3555767470, '40cbf10e4e87cdec855b81976a1f648eb7319ddcfee589120b1e06b64120901e'],
  ])('%s: %i sfc32 draws of generator seed %i, content as frozen', (source, count, seed, checksum) => {
    const { header, problems } = readFrozenProblems(source, 'test');
    expect(problems).toHaveLength(count);
    expect(header).toMatchObject({
      algorithm: expect.stringMatching(/^sfc32\b/),
      count,
      options: { count, seed, minNumbers: 3, maxNumbers: 3, minNumber: 1, maxNumber: 9, minTarget: 1, maxTarget: 100, allowUnusedNumbers: false },
    });
    expect(sha256(JSON.stringify(rows(problems)))).toBe(checksum);
  });

  test('the preset reads countdown-preset: the 1,795 distinct problems and the 200 held out of every recorded result', async () => {
    expect(PRESET_TASK.generator.frozen).toBe('embedded:countdown-preset');
    const generator = parseTrainConfig({ task: PRESET_TASK }).task.generator;
    expect(countdownGeneratorCall(countdownGeneratorOptions(generator, generator.seed!))).toEqual(readFrozenProblems('embedded:countdown-preset', 'test').header.options);
    // Ids and problems of both splits, as the sfc32 generator gave them (checksum of a dump taken before the switch).
    const key = (list: { id: string; reference: unknown }[]) => list.map((e) => [e.id, (e.reference as { target: number }).target, ...(e.reference as { nums: number[] }).nums]);
    for (const seed of [1, 42]) {
      const task = await loadTask(parseTrainConfig({ task: PRESET_TASK, seed }).task, seed);
      expect([task.train.length, task.test.length]).toEqual([1595, 200]);
      expect(sha256(JSON.stringify([key(task.train), key(task.test)]))).toBe('ba8717032237062308b14d1f6a780d6c8c621cc1ae272e821aeeebd215ea34dc');
    }
  });

  test("countdown-pretraining is the embedded base model's corpus: its examples rebuild the shipped tokenizer", () => {
    const o = { steps: 3000, batch: 32, seed: 1, problems: 'embedded:countdown-pretraining' };
    expect(countdownGeneratorCall(pretrainingProblemOptions(o))).toEqual(readFrozenProblems(o.problems, 'test').header.options);
    // The tokenizer is learned from the first 8,192 examples: their problems and answers, token for token.
    const examples = countdownPretrainExamples(pretrainingProblems({ ...o, steps: 256 }), 8192, deriveSeed(1, 0xa115));
    const shipped = JSON.parse(readFileSync(join(embeddedModelDir('countdown-base'), 'tokenizer.json'), 'utf8')) as unknown;
    expect(JSON.parse(JSON.stringify(countdownTokenizer(examples, 'whole').tokenizerJson))).toEqual(shipped);
  });
});

describe('frozenCountdownProblems', () => {
  const call = { count: 6, seed: 99, minNumbers: 2, maxNumbers: 2, maxNumber: 9, maxTarget: 20 };
  const problems = [
    [3, 1, 2],
    [8, 4, 4],
    [5, 9, 4],
    [18, 9, 2],
    [1, 5, 5],
    [7, 3, 4],
  ].map(([target, ...nums]) => ({ target: target!, nums }));
  const write = (name: string, text: string | Buffer) => {
    const file = join(tempDir(), name);
    writeFileSync(file, text);
    return file;
  };
  const header = { description: 'test', algorithm: 'sfc32', generator: 'test', script: 'test', options: countdownGeneratorCall(call), count: 6 };

  test('stands in for the call it froze, or for fewer problems of it (their first ones); plain or gzip', () => {
    const text = encodeFrozenProblems(header, problems);
    for (const file of [write('set.json', text), write('set.json.gz', gzipSync(text))]) {
      expect(frozenCountdownProblems(file, call, 'x')).toEqual(problems);
      expect(frozenCountdownProblems(file, { ...call, count: 4 }, 'x')).toEqual(problems.slice(0, 4));
    }
  });

  test('refuses another call by the argument and the option that differs, and more problems than it holds', () => {
    const file = write('set.json', encodeFrozenProblems(header, problems));
    const error = thrownBy(() => frozenCountdownProblems(file, { ...call, seed: 100 }, 'task.generator.frozen'), ConfigError);
    expect(error.field).toBe('task.generator.frozen');
    expect(error.message).toMatch(/holds the problems of seed 99, but this run's generator has seed 100/);
    expect(thrownBy(() => frozenCountdownProblems(file, { ...call, maxNumber: 10 }, 'x'), ConfigError).message).toMatch(/maxNumber 9, but this run's generator has maxNumber 10/);
    // A default filled in counts as given: minNumber 1 is the generator's default.
    expect(frozenCountdownProblems(file, { ...call, minNumber: 1 }, 'x')).toHaveLength(6);
    expect(thrownBy(() => frozenCountdownProblems(file, { ...call, count: 7 }, 'x'), ConfigError).message).toMatch(/holds 6 problems, but this run's generator asks for 7/);
  });

  test('an unknown embedded name is a ConfigError; a malformed file a DatasetError naming it', () => {
    expect(thrownBy(() => frozenProblemsFile('embedded:nope', 'problems'), ConfigError).message).toBe(
      'problems: unknown frozen problem set "nope"; expected one of embedded:countdown-preset, embedded:countdown-pretraining or a file',
    );
    expect(frozenProblemsFile('some/file.json', 'problems')).toBe('some/file.json');
    const cases: [string, RegExp][] = [
      ['{', /cannot read the frozen problem set/],
      ['[]', /no header\.options/],
      [JSON.stringify({ header: { ...header, options: { ...header.options, seed: '1' } }, problems: [] }), /header\.options\.seed is "1"/],
      [JSON.stringify({ header, problems: rows(problems).slice(1) }), /header\.count 6 and header\.options\.count 6 must both be the 5 problems/],
      [JSON.stringify({ header, problems: [...rows(problems).slice(1), [1.5, 2]] }), /problems\[5\] is \[1\.5,2\]/],
    ];
    for (const [text, message] of cases) {
      const file = write('bad.json', text);
      const error = thrownBy(() => readFrozenProblems(file, 'x'), DatasetError);
      expect(error.file).toBe(file);
      expect(error.message).toMatch(message);
    }
  });

  test('task.generator.frozen: loadTask reads the set; a set of other settings is refused by the field', async () => {
    const file = write('set.json', encodeFrozenProblems({ ...header, options: countdownGeneratorCall({ ...call, seed: deriveSeed(5, 1) }) }, problems));
    const generator = { count: 6, minNumbers: 2, maxNumbers: 2, maxNumber: 9, maxTarget: 20, seed: 5, frozen: file };
    const task = await loadTask(parseTrainConfig({ task: { generator, testSize: 2 } }).task, 1);
    // [1, 5, 5] repeats nothing, so all six problems are distinct: four train, two test, ids by draw.
    expect([...task.train, ...task.test].map((e) => e.id).sort()).toEqual(['generated:0', 'generated:1', 'generated:2', 'generated:3', 'generated:4', 'generated:5']);
    expect(task.test).toHaveLength(2);
    const other = parseTrainConfig({ task: { generator: { ...generator, seed: 6 }, testSize: 2 } }).task;
    await expect(loadTask(other, 1)).rejects.toThrow(/^task\.generator\.frozen: .* holds the problems of seed \d+, but this run's generator has seed \d+/);
  });
});
