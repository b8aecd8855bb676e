/**
 * A small exact parser for the scalar LaTeX that answers are made of: numbers and decimals, fractions
 * in every spelling (`\frac{a}{b}`, `\frac12`, `a/b`), signs, `\pi`, `e`, `i`, radicals, implicit
 * products, powers, factorials, `\binom`, the usual functions, and variables. It builds an AST; the
 * exact normal form lives in `algebra.ts`, the numeric evaluation below. Anything outside this
 * grammar is a {@link ParseError}, and the caller hands the answer to compute-engine instead.
 */
import { Rational, TooComplexError, factorial } from './rational.js';
import { checkDeadline } from '../deadline.js';

/** Expression tree of a scalar answer. */
export type Node =
  | { k: 'num'; v: Rational; literal: string; decimal: boolean }
  | { k: 'sym'; name: string }
  | { k: 'add'; a: Node; b: Node }
  | { k: 'neg'; a: Node }
  | { k: 'mul'; a: Node; b: Node }
  | { k: 'div'; a: Node; b: Node }
  | { k: 'pow'; a: Node; b: Node }
  | { k: 'root'; a: Node; n: Node }
  | { k: 'fact'; a: Node }
  | { k: 'binom'; a: Node; b: Node }
  | { k: 'fn'; name: string; a: Node; base?: Node };

/** The text is outside the grammar of {@link parseScalar}. */
export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseError';
  }
}

/** Deepest nesting the parser follows (brackets, fractions, exponents); deeper is "too complex". */
export const MAX_DEPTH = 48;

