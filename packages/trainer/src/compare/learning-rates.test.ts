import { CliError } from '../cli/cli-error.js';
import { chooseSweepRates, chosenRatesText, learningRateOf, parseLearningRateOption } from './learning-rates.js';

const WEIGHTINGS = ['grpo', 'linear-r'];
const tuned = (w: string) => (w === 'grpo' ? 1e-3 : 3e-4);

describe('parseLearningRateOption', () => {
  it('absent: every weighting keeps its tuned rate', () => {
    const option = parseLearningRateOption(undefined, WEIGHTINGS);
    expect(WEIGHTINGS.map((w) => learningRateOf(option, w, tuned))).toEqual([1e-3, 3e-4]);
  });

  it('one rate applies to every weighting', () => {
    const option = parseLearningRateOption('5e-4', WEIGHTINGS);
    expect(WEIGHTINGS.map((w) => learningRateOf(option, w, tuned))).toEqual([5e-4, 5e-4]);
  });

  it('NAME=LR pairs give each weighting its own rate, spaces allowed', () => {
    const option = parseLearningRateOption('linear-r=0.00025, grpo=0.0005', WEIGHTINGS);
    expect(WEIGHTINGS.map((w) => learningRateOf(option, w, tuned))).toEqual([5e-4, 2.5e-4]);
  });

  it.each([
    ['-1', 'expected a learning rate > 0'],
    ['grpo=0', 'expected a learning rate > 0'],
    ['grpo=1e-3,linear-r', 'expected NAME=LR pairs'],
    ['grpo=1e-3,sqrt-r=1e-3,linear-r=1e-3', 'sqrt-r is not among the compared weightings (grpo, linear-r)'],
    ['grpo=1e-3,grpo=2e-3,linear-r=1e-3', 'grpo is given twice'],
    ['grpo=1e-3', 'no rate for linear-r'],
  ])('--lr %s is refused: %s', (text, message) => {
    let error: unknown;
    try {
      parseLearningRateOption(text, WEIGHTINGS);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toContain('--lr');
    expect((error as Error).message).toContain(message);
  });
});

describe('chooseSweepRates', () => {
  const grid = [1.25e-4, 2.5e-4, 5e-4, 1.5e-3];
  const scores = [
    { weighting: 'grpo', lr: 1.25e-4, score: 0.1 },
    { weighting: 'grpo', lr: 2.5e-4, score: 0.2 },
    { weighting: 'grpo', lr: 5e-4, score: 0.35 },
    { weighting: 'grpo', lr: 1.5e-3, score: 0.05 },
    { weighting: 'linear-r', lr: 1.25e-4, score: 0.3 },
    { weighting: 'linear-r', lr: 2.5e-4, score: 0.3 },
    { weighting: 'linear-r', lr: 5e-4, score: 0.2 },
    { weighting: 'linear-r', lr: 1.5e-3, score: 0.01 },
  ];

  it('picks the highest score per weighting, a tie going to the smaller rate, and marks the grid edge', () => {
    expect(chooseSweepRates(scores, grid)).toEqual([
      { weighting: 'grpo', lr: 5e-4, score: 0.35, edge: null },
      { weighting: 'linear-r', lr: 1.25e-4, score: 0.3, edge: 'lowest' },
    ]);
  });

  it('marks the highest rate too, and no edge for a one-rate grid', () => {
    expect(chooseSweepRates([{ weighting: 'grpo', lr: 1.5e-3, score: 0.4 }, ...scores], grid)[0]!.edge).toBe('highest');
    expect(chooseSweepRates([{ weighting: 'grpo', lr: 5e-4, score: 0.4 }], [5e-4])[0]!.edge).toBeNull();
  });

  it('the text lists each choice and the --lr that runs them, which parses back to the same rates', () => {
    const chosen = chooseSweepRates(scores, grid);
    const text = chosenRatesText(chosen);
    expect(text).toContain('| grpo | 0.0005 | 35.0 |  |');
    expect(text).toContain("| linear-r | 0.000125 | 30.0 | the grid's lowest: try beyond it |");
    const lr = /`--lr ([^`]+)`/.exec(text)![1]!;
    expect(lr).toBe('grpo=0.0005,linear-r=0.000125');
    const option = parseLearningRateOption(lr, WEIGHTINGS);
    expect(WEIGHTINGS.map((w) => learningRateOf(option, w, tuned))).toEqual([5e-4, 1.25e-4]);
  });
});
