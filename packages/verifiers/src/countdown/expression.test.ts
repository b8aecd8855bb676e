import { evaluate, parseExpression } from './expression.js';
import { add, div, format, integer, mul, sub } from './rational.js';
import { cpuMs } from '../testing/cpu-time.js';

function value(text: string): string {
  const parsed = parseExpression(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  const result = evaluate(parsed.expression);
  return result === null ? 'division-by-zero' : format(result);
}

function reason(text: string, target?: number): string {
  const parsed = parseExpression(text, target === undefined ? {} : { target });
  return parsed.ok ? 'ok' : parsed.reason;
}

describe('parseExpression + evaluate', () => {
  it('respects precedence and left associativity', () => {
    expect(value('2+3*4')).toBe('14');
    expect(value('(2+3)*4')).toBe('20');
    expect(value('8/4/2')).toBe('1');
    expect(value('2-3-4')).toBe('-5');
    expect(value('2-(3-4)')).toBe('3');
    expect(value('2*3-4/2')).toBe('4');
    expect(value('100-10*3+6/2')).toBe('73');
    expect(value('8/(4/2)')).toBe('4');
  });

  it('computes in exact rationals', () => {
    expect(value('(1/3)*3')).toBe('1');
    expect(value('1/3+1/3+1/3')).toBe('1');
    expect(value('1/10+2/10')).toBe('3/10');
    expect(value('7/2')).toBe('7/2');
    expect(value('1/(1/7)')).toBe('7');
    expect(value('0/5')).toBe('0');
    expect(value('0-0')).toBe('0');
    expect(value('5/0')).toBe('division-by-zero');
    expect(value('5/(3-3)')).toBe('division-by-zero');
  });

  it('keeps big values exact beyond 2^53', () => {
    expect(value('99999999*99999999*99999999')).toBe('999999970000000299999999');
    expect(value('9007199254740991+2')).toBe('9007199254740993');
    expect(value('9007199254740991*9007199254740991/9007199254740991')).toBe('9007199254740991');
    expect(value('1/99999999/99999999/99999999*99999999')).toBe('1/9999999800000001');
    expect(value('123456789012345678901234567890-123456789012345678901234567889')).toBe('1');
  });

  it('accepts the documented operator spellings and whitespace', () => {
    expect(value('6×4')).toBe('24');
    expect(value('6\\times4')).toBe('24');
    expect(value('6 \\cdot 4')).toBe('24');
    expect(value('6·4')).toBe('24');
    expect(value('6⋅4')).toBe('24');
    expect(value('48÷2')).toBe('24');
    expect(value('48\\div 2')).toBe('24');
    expect(value('30−6')).toBe('24');
    expect(value(' \t(\n30 - 6 )\u00a0\u2009')).toBe('24');
  });

  it('rejects everything outside the grammar with a reason naming the problem', () => {
    expect(reason('')).toBe('invalid-expression: empty');
    expect(reason('   ')).toBe('invalid-expression: empty');
    expect(reason('2**3')).toBe("invalid-expression: '**' is not allowed");
    expect(reason('8//3')).toBe("invalid-expression: '//' is not allowed");
    expect(reason('8%3')).toBe("invalid-expression: '%' is not allowed");
    expect(reason('2^3')).toBe("invalid-expression: '^' is not allowed");
    expect(reason('1.5+5')).toBe('invalid-expression: decimal number 1.5');
    expect(reason('.5+5')).toBe('invalid-expression: decimal number .5');
    expect(reason('5.')).toBe("invalid-expression: unexpected '.'");
    expect(reason('-3+5')).toBe('invalid-expression: unary minus');
    expect(reason('3*(-5)')).toBe('invalid-expression: unary minus');
    expect(reason('3*−5')).toBe('invalid-expression: unary minus');
    expect(reason('+3')).toBe('invalid-expression: unary plus');
    expect(reason('05+1')).toBe('invalid-expression: leading zero in 05');
    expect(reason('3 4')).toBe('invalid-expression: missing operator between two operands');
    expect(reason('3(4)')).toBe("invalid-expression: missing operator before '('");
    expect(reason('(3)4')).toBe('invalid-expression: missing operator between two operands');
    expect(reason('()')).toBe('invalid-expression: empty parentheses');
    expect(reason('(3+)')).toBe("invalid-expression: missing operand before ')'");
    expect(reason('3)')).toBe("invalid-expression: unbalanced parentheses: unexpected ')'");
    expect(reason('(3')).toBe("invalid-expression: unbalanced parentheses: missing ')'");
    expect(reason('(')).toBe('invalid-expression: no number');
    expect(reason('3+')).toBe('invalid-expression: missing operand at the end');
    expect(reason('*3')).toBe("invalid-expression: missing operand before '*'");
    expect(reason('3+4 abc')).toBe("invalid-expression: unexpected 'a'");
    expect(reason('3+4\u0000')).toBe('invalid-expression: unexpected U+0000');
    expect(reason('3+4😀')).toBe("invalid-expression: unexpected '😀'");
    expect(reason('3\\pm 4')).toBe("invalid-expression: unexpected '\\'");
    expect(reason('3\\timesx 4')).toBe("invalid-expression: unexpected '\\'");
  });

  it('accepts a trailing "= target" only when a target is given and matches', () => {
    expect(reason('3*8 = 24', 24)).toBe('ok');
    expect(parseExpression('3*8=24', { target: 24 })).toMatchObject({ ok: true, expression: { claimedTarget: true, literals: ['3', '8'] } });
    expect(reason('3*8 = 24')).toBe("invalid-expression: unexpected '='");
    expect(reason('3*8 = 25', 24)).toBe("invalid-expression: '=' must be followed by the target 24 and nothing else");
    expect(reason('3*8 = 024', 24)).toMatch(/must be followed/);
    expect(reason('3*8 = 24 + 0', 24)).toMatch(/must be followed/);
    expect(reason('= 24', 24)).toBe("invalid-expression: unexpected '='");
    expect(reason('(3*8 = 24)', 24)).toBe("invalid-expression: unexpected '='");
    expect(reason('3-8 = -5', -5)).toBe('ok');
    expect(reason('3-8 = 5', -5)).toMatch(/must be followed/);
  });

  it('parses 100k nested parentheses and a 1 MB answer iteratively, in bounded CPU time', () => {
    const depth = 100_000;
    const start = cpuMs();
    expect(value(`${'('.repeat(depth)}3${')'.repeat(depth)}*8`)).toBe('24');
    expect(reason('('.repeat(depth))).toBe('invalid-expression: no number');
    expect(reason(`${'('.repeat(depth)}3`)).toBe("invalid-expression: unbalanced parentheses: missing ')'");
    const long = Array.from({ length: 200_000 }, () => '1').join('+'); // ≈ 400 kB, 200k literals
    const parsed = parseExpression(long);
    expect(parsed.ok && parsed.expression.literals.length).toBe(200_000);
    expect(reason(`${'1'.repeat(1_000_000)}+`)).toBe('invalid-expression: missing operand at the end');
    expect(reason(`${'1'.repeat(1_000_000)}.5`)).toMatch(/^invalid-expression: decimal number 1{24}…$/);
    // CPU time, not wall-clock (a loaded machine cannot break it): ≈ 0.3 s when idle; a quadratic parse would take hours.
    expect(cpuMs() - start).toBeLessThan(3000);
  });
});

describe('rational', () => {
  it('switches to bigint on overflow and back when the value fits again', () => {
    const big = mul(integer(2 ** 52), integer(4));
    expect(typeof big.n).toBe('bigint');
    expect(format(big)).toBe('18014398509481984');
    const back = div(big, integer(4))!;
    expect(back).toEqual({ n: 2 ** 52, d: 1 });
    expect(format(sub(add(integer(Number.MAX_SAFE_INTEGER), integer(1)), integer(1)))).toBe(String(Number.MAX_SAFE_INTEGER));
    expect(div(integer(1), integer(0))).toBeNull();
    expect(format(div(integer(3), integer(-6))!)).toBe('-1/2');
    expect(format(mul(integer(-3), integer(0)))).toBe('0');
  });
});
