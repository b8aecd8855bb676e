import { runCli } from '../cli/run-cli.js';
import { captureIo } from '../testing/capture-io.js';

/** Run `rlvr weights …` in-process; returns the exit code and both streams. */
async function weights(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['weights', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

/** Run and parse the JSON of a successful call. */
async function weightsJson(...args: string[]) {
  const result = await weights(...args);
  expect(result.err).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.out) as { weighting: string; advantages: number[]; rhoHat: number[] };
}

/** Float32 output compared with exact expectations: f32 keeps about 7 significant digits. */
function expectClose(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 5));
}

describe('rlvr weights: output', () => {
  test('prints exactly one JSON object with weighting, advantages and rhoHat', async () => {
    const { code, out } = await weights('--weighting', 'linear-r', '--group-size', '4', '--rewards', '1,0,0,0');
    expect(code).toBe(0);
    expect(out.endsWith('\n')).toBe(true);
    expect(out.trim().split('\n')).toHaveLength(1);
    const parsed = JSON.parse(out);
    expect(Object.keys(parsed)).toEqual(['weighting', 'advantages', 'rhoHat']);
    expect(parsed).toEqual({ weighting: 'linear-r', advantages: [3, -1, -1, -1], rhoHat: [0.25] });
  });

  test('Linear-R: an unsolved group pushes every response down with −1; two groups in order', async () => {
    const parsed = await weightsJson('--weighting', 'linear-r', '--group-size', '4', '--rewards', '0,0,0,0,1,1,0,0');
    // ρ̂ = 0: A_wrong = −h(0) = −1. ρ̂ = 1/2: ω = 1/ρ̂ = 2, A = 2·(r − 1/2) = ±1.
    expect(parsed.advantages).toEqual([-1, -1, -1, -1, 1, 1, -1, -1]);
    expect(parsed.rhoHat).toEqual([0, 0.5]);
  });

  test('GRPO: zero-variance groups give 0; a mixed group is (r − mean)/(sample std + 1e-6)', async () => {
    const parsed = await weightsJson('--weighting', 'grpo', '--group-size', '4', '--rewards', '0,0,0,0,1,1,1,1,1,0,0,0');
    // Sample std of (1,0,0,0): √(Σ(r−¼)²/3) = √(0.75/3) = 0.5.
    const scale = 1 / (0.5 + 1e-6);
    expectClose(parsed.advantages, [0, 0, 0, 0, 0, 0, 0, 0, 0.75 * scale, -0.25 * scale, -0.25 * scale, -0.25 * scale]);
    expect(parsed.rhoHat).toEqual([0, 1, 0.25]);
  });

  test('GRPO with --std population divides by √(ρ̂(1−ρ̂))', async () => {
    const parsed = await weightsJson('--weighting', 'grpo', '--std', 'population', '--epsilon', '0', '--group-size', '4', '--rewards', '1,0,0,0');
    const sigma = Math.sqrt(0.25 * 0.75);
    expectClose(parsed.advantages, [0.75 / sigma, -0.25 / sigma, -0.25 / sigma, -0.25 / sigma]);
  });

  test('Sqrt-R and Plateau-R (τ = 0.3) on a half-solved group', async () => {
    // Sqrt-R: h(½) = √½, A_correct = h/ρ̂ = √2, A_wrong = −h/(1−ρ̂) = −√2.
    const sqrt = await weightsJson('--weighting', 'sqrt-r', '--group-size', '4', '--rewards', '1,1,0,0');
    expectClose(sqrt.advantages, [Math.SQRT2, Math.SQRT2, -Math.SQRT2, -Math.SQRT2]);
    // Plateau-R past τ: h = (1−ρ̂)/(1−τ) = 0.5/0.7, A = ±h/0.5.
    const plateau = await weightsJson('--weighting', 'plateau-r', '--threshold', '0.3', '--group-size', '4', '--rewards', '1,1,0,0');
    const a = 0.5 / 0.7 / 0.5;
    expectClose(plateau.advantages, [a, a, -a, -a]);
  });

  test('--zero-variance zero and reinforce', async () => {
    const zero = await weightsJson('--weighting', 'linear-r', '--group-size', '4', '--rewards', '0,0,0,0', '--zero-variance', 'zero');
    expect(zero.advantages).toEqual([0, 0, 0, 0]);
    const reinforce = await weightsJson('--weighting', 'grpo', '--group-size', '2', '--rewards', '0,0,1,1', '--zero-variance', 'reinforce');
    expect(reinforce.advantages).toEqual([-1, -1, 0, 0]);
  });

  test('non-binary rewards: the success fraction by default (threshold 1, as rlvr train), the mean reward with --binarize null', async () => {
    const binary = { weighting: 'linear-r', advantages: [3, -1, -1, -1], rhoHat: [0.25] };
    expect(await weightsJson('--weighting', 'linear-r', '--group-size', '4', '--rewards', '1,0.1,0,0')).toEqual(binary);
    expect(await weightsJson('--weighting', 'linear-r', '--group-size', '4', '--rewards', '1,0.1,0,0', '--binarize', '1')).toEqual(binary);
    // Linear-R: ω = 1/ρ̂ with ρ̂ = 0.275, A = (r − ρ̂)/ρ̂.
    const raw = await weightsJson('--weighting', 'linear-r', '--group-size', '4', '--rewards', '1,0.1,0,0', '--binarize', 'null');
    const rho = 0.275;
    expectClose(raw.advantages, [(1 - rho) / rho, (0.1 - rho) / rho, -1, -1]);
    expect(raw.rhoHat[0]).toBeCloseTo(rho, 12);
    // A lower threshold counts the format credit as a success.
    expect((await weightsJson('--weighting', 'linear-r', '--group-size', '4', '--rewards', '1,0.1,0,0', '--binarize', '0.1')).rhoHat).toEqual([0.5]);
  });

  test('an all-0.1 group (well formatted, all wrong): pushed down with −h(0) by default, no gradient with raw rewards', async () => {
    const flat = ['--weighting', 'linear-r', '--group-size', '4', '--rewards', '0.1,0.1,0.1,0.1'];
    expect(await weightsJson(...flat)).toEqual({ weighting: 'linear-r', advantages: [-1, -1, -1, -1], rhoHat: [0] });
    const raw = await weightsJson(...flat, '--binarize', 'null');
    expect(raw.advantages).toEqual([0, 0, 0, 0]);
    expect(raw.rhoHat[0]).toBeCloseTo(0.1, 6);
  });

  test('accepts --flag=value and spaces around rewards', async () => {
    const parsed = await weightsJson('--weighting=rloo', '--group-size=2', '--rewards= 1, 0');
    // RLOO: M/(M−1)·(r − mean) = 2·(±½).
    expect(parsed.advantages).toEqual([1, -1]);
  });
});

