"""Number theory: divisibility, primes and modular arithmetic, worked the way they are taught.

Each task writes the classical hand method one checkable equation per step: Euclid's algorithm
one division at a time, trial division one prime at a time, square-and-multiply one product at a
time, the extended Euclidean algorithm one row at a time. Instances are built backwards from
their answer where that keeps them balanced (prime or not drawn first) or interesting (operands
sharing a factor), and any instance whose trace would overflow the target is redrawn.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from fractions import Fraction
from functools import cache

import numpy as np

from engram_env.answers import normalize
from engram_env.generator import Generator
from engram_env.generators._common import (
    chance,
    draw_digits,
    draw_until,
    euclid_steps,
    fraction_text,
    signed_operand,
    square_and_multiply,
    target_length,
)
from engram_env.problem import MAX_TARGET_TOKENS, Problem
from engram_env.verifiers import (
    AssignmentAnswer,
    CaseInsensitiveAnswer,
    IntegerAnswer,
    IntegerSetAnswer,
    LowestTermsAnswer,
    SpacingFreeSteps,
)

_BASE_DIGITS = "0123456789abcdef"
_FACTOR = re.compile(r"(\d{1,12})(?:\^(\d{1,3}))?")


# -- pure helpers ---------------------------------------------------------------------------------


@cache
def _primes_upto(limit: int) -> np.ndarray:
    """The primes <= ``limit`` (a sieve, built once per limit)."""
    sieve = np.ones(limit + 1, dtype=bool)
    sieve[:2] = False
    for p in range(2, math.isqrt(limit) + 1):
        if sieve[p]:
            sieve[p * p :: p] = False
    return np.flatnonzero(sieve)


def _smallest_factor(n: int) -> int:
    """The smallest prime factor of ``n >= 2`` by trial division."""
    for p in range(2, math.isqrt(n) + 1):
        if n % p == 0:
            return p
    return n


def _factorize(n: int) -> list[tuple[int, int]]:
    """``n >= 2`` as ``[(prime, exponent), ...]``, primes increasing."""
    counts: Counter[int] = Counter()
    while n > 1:
        p = _smallest_factor(n)
        counts[p] += 1
        n //= p
    return sorted(counts.items())


def _factor_chain(n: int) -> list[str]:
    """Split off the smallest prime until a prime is left: ``84=2×42``, ``42=2×21``, ``21=3×7``."""
    steps = []
    while (p := _smallest_factor(n)) != n:
        steps.append(f"{n}={p}×{n // p}")
        n //= p
    return steps


def _factorization_text(factors: list[tuple[int, int]]) -> str:
    """``2^3×3×7``: primes increasing, exponents above 1 written with ``^``."""
    return "×".join(str(p) if e == 1 else f"{p}^{e}" for p, e in factors)


def _parse_factorization(text: str) -> Counter[int] | None:
    """Prime powers of ``2^3×3×7`` or ``2*2*2*3*7`` (any order, any spacing), else ``None``."""
    counts: Counter[int] = Counter()
    for part in "".join(text.split()).replace("*", "×").split("×"):
        m = _FACTOR.fullmatch(part)
        if not m or int(m.group(2) or 1) < 1:
            return None
        counts[int(m.group(1))] += int(m.group(2) or 1)
    return counts


def _extended_rows(a: int, m: int) -> tuple[list[str], int, int]:
    """Extended Euclid from ``(m, 0)`` and ``(a, 1)`` (larger r first), keeping ``r = x×a (mod m)``.

    Each row is ``r0-q×r1=r2, x0-q×x1=x2`` until r2 would be 0; returns the rows, the gcd and
    its coefficient x (``a×x = gcd mod m``).
    """
    (r0, x0), (r1, x1) = sorted([(m, 0), (a, 1)], reverse=True)
    rows = []
    while r0 % r1:
        q = r0 // r1
        r2, x2 = r0 - q * r1, x0 - q * x1
        rows.append(f"{r0}-{q}×{r1}={r2}, {x0}-{q}×{signed_operand(x1)}={x2}")
        (r0, x0), (r1, x1) = (r1, x1), (r2, x2)
    return rows, r1, x1


def _power_steps(base: int, exponent: int, modulus: int) -> list[str]:
    """Square-and-multiply mod ``modulus``, one product per step: ``3^4: 9×9=81→13``."""
    return [f"{base}^{k}: {x}×{y}={p}→{v}"
            for k, x, y, p, v in square_and_multiply(base, exponent, modulus)]


def _pair_with_common_factor(rng: np.random.Generator, digits: int) -> tuple[int, int]:
    """Two different ``digits``-digit numbers (larger first) sharing a factor of up to half their digits."""
    low, high = 10 ** (digits - 1), 10**digits
    g = draw_digits(rng, int(rng.integers(1, digits // 2 + 1)), allow_zero=False) if digits > 1 else 1
    x_low, x_high = -(-max(low, 2) // g), (high - 1) // g
    x, y = (int(v) for v in rng.integers(x_low, x_high + 1, size=2))
    if x == y:
        y = x + 1 if x < x_high else x - 1
    return max(g * x, g * y), min(g * x, g * y)


def _draw_factored(rng: np.random.Generator, difficulty: int) -> int:
    """A product of 2..4+difficulty//3 primes below 6+6*difficulty in 10^(1+d//3)..10^(3+d//3)."""
    primes = _primes_upto(6 + 6 * difficulty)
    low, high = 10 ** (1 + difficulty // 3), 10 ** (3 + difficulty // 3)

    def draw() -> int:
        count = int(rng.integers(2, 5 + difficulty // 3))
        return math.prod(int(p) for p in rng.choice(primes, size=count))

    return draw_until(draw, lambda n: low <= n <= high, fallback=2 * low + 2)


class _NumberTheory(SpacingFreeSteps, IntegerAnswer, Generator):
    domain = "number_theory"


# -- tier 0 ---------------------------------------------------------------------------------------


class DigitSum(_NumberTheory):
    name = "digit_sum"
    tier = 0
    pattern = "simulation_trace"
    prerequisites = ("addition",)
    summary = "Add the decimal digits of a number with a running total."
    difficulty_doc = "The number has 2*difficulty digits: 2 at level 1, 20 at level 10."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        digits = [int(rng.integers(1, 10)), *(int(d) for d in rng.integers(0, 10, 2 * difficulty - 1))]
        n = int("".join(map(str, digits)))
        steps, total = [], digits[0]
        for digit in digits[1:]:
            steps.append(f"{total}+{digit}={total + digit}")
            total += digit
        prompt = (f"Add the digits of {n} from left to right with a running total, one step "
                  "per digit (total+digit=new total). What is the digit sum?")
        return self.make(difficulty, prompt, steps, str(total), number=n)


# -- tier 1 ---------------------------------------------------------------------------------------


class Gcd(_NumberTheory):
    name = "gcd"
    tier = 1
    pattern = "recursive_decomposition"
    prerequisites = ("division",)
    summary = "Greatest common divisor by Euclid's algorithm, one division per step."
    difficulty_doc = (
        "Both numbers have 2 digits at level 1 growing to 6 at level 10 and are built with a "
        "random common factor; Euclid needs at most 12 divisions."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        digits = 2 + (difficulty - 1) * 4 // 9
        a, b = draw_until(lambda: _pair_with_common_factor(rng, digits),
                          lambda pair: len(euclid_steps(*pair)) <= 12, fallback=(84, 36))
        prompt = (f"Find gcd({a}, {b}) with Euclid's algorithm: write each division as "
                  "a=q×b+r, then continue with b and r until the remainder is 0.")
        return self.make(difficulty, prompt, euclid_steps(a, b), str(math.gcd(a, b)), a=a, b=b)


_PRIME_TEST_LIMITS = (30, 60, 120, 250, 500, 1000, 2000, 3500, 5500, 8000)


class PrimeTest(CaseInsensitiveAnswer, _NumberTheory):
    name = "prime_test"
    tier = 1
    pattern = "construction_and_verification"
    prerequisites = ("division",)
    summary = "Decide primality by trial division by the primes up to the square root."
    difficulty_doc = (
        "n lies in [N/10, N] with N = 30 at level 1 rising to 8000 at level 10; half the "
        "instances are prime; composites have no factor below 3 from level 3 and none below 7 "
        "from level 6, so trial division must run further."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        high = _PRIME_TEST_LIMITS[difficulty - 1]
        low = max(2, high // 10)
        primes = _primes_upto(high)
        if chance(rng, 0.5):
            candidates = primes[primes >= low]
            n = int(candidates[rng.integers(len(candidates))])
        else:
            least = 2 if difficulty < 3 else 3 if difficulty < 6 else 7
            n = draw_until(lambda: int(rng.integers(low, high + 1)),
                           lambda v: least <= _smallest_factor(v) < v,
                           fallback=least * int(primes[primes <= high // least][-1]))
        steps = []
        for p in (int(p) for p in primes):
            if p * p > n:
                steps.append(f"{p}×{p}={p * p}>{n}")
                break
            steps.append(f"mod {p}={n % p}")
            if n % p == 0:
                break
        prime = _smallest_factor(n) == n
        prompt = (f"Is {n} prime? Divide by the primes 2, 3, 5, 7, ... in order, writing each "
                  "test as 'mod p=remainder'; stop at remainder 0 (not prime) or at the first p "
                  "with p×p>n, written 'p×p=value>n' (prime). Answer yes or no.")
        return self.make(difficulty, prompt, steps, "yes" if prime else "no", n=n)


class ModularArithmetic(_NumberTheory):
    name = "modular_arithmetic"
    tier = 1
    pattern = "modular_arithmetic"
    prerequisites = ("division", "multiplication")
    summary = "(a op b) mod m for op in +, -, ×: reduce the operands, combine, reduce again."
    difficulty_doc = (
        "Operands have 2 digits at level 1 growing to 6 at level 10; the modulus has 1 digit "
        "(levels 1-4), 2 (5-8) or 3 (9-10)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        digits = 2 + (difficulty - 1) * 4 // 9
        a, b = draw_digits(rng, digits), draw_digits(rng, digits)
        m = max(2, draw_digits(rng, 1 + (difficulty - 1) // 4, allow_zero=False))
        op = str(rng.choice(["+", "-", "×"]))
        ra, rb = a % m, b % m
        combined = ra + rb if op == "+" else ra - rb if op == "-" else ra * rb
        steps = [f"{a} mod {m}={ra}", f"{b} mod {m}={rb}", f"{ra}{op}{rb}={combined}",
                 f"{combined} mod {m}={combined % m}"]
        prompt = (f"Compute ({a}{op}{b}) mod {m}. Reduce each operand mod {m}, combine the "
                  f"remainders, then reduce again; a result mod m always lies in 0..m-1.")
        return self.make(difficulty, prompt, steps, str(combined % m), a=a, b=b, m=m, op=op)


class BaseConversion(_NumberTheory):
    name = "base_conversion"
    tier = 1
    pattern = "encoding_and_decoding"
    prerequisites = ("division", "multiplication")
    summary = "Convert between decimal and a base 2..16: repeated division, or Horner's rule back."
    difficulty_doc = (
        "The number has 2 digits in the other base at level 1 growing to 8 at level 10; that "
        "base is 2..9 up to level 3 and 2..16 after; either direction, with equal chance."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        base = int(rng.choice([b for b in range(2, 10 if difficulty <= 3 else 17) if b != 10]))
        width = 2 + (difficulty - 1) * 2 // 3
        n = int(rng.integers(base ** (width - 1), base**width))
        division_steps, digits, rest = [], [], n
        while rest:
            division_steps.append(f"{rest}={rest // base}×{base}+{rest % base}")
            rest, digit = divmod(rest, base)
            digits.append(digit)
        text = "".join(_BASE_DIGITS[d] for d in reversed(digits))
        convention = "Digits above 9 are written a, b, c, d, e, f (10..15)."
        if chance(rng, 0.5):
            prompt = (f"Convert the decimal number {n} to base {base} by repeated division "
                      f"(value=quotient×{base}+remainder; the remainders, last first, are the "
                      f"digits). {convention} Answer with the digits only.")
            return self.make(difficulty, prompt, division_steps, text, value=n, to_base=base)
        steps, value = [], digits[-1]
        for d in reversed(digits[:-1]):
            steps.append(f"{value}×{base}+{d}={value * base + d}")
            value = value * base + d
        prompt = (f"Convert {text} from base {base} to decimal with Horner's rule: start with "
                  f"the first digit's value, then for each next digit write "
                  f"value×{base}+digit=new value. {convention}")
        return self.make(difficulty, prompt, steps, str(n), value=n, to_base=10)

    def check_answer(self, problem: Problem, text: str) -> bool:
        base, text = problem.meta["to_base"], normalize(text).lower()
        if not 0 < len(text) <= 64 or any(c not in _BASE_DIGITS[:base] for c in text):
            return False
        return int(text, base) == problem.meta["value"]


# -- tier 2 ---------------------------------------------------------------------------------------


class Lcm(_NumberTheory):
    name = "lcm"
    tier = 2
    pattern = "formula_substitution"
    prerequisites = ("gcd", "multiplication", "division")
    summary = "Least common multiple as a×b/gcd(a,b), the gcd found by Euclid's algorithm."
    difficulty_doc = (
        "Both numbers have 1 digit at levels 1-3, 2 at 4-6, 3 at 7-9 and 4 at level 10, built "
        "with a random common factor."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        digits = 1 + (difficulty - 1) // 3
        if digits == 1:
            a, b = sorted((int(v) for v in rng.choice(np.arange(2, 10), size=2, replace=False)),
                          reverse=True)
        else:
            a, b = _pair_with_common_factor(rng, digits)
        g = math.gcd(a, b)
        steps = euclid_steps(a, b) + [f"{a}×{b}/{g}={a * b // g}"]
        prompt = (f"Find lcm({a}, {b}) as a×b/gcd: first gcd({a}, {b}) by Euclid's algorithm "
                  "(a=q×b+r per step), then write a×b/gcd=lcm.")
        return self.make(difficulty, prompt, steps, str(a * b // g), a=a, b=b)


_FACTOR_POOLS = (10, 15, 20, 30, 50, 70, 100, 150, 200, 300)


class PrimeFactorization(_NumberTheory):
    name = "prime_factorization"
    tier = 2
    pattern = "recursive_decomposition"
    prerequisites = ("prime_test", "division")
    summary = "Factor n into primes by splitting off the smallest prime factor again and again."
    difficulty_doc = (
        "n is a product of 2 primes (levels 1-3) up to 5 primes (level 10), drawn below 10 at "
        "level 1 and below 300 at level 10."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        primes = _primes_upto(_FACTOR_POOLS[difficulty - 1])
        count = 2 + (difficulty - 1) // 3
        n = math.prod(int(p) for p in rng.choice(primes, size=count))
        factors = _factorize(n)
        prompt = (f"Factor {n} into primes: split off its smallest prime factor, one step "
                  "n=p×rest, until the rest is prime. Answer as a product of prime powers in "
                  "increasing order, like 2^3×3×7.")
        return self.make(difficulty, prompt, _factor_chain(n), _factorization_text(factors),
                         n=n, factors=dict(factors))

    def check_answer(self, problem: Problem, text: str) -> bool:
        return _parse_factorization(text) == Counter(problem.meta["factors"])


_DIVISOR_LIMITS = (20, 50, 100, 200, 500, 1000, 2000, 4000, 7000, 10000)


class Divisors(IntegerSetAnswer, _NumberTheory):
    name = "divisors"
    tier = 2
    pattern = "counting_and_enumeration"
    prerequisites = ("division", "multiplication")
    summary = "List all divisors of n by pairing each divisor up to sqrt(n) with its cofactor."
    difficulty_doc = (
        "n lies in [N/5, N], N = 20 at level 1 rising to 10000 at level 10 (more candidates "
        "to test and more divisor pairs)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        high = _DIVISOR_LIMITS[difficulty - 1]

        def build(n: int) -> tuple[list[str], str]:
            small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
            everything = sorted(set(small) | {n // d for d in small})
            return [f"{n}={d}×{n // d}" for d in small], ", ".join(map(str, everything))

        n = draw_until(lambda: int(rng.integers(max(2, high // 5), high + 1)),
                       lambda v: target_length(*build(v)) <= MAX_TARGET_TOKENS, fallback=high)
        steps, answer = build(n)
        prompt = (f"List all divisors of {n}. For each d=1, 2, 3, ... with d×d<={n} that "
                  f"divides it, write {n}=d×cofactor. Answer all divisors, comma separated.")
        return self.make(difficulty, prompt, steps, answer, n=n)


# -- tier 3 ---------------------------------------------------------------------------------------


class _DivisorFunction(_NumberTheory):
    """Multiplicative functions read off the factorization: factor first, then a formula."""

    tier = 3
    prerequisites = ("prime_factorization", "multiplication")
    difficulty_doc = (
        "n is a product of 2..4+difficulty//3 primes below 6+6*difficulty between "
        "10^(1+difficulty//3) and 10^(3+difficulty//3): more and larger prime powers at higher "
        "levels."
    )
    question: str

    def formula(self, factors: list[tuple[int, int]]) -> tuple[list[str], int]:
        """The steps after the factorization, and the value."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = _draw_factored(rng, difficulty)
        factors = _factorize(n)
        formula_steps, value = self.formula(factors)
        steps = [*_factor_chain(n), f"{n}={_factorization_text(factors)}", *formula_steps]
        prompt = (f"{self.question} Factor {n} by splitting off the smallest prime (n=p×rest), "
                  "write n as prime powers, then use the formula.")
        return self.make(difficulty, prompt, steps, str(value), n=n)


class NumberOfDivisors(_DivisorFunction):
    name = "number_of_divisors"
    pattern = "formula_substitution"
    summary = "Count divisors: factor n, then multiply (exponent+1) over its prime powers."
    question = "How many positive divisors has n? Use d(n)=(e1+1)×(e2+1)×... over the prime powers."

    def formula(self, factors: list[tuple[int, int]]) -> tuple[list[str], int]:
        value = math.prod(e + 1 for _, e in factors)
        return ["×".join(f"({e}+1)" for _, e in factors) + f"={value}"], value


class SumOfDivisors(_DivisorFunction):
    name = "sum_of_divisors"
    pattern = "recursive_decomposition"
    summary = "Sum the divisors: factor n, sum 1+p+...+p^e per prime power, multiply the sums."
    question = ("What is the sum of all positive divisors of n? It is the product over prime "
                "powers p^e of 1+p+p^2+...+p^e; write each sum, then their product.")

    def formula(self, factors: list[tuple[int, int]]) -> tuple[list[str], int]:
        sums = [sum(p**k for k in range(e + 1)) for p, e in factors]
        steps = ["+".join(str(p**k) for k in range(e + 1)) + f"={s}"
                 for (p, e), s in zip(factors, sums)]
        if len(sums) > 1:
            steps.append("×".join(map(str, sums)) + f"={math.prod(sums)}")
        return steps, math.prod(sums)


class EulerTotient(_DivisorFunction):
    name = "euler_totient"
    pattern = "counting_and_enumeration"
    summary = "Count the integers coprime to n: factor n, phi(p^e)=p^(e-1)×(p-1), multiply."
    question = ("How many integers in 1..n are coprime to n (Euler's φ(n))? Write "
                "φ(p^e)=p^(e-1)×(p-1) for each prime power, then multiply.")

    def formula(self, factors: list[tuple[int, int]]) -> tuple[list[str], int]:
        parts = [p ** (e - 1) * (p - 1) for p, e in factors]
        steps = [f"φ({p}^{e})={p ** (e - 1)}×{p - 1}={v}" for (p, e), v in zip(factors, parts)]
        if len(parts) > 1:
            steps.append("×".join(map(str, parts)) + f"={math.prod(parts)}")
        return steps, math.prod(parts)


class ModularExponentiation(_NumberTheory):
    name = "modular_exponentiation"
    tier = 3
    pattern = "modular_arithmetic"
    prerequisites = ("powers", "modular_arithmetic")
    summary = "a^e mod m by square-and-multiply, reducing after every product."
    difficulty_doc = (
        "The exponent has 2+difficulty//2 binary digits (2..3 at level 1, 64..127 at level 10); "
        "the modulus grows from 2 digits to 3 (from level 5)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        bits = 2 + difficulty // 2
        e = int(rng.integers(2 ** (bits - 1), 2**bits))
        m = int(rng.integers(11, 100 if difficulty < 5 else 1000))
        a = int(rng.integers(2, m))
        answer = pow(a, e, m)
        prompt = (f"Compute {a}^{e} mod {m} by square-and-multiply. First square repeatedly "
                  f"({a}^2, {a}^4, ... up to the top binary digit of {e}), then multiply the "
                  "squares for the binary digits of the exponent, smallest first. Reduce every "
                  "product mod m and write each step as 'a^k: x×y=product→remainder'.")
        return self.make(difficulty, prompt, _power_steps(a, e, m), str(answer), a=a, e=e, m=m)


class ContinuedFraction(LowestTermsAnswer, _NumberTheory):
    name = "continued_fraction"
    tier = 3
    pattern = "recursive_decomposition"
    prerequisites = ("gcd", "fraction_addition")
    summary = "Evaluate a finite continued fraction through its convergents p/q."
    difficulty_doc = (
        "The continued fraction has 2+difficulty//2 partial quotients (2 at level 1, 7 at "
        "level 10), each up to 3+difficulty."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        terms = [int(t) for t in rng.integers(1, 4 + difficulty, size=2 + difficulty // 2)]
        terms[0] = int(rng.integers(0, 4 + difficulty))
        (p0, q0), (p1, q1) = (0, 1), (1, 0)
        steps = []
        for k, a in enumerate(terms):
            p, q = a * p1 + p0, a * q1 + q0
            steps.append(f"p{k}={a}×{p1}+{p0}={p}, q{k}={a}×{q1}+{q0}={q}")
            (p0, q0), (p1, q1) = (p1, q1), (p, q)
        shown = f"[{terms[0]}; {', '.join(map(str, terms[1:]))}]"
        prompt = (f"Evaluate the continued fraction {shown} = a0+1/(a1+1/(a2+...)) through its "
                  "convergents: p(k)=a(k)×p(k-1)+p(k-2), q(k)=a(k)×q(k-1)+q(k-2), starting from "
                  "p(-1)=1, p(-2)=0, q(-1)=0, q(-2)=1. Answer p/q in lowest terms.")
        return self.make(difficulty, prompt, steps, fraction_text(Fraction(p1, q1)), terms=terms)


# -- tier 4 ---------------------------------------------------------------------------------------


class ModularInverse(_NumberTheory):
    name = "modular_inverse"
    tier = 4
    pattern = "modular_arithmetic"
    prerequisites = ("gcd", "modular_arithmetic")
    summary = "The inverse of a mod m by the extended Euclidean algorithm, one row per step."
    difficulty_doc = (
        "The modulus has 2 digits at level 1 growing to 5 at level 10 (about 2+difficulty/3), "
        "so the Euclid trace gets longer."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        digits = 2 + (difficulty - 1) // 3

        def draw() -> tuple[int, int]:
            m = draw_digits(rng, digits, allow_zero=False)
            return int(rng.integers(2, m)), m

        def fits(pair: tuple[int, int]) -> bool:
            return math.gcd(*pair) == 1 and len(_extended_rows(*pair)[0]) <= 9

        a, m = draw_until(draw, fits, fallback=(3, 10**digits + 1))
        rows, _, x = _extended_rows(a, m)
        steps = [*rows, f"{x} mod {m}={x % m}"]
        prompt = (f"Find the inverse of {a} modulo {m} (they are coprime) by the extended "
                  f"Euclidean algorithm. Keep pairs (r, x) with r=x×{a} mod {m}, starting "
                  f"({m}, 0) and ({a}, 1). Each step: q=r0//r1, written 'r0-q×r1=r2, "
                  "x0-q×x1=x2'; stop when r2=1, then reduce x mod m. Answer in 0..m-1.")
        return self.make(difficulty, prompt, steps, str(x % m), a=a, m=m)


class ChineseRemainder(_NumberTheory):
    name = "chinese_remainder"
    tier = 4
    pattern = "construction_and_verification"
    prerequisites = ("modular_arithmetic", "modular_inverse")
    summary = "Solve simultaneous congruences by sieving: step by the moduli solved so far."
    difficulty_doc = (
        "Two congruences up to level 5, three from level 6; the pairwise coprime moduli lie in "
        "2..4+difficulty, so more candidates must be tested at higher levels."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        count = 2 if difficulty <= 5 else 3
        choices = np.arange(2, 5 + difficulty)

        def draw() -> list[int]:
            return sorted((int(m) for m in rng.choice(choices, size=count, replace=False)),
                          reverse=True)

        def coprime(ms: list[int]) -> bool:
            return all(math.gcd(x, y) == 1 for i, x in enumerate(ms) for y in ms[i + 1 :])

        moduli = draw_until(draw, coprime, fallback=[7, 5, 3][:count])
        residues = [int(rng.integers(0, m)) for m in moduli]
        x, step, steps = residues[0], moduli[0], []
        for a, m in zip(residues[1:], moduli[1:]):
            while True:
                steps.append(f"{x} mod {m}={x % m}")
                if x % m == a:
                    break
                x += step
            step *= m
        system = ", ".join(f"x mod {m}={a}" for a, m in zip(residues, moduli))
        prompt = (f"Find the smallest x>=0 with {system}. Sieve: start at x={residues[0]} and "
                  f"add {moduli[0]} until the next congruence holds, testing each candidate "
                  "as 'x mod m=r'; then add the product of the moduli used so far, and so on.")
        return self.make(difficulty, prompt, steps, str(x), moduli=moduli, residues=residues)


class LinearDiophantine(AssignmentAnswer, _NumberTheory):
    name = "linear_diophantine"
    tier = 4
    pattern = "symbolic_manipulation"
    prerequisites = ("gcd", "modular_inverse")
    summary = "Solve a×x+b×y=c: extended Euclid, scale the Bezout identity, shift to x>=0."
    difficulty_doc = (
        "a and b have 1 digit at levels 1-3, 2 at 4-6, 3 at 7-9 and 4 at level 10 and share a "
        "random factor; c is a multiple of their gcd."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        digits = 1 + (difficulty - 1) // 3

        def draw() -> tuple[int, int]:
            if digits == 1:
                x, y = (int(v) for v in rng.choice(np.arange(2, 10), size=2, replace=False))
                return x, y
            return _pair_with_common_factor(rng, digits)[:: 1 if chance(rng, 0.5) else -1]

        a, b = draw_until(draw, lambda ab: len(_extended_rows(*ab)[0]) <= 7, fallback=(7, 5))
        rows, g, s = _extended_rows(a, b)
        t = (g - a * s) // b
        c = g * int(rng.integers(1, 10 * difficulty))
        k, period = c // g, b // g
        x = s * k % period
        y = (c - a * x) // b
        steps = [*rows, f"{a}×{signed_operand(s)}+{b}×{signed_operand(t)}={g}", f"{c}/{g}={k}",
                 f"x={signed_operand(s)}×{k} mod {period}={x}", f"y=({c}-{a}×{x})/{b}={y}"]
        prompt = (f"Solve {a}x+{b}y={c} in integers; answer the solution with the smallest x>=0 "
                  "as 'x, y'. Extended Euclid: keep (r, s) with r=s×a mod b, starting from (a, 1) "
                  "and (b, 0), larger r first, rows 'r0-q×r1=r2, s0-q×s1=s2' down to r=gcd; then a×s+b×t=gcd, "
                  "k=c/gcd, x=s×k mod (b/gcd), y=(c-a×x)/b.")
        return self.make(difficulty, prompt, steps, f"{x}, {y}", a=a, b=b, c=c, unknowns="xy")


_RESIDUE_LIMITS = (13, 20, 30, 50, 80, 120, 160, 200, 250, 300)


class QuadraticResidue(CaseInsensitiveAnswer, _NumberTheory):
    name = "quadratic_residue"
    tier = 4
    pattern = "logical_deduction"
    prerequisites = ("modular_exponentiation", "prime_test")
    summary = "Is a a square mod p? Euler's criterion: a^((p-1)/2) mod p is 1 (yes) or p-1 (no)."
    difficulty_doc = (
        "The odd prime p lies in [N/3, N], N = 13 at level 1 rising to 300 at level 10, so the exponent "
        "(p-1)/2 has more binary digits; half the instances are residues."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        limit = _RESIDUE_LIMITS[difficulty - 1]
        primes = _primes_upto(limit)
        p = int(rng.choice(primes[primes >= max(5, limit // 3)]))
        e = (p - 1) // 2
        residue = chance(rng, 0.5)
        if residue:
            a = pow(int(rng.integers(2, p - 1)), 2, p)
        else:
            a = next(v for v in map(int, rng.permutation(np.arange(2, p))) if pow(v, e, p) == p - 1)
        value = pow(a, e, p)
        steps = [*_power_steps(a, e, p), f"{a}^{e} mod {p}={value}"]
        prompt = (f"Is {a} a square modulo the prime {p}? Use Euler's criterion: compute "
                  f"{a}^{e} mod {p} ({e}=({p}-1)/2) by square-and-multiply, steps written "
                  "'a^k: x×y=product→remainder'; 1 means yes, p-1 means no. Answer yes or no.")
        return self.make(difficulty, prompt, steps, "yes" if value == 1 else "no", a=a, p=p)


class MultiplicativeOrder(_NumberTheory):
    name = "multiplicative_order"
    tier = 4
    pattern = "simulation_trace"
    prerequisites = ("modular_arithmetic", "gcd")
    summary = "The order of a mod n: multiply by a until the power is 1 mod n."
    difficulty_doc = (
        "The modulus n lies in 5+4*difficulty..11+9*difficulty (9..20 at level 1, 45..101 at "
        "level 10) and orders up to min(23, 4+2*difficulty) are allowed, so traces get longer."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        def draw() -> tuple[int, int]:
            n = int(rng.integers(5 + 4 * difficulty, 12 + 9 * difficulty))
            return int(rng.integers(2, n - 1)), n

        def order(a: int, n: int) -> int:
            k, value = 1, a
            while value != 1:
                k, value = k + 1, value * a % n
            return k

        longest = min(23, 4 + 2 * difficulty)
        a, n = draw_until(draw, lambda an: math.gcd(*an) == 1 and order(*an) <= longest,
                          fallback=(2, 7))
        steps, value = [], a
        while value != 1:
            steps.append(f"{a}^{len(steps) + 2}: {value}×{a}={value * a}→{value * a % n}")
            value = value * a % n
        prompt = (f"Find the order of {a} modulo {n}: the smallest k>=1 with {a}^k mod {n}=1. "
                  f"Multiply the previous power by {a} and reduce, one step per power, written "
                  "'a^k: previous×a=product→remainder', until the remainder is 1.")
        return self.make(difficulty, prompt, steps, str(len(steps) + 1), a=a, n=n)
