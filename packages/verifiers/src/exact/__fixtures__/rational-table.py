"""Reference table for src/exact/rational.test.ts: exact results from Python's fractions.Fraction
(an implementation independent of ours) for seeded random operand pairs of every size class the
graders meet: small, around 2^53 (Countdown's switch to bigint), and tens of digits.

Run from this folder: python3 rational-table.py > rational-table.json
"""
import json
import random
from fractions import Fraction

rng = random.Random(20240611)


def integer():
    kind = rng.randrange(6)
    if kind == 0:
        return rng.randint(-12, 12)
    if kind == 1:
        return rng.randint(-10**6, 10**6)
    if kind == 2:
        return rng.choice([-1, 1]) * (2**53 + rng.randint(-3, 3))
    if kind == 3:
        return rng.choice([-1, 1]) * rng.randrange(10**30)
    if kind == 4:
        return rng.choice([-1, 1]) * 2**rng.randint(0, 60) * 5**rng.randint(0, 20)
    return 0


def denominator():
    d = 0
    while d == 0:
        d = integer()
    return d


def kth_root(x, k):
    """The integer k-th root of x >= 0 when exact, else None."""
    lo, hi = 0, 1 << (x.bit_length() // k + 1)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if mid**k <= x:
            lo = mid
        else:
            hi = mid - 1
    return lo if lo**k == x else None


def rational_root(q, k):
    if q < 0 and k % 2 == 0:
        return None
    n = kth_root(abs(q.numerator), k)
    d = kth_root(q.denominator, k)
    if n is None or d is None:
        return None
    return Fraction(-n if q < 0 else n, d)


def decimal_places(d):
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    return max(twos, fives) if d == 1 else None


def text(q):
    return None if q is None else str(q)  # "n" or "n/d", the format of toString


rows = []
for _ in range(120):
    an, ad, bn, bd = integer(), denominator(), integer(), denominator()
    a, b = Fraction(an, ad), Fraction(bn, bd)
    k = rng.randint(-5, 5)
    rk = rng.randint(2, 5)
    radicand = a**rk if rng.random() < 0.6 else a
    rows.append({
        # operands as written (not reduced, either sign of denominator); results reduced
        'a': [str(an), str(ad)],
        'b': [str(bn), str(bd)],
        'normalized': text(a),
        'add': text(a + b),
        'sub': text(a - b),
        'mul': text(a * b),
        'div': text(a / b) if b != 0 else None,
        'compare': (a > b) - (a < b),
        'k': k,
        'pow': text(a**k) if a != 0 or k >= 0 else None,
        'rootK': rk,
        'radicand': [str(radicand.numerator), str(radicand.denominator)],
        'root': text(rational_root(radicand, rk)),
        'decimalPlaces': decimal_places(a.denominator),
    })
print('[\n' + ',\n'.join(json.dumps(row) for row in rows) + '\n]')