describe('rlvr weights: negative rewards', () => {
  test('the mean-baselined weightings take any real reward, as given with --binarize null', async () => {
    const raw = ['--group-size', '4', '--rewards', '2,-1,0.5,0.5', '--binarize', 'null'];
    // mean 0.5; r − mean = (1.5, −1.5, 0, 0); sample std = √(4.5/3).
    expectClose((await weightsJson('--weighting', 'dr-grpo', ...raw)).advantages, [1.5, -1.5, 0, 0]);
    expectClose((await weightsJson('--weighting', 'rloo', ...raw)).advantages, [2, -2, 0, 0]);
    const std = Math.sqrt(4.5 / 3);
    expectClose((await weightsJson('--weighting', 'grpo', ...raw)).advantages, [1.5 / (std + 1e-6), -1.5 / (std + 1e-6), 0, 0]);
    expect((await weightsJson('--weighting', 'reinforce', ...raw)).advantages).toEqual([2, -1, 0.5, 0.5]);
  });

  test('binarized (the default), a negative reward is a failure for every weighting', async () => {
    const parsed = await weightsJson('--weighting', 'linear-r', '--group-size', '4', '--rewards', '1,-1,-0.5,0');
    expect(parsed).toEqual({ weighting: 'linear-r', advantages: [3, -1, -1, -1], rhoHat: [0.25] });
  });
});