const FUNCTIONS = new Set([
  'sin',
  'cos',
  'tan',
  'cot',
  'sec',
  'csc',
  'arcsin',
  'arccos',
  'arctan',
  'sinh',
  'cosh',
  'tanh',
  'ln',
  'log',
  'exp',
]);
const GREEK = new Set([
  'alpha',
  'beta',
  'gamma',
  'delta',
  'epsilon',
  'varepsilon',
  'zeta',
  'eta',
  'theta',
  'vartheta',
  'iota',
  'kappa',
  'lambda',
  'mu',
  'nu',
  'xi',
  'rho',
  'sigma',
  'tau',
  'upsilon',
  'phi',
  'varphi',
  'chi',
  'psi',
  'omega',
  'Gamma',
  'Delta',
  'Theta',
  'Lambda',
  'Xi',
  'Sigma',
  'Phi',
  'Psi',
  'Omega',
]);
const MUL_COMMANDS = new Set(['cdot', 'times', 'ast']);

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  parse(): Node {
    const node = this.expr();
    this.ws();
    if (this.pos < this.s.length) throw new ParseError(`unexpected "${this.s.slice(this.pos, this.pos + 10)}"`);
    return node;
  }

  private enter(): void {
    checkDeadline();
    if (++this.depth > MAX_DEPTH) throw new TooComplexError('nesting too deep');
  }

  private ws(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos]!)) this.pos++;
  }

  private peek(): string {
    this.ws();
    return this.s[this.pos] ?? '';
  }

  /** The command name at the cursor (`\frac` → "frac"), without consuming it; "" when none. */
  private peekCommand(): string {
    this.ws();
    if (this.s[this.pos] !== '\\') return '';
    const m = /^\\([A-Za-z]+)/.exec(this.s.slice(this.pos, this.pos + 20));
    return m ? m[1]! : '';
  }

  private eatCommand(name: string): void {
    this.pos += name.length + 1;
  }

  private expect(c: string): void {
    if (this.peek() !== c) throw new ParseError(`expected "${c}"`);
    this.pos++;
  }

  private expr(): Node {
    this.enter();
    let node = this.term();
    for (;;) {
      const c = this.peek();
      if (c === '+') {
        this.pos++;
        node = { k: 'add', a: node, b: this.term() };
      } else if (c === '-') {
        this.pos++;
        node = { k: 'add', a: node, b: { k: 'neg', a: this.term() } };
      } else break;
    }
    this.depth--;
    return node;
  }

  private term(): Node {
    let node = this.unary();
    for (;;) {
      const c = this.peek();
      const cmd = this.peekCommand();
      if (c === '*' || MUL_COMMANDS.has(cmd)) {
        this.pos += c === '*' ? 1 : cmd.length + 1;
        node = { k: 'mul', a: node, b: this.unary() };
      } else if (c === '/' || cmd === 'div') {
        this.pos += c === '/' ? 1 : 4;
        node = { k: 'div', a: node, b: this.unary() };
      } else if (this.startsPrimary()) {
        node = { k: 'mul', a: node, b: this.power() };
      } else break;
    }
    return node;
  }

  private startsPrimary(): boolean {
    const c = this.peek();
    if (c === '') return false;
    if (/[0-9.A-Za-z({]/.test(c)) return true;
    if (c === '\\') {
      const cmd = this.peekCommand();
      return cmd !== '' && !MUL_COMMANDS.has(cmd) && cmd !== 'div';
    }
    return false;
  }

  private unary(): Node {
    const c = this.peek();
    if (c === '-') {
      this.pos++;
      this.enter();
      const n: Node = { k: 'neg', a: this.unary() };
      this.depth--;
      return n;
    }
    if (c === '+') {
      this.pos++;
      return this.unary();
    }
    return this.power();
  }

  private power(): Node {
    let base = this.postfix();
    while (this.peek() === '^') {
      this.pos++;
      this.enter();
      base = { k: 'pow', a: base, b: this.exponentArg() };
      this.depth--;
      base = this.factorials(base);
    }
    return base;
  }

  private postfix(): Node {
    return this.factorials(this.primary());
  }

  private factorials(node: Node): Node {
    while (this.peek() === '!') {
      this.pos++;
      node = { k: 'fact', a: node };
    }
    return node;
  }

  /** `^{…}`, `^2` (one digit, as in LaTeX), `^x`, `^\pi`, `^-1` (lenient). */
  private exponentArg(): Node {
    const c = this.peek();
    if (c === '{') return this.group();
    if (c === '-') {
      this.pos++;
      return { k: 'neg', a: this.exponentArg() };
    }
    return this.singleArg();
  }

  /** A macro argument: a braced group, or one digit / letter / command (so `\frac12` = ½). */
  private singleArg(): Node {
    const c = this.peek();
    if (c === '{') return this.group();
    if (/[0-9]/.test(c)) {
      this.pos++;
      return { k: 'num', v: Rational.of(BigInt(c)), literal: c, decimal: false };
    }
    if (/[A-Za-z]/.test(c)) {
      this.pos++;
      return this.symbol(c);
    }
    if (c === '\\') return this.primary();
    throw new ParseError('missing argument');
  }

  private group(): Node {
    this.expect('{');
    const node = this.expr();
    this.expect('}');
    return node;
  }

  private symbol(name: string): Node {
    let full = name;
    if (this.peek() === '_' && name !== 'e' && name !== 'i') {
      // x_1, x_{12}: an indexed variable, one name
      this.pos++;
      const m = /^(\{[A-Za-z0-9]{1,8}\}|[A-Za-z0-9])/.exec(this.s.slice(this.pos, this.pos + 12));
      if (!m) throw new ParseError('bad subscript');
      this.pos += m[0].length;
      full = `${name}_${m[0].replace(/[{}]/g, '')}`;
    }
    return { k: 'sym', name: full };
  }

  private primary(): Node {
    const c = this.peek();
    if (/[0-9.]/.test(c)) return this.number();
    if (/[A-Za-z]/.test(c)) {
      this.pos++;
      return this.symbol(c);
    }
    if (c === '(') {
      this.pos++;
      const node = this.expr();
      this.expect(')');
      return node;
    }
    if (c === '{') return this.group();
    if (c === '|') {
      this.pos++;
      const node = this.expr();
      this.expect('|');
      return { k: 'fn', name: 'abs', a: node };
    }
    if (c === '\\') return this.command();
    throw new ParseError(c === '' ? 'unexpected end' : `unexpected "${c}"`);
  }

  private number(): Node {
    const m = /^(\d+(?:\.\d*)?|\.\d+)/.exec(this.s.slice(this.pos, this.pos + 5000));
    if (!m) throw new ParseError('bad number');
    this.pos += m[0].length;
    const literal = m[0];
    const decimal = literal.includes('.');
    const v = Rational.fromDecimal(literal);
    if (!v) throw new ParseError('bad number');
    const node: Node = { k: 'num', v, literal, decimal };
    // A mixed number `2\frac{1}{2}` means 2 + 1/2, as in MATH solutions.
    if (!decimal && this.peekCommand() === 'frac') {
      const save = this.pos;
      this.eatCommand('frac');
      const a = this.singleArg();
      const b = this.singleArg();
      if (a.k === 'num' && b.k === 'num' && !a.decimal && !b.decimal && !b.v.isZero() && a.v.compare(b.v) < 0) {
        return { k: 'add', a: node, b: { k: 'div', a, b } };
      }
      this.pos = save;
    }
    return node;
  }

  private command(): Node {
    const cmd = this.peekCommand();
    if (cmd === '') throw new ParseError('stray backslash');
    this.eatCommand(cmd);
    this.enter();
    let node: Node;
    if (cmd === 'frac') {
      const a = this.singleArg();
      node = { k: 'div', a, b: this.singleArg() };
    } else if (cmd === 'binom') {
      const a = this.singleArg();
      node = { k: 'binom', a, b: this.singleArg() };
    } else if (cmd === 'sqrt') {
      let n: Node = { k: 'num', v: Rational.of(2n), literal: '2', decimal: false };
      if (this.peek() === '[') {
        this.pos++;
        n = this.expr();
        this.expect(']');
      }
      node = { k: 'root', a: this.singleArg(), n };
    } else if (cmd === 'pi') {
      node = { k: 'sym', name: 'pi' };
    } else if (cmd === 'infty') {
      node = { k: 'sym', name: 'inf' };
    } else if (GREEK.has(cmd)) {
      node = this.symbol(cmd);
    } else if (FUNCTIONS.has(cmd)) {
      node = this.func(cmd);
    } else if (cmd === 'operatorname') {
      const m = /^\{([A-Za-z]+)\}/.exec(this.s.slice(this.pos, this.pos + 20));
      if (!m || !FUNCTIONS.has(m[1]!)) throw new ParseError('unknown operator');
      this.pos += m[0].length;
      node = this.func(m[1]!);
    } else {
      throw new ParseError(`unknown command \\${cmd}`);
    }
    this.depth--;
    return node;
  }

  private func(name: string): Node {
    let base: Node | undefined;
    let power: Node | undefined;
    for (let k = 0; k < 2; k++) {
      if (this.peek() === '_' && name === 'log' && !base) {
        this.pos++;
        base = this.singleArg();
      } else if (this.peek() === '^' && !power) {
        this.pos++;
        power = this.exponentArg();
      }
    }
    let arg = this.peek() === '(' || this.peek() === '{' ? this.primary() : this.power();
    // \sin 2x is sin(2x); the argument stops at the next command, so \sin x \cos x is a product
    if (!(this.s[this.pos - 1] === ')' || this.s[this.pos - 1] === '}')) {
      while (/[0-9A-Za-z]/.test(this.peek())) arg = { k: 'mul', a: arg, b: this.power() };
    }
    let node: Node = base ? { k: 'fn', name, a: arg, base } : { k: 'fn', name, a: arg };
    if (power) {
      // \sin^{-1} is arcsin; \sin^2 x is (\sin x)^2
      if (
        power.k === 'neg' &&
        power.a.k === 'num' &&
        power.a.v.equals(Rational.ONE) &&
        ['sin', 'cos', 'tan'].includes(name)
      ) {
        node = { k: 'fn', name: `arc${name}`, a: arg };
      } else node = { k: 'pow', a: node, b: power };
    }
    return node;
  }
}

/** Parse one scalar answer (already normalised); throws ParseError or TooComplexError. */
export function parseScalar(text: string): Node {
  return new Parser(text).parse();
}

/** Names of the free variables of a tree (not `pi`, `e`, `i`, `inf`). */
export function freeVariables(node: Node, out: Set<string> = new Set()): Set<string> {
  switch (node.k) {
    case 'num':
      break;
    case 'sym':
      if (!CONSTANTS.has(node.name)) out.add(node.name);
      break;
    case 'neg':
    case 'fact':
      freeVariables(node.a, out);
      break;
    case 'root':
      freeVariables(node.a, out);
      freeVariables(node.n, out);
      break;
    case 'fn':
      freeVariables(node.a, out);
      if (node.base) freeVariables(node.base, out);
      break;
    default:
      freeVariables(node.a, out);
      freeVariables(node.b, out);
  }
  return out;
}

/** Symbols with a fixed value: π, Euler's e, the imaginary unit, ∞. */
export const CONSTANTS = new Set(['pi', 'e', 'i', 'inf']);

/** True when the tree contains a decimal literal (a decimal answer is an approximation candidate). */
export function hasDecimal(node: Node): boolean {
  switch (node.k) {
    case 'num':
      return node.decimal;
    case 'sym':
      return false;
    case 'neg':
    case 'fact':
      return hasDecimal(node.a);
    case 'root':
      return hasDecimal(node.a) || hasDecimal(node.n);
    case 'fn':
      return hasDecimal(node.a) || (node.base ? hasDecimal(node.base) : false);
    default:
      return hasDecimal(node.a) || hasDecimal(node.b);
  }
}

/** The value of a literal rational exponent (`3`, `-2`, `\frac{1}{3}`, `2/5`, `-\frac13`), else null. */
function rationalLiteral(node: Node): Rational | null {
  if (node.k === 'num') return node.v;
  if (node.k === 'neg') return rationalLiteral(node.a)?.neg() ?? null;
  if (node.k === 'div' && node.a.k === 'num' && node.b.k === 'num' && !node.b.v.isZero()) return node.a.v.div(node.b.v);
  return null;
}

/** A complex double. */
export interface Complex {
  re: number;
  im: number;
}

const NAN: Complex = { re: NaN, im: NaN };

function cmul(a: Complex, b: Complex): Complex {
  return { re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re };
}
function cdiv(a: Complex, b: Complex): Complex {
  if (b.im === 0) return { re: a.re / b.re, im: a.im / b.re };
  const d = b.re * b.re + b.im * b.im;
  return { re: (a.re * b.re + a.im * b.im) / d, im: (a.im * b.re - a.re * b.im) / d };
}
function cpow(a: Complex, b: Complex): Complex {
  if (a.im === 0 && b.im === 0) {
    if (a.re >= 0 || Number.isInteger(b.re)) return { re: Math.pow(a.re, b.re), im: 0 };
  }
  if (a.re === 0 && a.im === 0) return b.re > 0 ? { re: 0, im: 0 } : NAN;
  if (a.im === 0 && b.im === 0 && Number.isInteger(b.re)) return { re: Math.pow(a.re, b.re), im: 0 };
  const logR = Math.log(Math.hypot(a.re, a.im));
  const theta = Math.atan2(a.im, a.re);
  const re = b.re * logR - b.im * theta;
  const im = b.im * logR + b.re * theta;
  const m = Math.exp(re);
  return { re: m * Math.cos(im), im: m * Math.sin(im) };
}

function real(x: number): Complex {
  return { re: x, im: 0 };
}

function gammaFactorial(n: number): number {
  if (!Number.isInteger(n) || n < 0) return NaN;
  if (n > 170) return Infinity;
  let r = 1;
  for (let k = 2; k <= n; k++) r *= k;
  return r;
}

const REAL_FUNCTIONS: Record<string, (x: number) => number> = {
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  cot: (x) => 1 / Math.tan(x),
  sec: (x) => 1 / Math.cos(x),
  csc: (x) => 1 / Math.sin(x),
  arcsin: Math.asin,
  arccos: Math.acos,
  arctan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  ln: Math.log,
  log: Math.log,
  exp: Math.exp,
  abs: Math.abs,
};

/**
 * Evaluate in complex doubles with the variables of `env`. Non-real arguments of functions give NaN
 * (the caller treats a NaN as "cannot decide", never as equal). `\log` without a base is natural,
 * as in most MATH solutions (a base-10 reading would disagree with a natural one, never be equal).
 */
export function evaluate(node: Node, env: ReadonlyMap<string, number>): Complex {
  switch (node.k) {
    case 'num':
      return real(node.v.toNumber());
    case 'sym':
      if (node.name === 'pi') return real(Math.PI);
      if (node.name === 'e') return real(Math.E);
      if (node.name === 'i') return { re: 0, im: 1 };
      if (node.name === 'inf') return real(Infinity);
      return real(env.get(node.name) ?? NaN);
    case 'add': {
      const a = evaluate(node.a, env);
      const b = evaluate(node.b, env);
      return { re: a.re + b.re, im: a.im + b.im };
    }
    case 'neg': {
      const a = evaluate(node.a, env);
      return { re: -a.re, im: -a.im };
    }
    case 'mul':
      return cmul(evaluate(node.a, env), evaluate(node.b, env));
    case 'div':
      return cdiv(evaluate(node.a, env), evaluate(node.b, env));
    case 'pow': {
      const a = evaluate(node.a, env);
      // A negative real to a rational power with an odd denominator takes the real branch, as the
      // odd root does: x^{1/3} and \sqrt[3]{x} are the same function (the principal complex branch
      // would make them differ at every negative x).
      const q = a.im === 0 && a.re < 0 ? rationalLiteral(node.b) : null;
      if (q && q.d % 2n === 1n) {
        const magnitude = Math.pow(-a.re, q.toNumber());
        return real(q.n % 2n === 0n ? magnitude : -magnitude);
      }
      return cpow(a, evaluate(node.b, env));
    }
    case 'root': {
      const a = evaluate(node.a, env);
      const n = evaluate(node.n, env);
      if (a.im === 0 && n.im === 0 && a.re < 0 && Number.isInteger(n.re) && n.re % 2 !== 0) {
        return real(-Math.pow(-a.re, 1 / n.re));
      }
      return cpow(a, cdiv(real(1), n));
    }
    case 'fact': {
      const a = evaluate(node.a, env);
      return a.im === 0 ? real(gammaFactorial(a.re)) : NAN;
    }
    case 'binom': {
      const a = evaluate(node.a, env);
      const b = evaluate(node.b, env);
      if (a.im !== 0 || b.im !== 0 || !Number.isInteger(b.re) || b.re < 0 || b.re > 1000) return NAN;
      let r = 1;
      for (let j = 0; j < b.re; j++) r = (r * (a.re - j)) / (j + 1);
      return real(r);
    }
    case 'fn': {
      const a = evaluate(node.a, env);
      if (a.im !== 0) return node.name === 'abs' ? real(Math.hypot(a.re, a.im)) : NAN;
      const f = REAL_FUNCTIONS[node.name];
      if (!f) return NAN;
      let v = f(a.re);
      if (node.base) {
        const b = evaluate(node.base, env);
        if (b.im !== 0) return NAN;
        v /= Math.log(b.re);
      }
      return real(v);
    }
  }
}

/** Exact factorial of a rational that must be a small non-negative integer (used by algebra.ts). */
export function exactFactorial(v: Rational): Rational | null {
  if (!v.isInteger() || v.n < 0n) return null;
  return Rational.of(factorial(v.n));
}
