/** Countdown: verifier, answer-expression parser, solver and seeded problem generator. */
export { countdown, extractAnswer, parseCountdownReference } from './verifier.js';
export type { AnswerTag, CountdownOptions, CountdownReference } from './verifier.js';
export { evaluate, parseExpression } from './expression.js';
export type { ParsedExpression, ParseOptions, ParseResult } from './expression.js';
export { format as formatRational } from './rational.js';
export type { Rational } from './rational.js';
export { generateCountdownProblems, MAX_SOLVER_NUMBERS, solveCountdown } from './solver.js';
export type { CountdownGeneratorOptions, CountdownProblem, SolveOptions } from './solver.js';