describe('rlvr weights: bad input exits 2 with one line naming the flag', () => {
  const base = ['--weighting', 'linear-r', '--group-size', '4', '--rewards', '1,0,0,0'];
  /** `base` with `flag` replaced by `value`, or removed when `value` is undefined. */
  function withFlag(flag: string, value: string | undefined): string[] {
    const args: string[] = [];
    for (let i = 0; i < base.length; i += 2) {
      if (base[i] !== flag) args.push(base[i]!, base[i + 1]!);
      else if (value !== undefined) args.push(flag, value);
    }
    return args;
  }

  const cases: [string, string[], string, RegExp?][] = [
    ['reward count not a multiple of M', withFlag('--rewards', '1,0,0,0,1'), '--rewards', /multiple of --group-size = 4/],
    ['M < 2', withFlag('--group-size', '1'), '--group-size', /integer ≥ 2/],
    ['M not an integer', withFlag('--group-size', '2.5'), '--group-size', /integer/],
    ['M not a number', withFlag('--group-size', 'four'), '--group-size', /number/],
    ['NaN reward', withFlag('--rewards', '1,NaN,0,0'), '--rewards', /entry 2 of 4.*finite/],
    ['infinite reward', withFlag('--rewards', '1,0,Infinity,0'), '--rewards', /entry 3 of 4.*finite/],
    ['overflowing reward', withFlag('--rewards', '1,0,0,1e999'), '--rewards', /finite/],
    [
      'raw negative reward for a success-rate weighting',
      [...withFlag('--rewards', '1,0,-1,0'), '--binarize', 'null'],
      '--rewards',
      /entry 3 of 4: linear-r reads ρ̂ as a success rate and takes rewards in \[0, 1\], got -1; binarize them \(--binarize T\) or use a weighting that takes any real reward \(grpo, rloo, dr-grpo, reinforce\)/,
    ],
    ['non-numeric reward', withFlag('--rewards', '1,0,yes,0'), '--rewards', /"yes"/],
    ['empty reward entry', withFlag('--rewards', '1,,0,0'), '--rewards', /entry 2 of 4: empty/],
    ['hexadecimal reward', withFlag('--rewards', '0x1,0,0,0'), '--rewards', /number/],
    // Raw rewards only: binarized (the default) a reward of 2 is a success like any reward ≥ 1.
    ['raw reward above 1 for a success-rate weighting', [...withFlag('--rewards', '2,0,0,0'), '--binarize', 'null'], '--rewards', /entry 1.*\[0, 1\]/],
    ['unknown weighting', withFlag('--weighting', 'ppo'), '--weighting', /grpo, rloo/],
    ['unknown zero-variance mode', [...base, '--zero-variance', 'skip'], '--zero-variance', /weighting, zero, reinforce/],
    ['missing --weighting', withFlag('--weighting', undefined), '--weighting', /required/],
    ['missing --group-size', withFlag('--group-size', undefined), '--group-size', /required/],
    ['missing --rewards', withFlag('--rewards', undefined), '--rewards', /required/],
    ['unknown flag', [...base, '--temperature', '1'], '--temperature', /unknown option/],
    ['flag without its value', ['--weighting', 'grpo', '--group-size', '4', '--rewards'], '--rewards', /expects a value/],
    ['value forgotten before the next flag', ['--weighting', 'grpo', '--rewards', '--group-size', '4'], '--rewards', /expects a value/],
    ['flag given twice', [...base, '--group-size', '2'], '--group-size', /more than once/],
    ['parameter the weighting does not take', withFlag('--weighting', 'grpo').concat('--threshold', '0.3'), '--threshold', /grpo takes no parameter/],
    ['plateau threshold outside (0, 1)', withFlag('--weighting', 'plateau-r').concat('--threshold', '1.5'), '--threshold', /between 0 and 1/],
    ['unknown std convention', withFlag('--weighting', 'grpo').concat('--std', 'bessel'), '--std', /sample, population/],
    ['non-numeric binarize threshold', [...base, '--binarize', 'high'], '--binarize', /number/],
  ];

  test.each(cases)('%s', async (_name, args, flag, detail) => {
    const { code, out, err } = await weights(...args);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.endsWith('\n')).toBe(true);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^rlvr weights: /);
    expect(err).toContain(flag);
    if (detail) expect(err).toMatch(detail);
    // Never a stack trace for a user error.
    expect(err).not.toMatch(/\n\s+at |Error:/);
  });

  test('a positional argument is refused', async () => {
    const { code, err } = await weights(...base, 'extra');
    expect(code).toBe(2);
    expect(err).toMatch(/unexpected argument "extra"/);
  });
});
