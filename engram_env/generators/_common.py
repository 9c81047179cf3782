"""Helpers shared by generators: drawing numbers by size, digits, formatting."""

from __future__ import annotations

from fractions import Fraction

import numpy as np


def draw_digits(rng: np.random.Generator, digits: int, *, allow_zero: bool = True) -> int:
    """A uniform integer with exactly ``digits`` digits (0..9 too when ``digits`` is 1)."""
    low = 10 ** (digits - 1) if digits > 1 else (0 if allow_zero else 1)
    return int(rng.integers(low, 10**digits))


def digits_of(n: int, width: int | None = None) -> list[int]:
    """Decimal digits of ``n >= 0``, least significant first, zero-padded to ``width``."""
    text = str(n).rjust(width or 0, "0")
    return [int(c) for c in reversed(text)]


def fraction_text(value: Fraction) -> str:
    """``3/4``, ``-3/4`` or ``5`` (integers without a denominator)."""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def chance(rng: np.random.Generator, p: float) -> bool:
    """True with probability ``p``."""
    return bool(rng.random() < p)


def exact_text(value: Fraction, max_decimals: int = 12) -> str:
    """A rational as a terminating decimal when it has one (``12.5``), else ``a/b`` (``25/3``)."""
    value = Fraction(value)
    den, scale = value.denominator, 0
    while den % 2 == 0 or den % 5 == 0:
        den //= 2 if den % 2 == 0 else 5
    if den != 1:
        return fraction_text(value)
    while (value * 10**scale).denominator != 1:
        scale += 1
    if scale > max_decimals:
        return fraction_text(value)
    if scale == 0:
        return str(value.numerator)
    digits = str(abs(value.numerator * 10**scale // value.denominator)).rjust(scale + 1, "0")
    return f"{'-' if value < 0 else ''}{digits[:-scale]}.{digits[-scale:]}"


def rounded_text(value: float, places: int) -> str:
    """``value`` rounded to ``places`` decimals, never written as ``-0.00``."""
    text = f"{value:.{places}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def number_text(value: int | Fraction) -> str:
    """An integer or a rational as ``5``, ``-3/4`` (no decimals)."""
    return fraction_text(Fraction(value))


def monomial_text(coefficient: int | Fraction, power: int, var: str = "x") -> str:
    """One term ``c*var^power`` in compact form: ``3x^2``, ``-x``, ``(1/2)x^3``, ``-5``.

    A coefficient of 1 is left out; a fractional one is parenthesised before the variable so
    that ``(1/2)x^3`` cannot be read as ``1/(2x^3)``.
    """
    c = Fraction(coefficient)
    if power == 0:
        return number_text(c)
    sign, size = ("-" if c < 0 else ""), abs(c)
    head = "" if size == 1 else (number_text(size) if size.denominator == 1 else f"({number_text(size)})")
    return f"{sign}{head}{var}{'' if power == 1 else f'^{power}'}"


def signed_join(terms: list[str]) -> str:
    """Terms (each with its own leading ``-`` when negative) joined by ``+``/``-``: ``3x^2-x+5``."""
    out = ""
    for term in terms:
        out += term if not out or term.startswith("-") else f"+{term}"
    return out or "0"


def poly_text(coefficients: list[int] | list[Fraction], var: str = "x") -> str:
    """A polynomial (coefficients listed from the constant up) highest power first: ``2x^3-x+4``."""
    return signed_join([monomial_text(c, k, var)
                        for k, c in reversed(list(enumerate(coefficients))) if c])


def comma_list(values: Sequence[object]) -> str:
    """Items joined by commas without blanks: ``3,1,2`` (the compact form of list steps)."""
    return ",".join(map(str, values))


# -- bounded rejection, Euclid and square-and-multiply (number theory, sequences, fractions) --
from collections.abc import Callable, Sequence  # noqa: E402  (appended section: the top is shared)
from typing import TypeVar  # noqa: E402

_T = TypeVar("_T")


def target_length(steps: Sequence[str], answer: str) -> int:
    """Tokens of the target made of ``steps`` and ``answer`` (each separator and ``<eos>`` is one)."""
    return sum(map(len, steps)) + len(steps) + len(answer) + 1


def draw_until(draw: Callable[[], _T], accept: Callable[[_T], bool], fallback: _T,
               tries: int = 64) -> _T:
    """The first of ``tries`` draws that ``accept`` takes, else ``fallback`` (bounded rejection)."""
    for _ in range(tries):
        candidate = draw()
        if accept(candidate):
            return candidate
    return fallback


def euclid_steps(a: int, b: int) -> list[str]:
    """Euclid's algorithm on ``a >= b > 0``, one division per step: ``84=2×36+12``."""
    steps = []
    while b:
        q, r = divmod(a, b)
        steps.append(f"{a}={q}×{b}+{r}")
        a, b = b, r
    return steps


def square_and_multiply(base: int, exponent: int,
                        modulus: int | None = None) -> list[tuple[int, int, int, int, int]]:
    """The products of binary exponentiation as ``(power, left, right, product, value)`` rows.

    First the repeated squares ``base^2, base^4, ...`` up to the exponent's top bit, then the
    squares of the exponent's binary digits multiplied together, smallest first. ``value`` is
    ``product`` reduced mod ``modulus`` (the product itself without one); the last row holds
    ``base^exponent``. An exponent of 1 needs no product and gives no rows.
    """
    def reduce(v: int) -> int:
        return v % modulus if modulus else v

    squares = [(1, reduce(base))]
    rows = []
    while 2 * squares[-1][0] <= exponent:
        power, value = squares[-1]
        rows.append((2 * power, value, value, value * value, reduce(value * value)))
        squares.append((2 * power, reduce(value * value)))
    used = [(power, value) for power, value in squares if exponent & power]
    power, value = used[0]
    for other_power, other in used[1:]:
        rows.append((power + other_power, value, other, value * other, reduce(value * other)))
        power, value = power + other_power, reduce(value * other)
    return rows


def poly_mul(p: list, q: list) -> list:
    """Coefficients (constant first) of the product of two polynomials."""
    out = [0] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        for j, b in enumerate(q):
            out[i + j] += a * b
    return out


def poly_eval(coefficients: list, x: int | Fraction) -> int | Fraction:
    """Value of a polynomial (coefficients constant first) at ``x``, by Horner's rule."""
    value = 0
    for c in reversed(coefficients):
        value = value * x + c
    return value


def paren(value: int | Fraction) -> str:
    """A number ready to follow an operator: negatives and fractions in parentheses, ``(-3)``."""
    text = number_text(value)
    return f"({text})" if value < 0 or "/" in text else text


def binomial_steps(n: int, r: int) -> tuple[list[str], int]:
    """C(n, r) built multiplicatively, one exact factor per step, and its value.

    Uses C(n, r) = C(n, n-r) first when that is shorter; every intermediate is an integer:
    ``C(9,7)=C(9,2)``, ``C(9,1)=9``, ``C(9,2)=9×8/2=36``.
    """
    steps = [f"C({n},{r})=C({n},{n - r})"] if r > n - r else []
    r = min(r, n - r)
    if r == 0:
        return [*steps, f"C({n},0)=1"], 1
    value = n
    steps.append(f"C({n},1)={n}")
    for j in range(2, r + 1):
        new = value * (n - j + 1) // j
        steps.append(f"C({n},{j})={value}×{n - j + 1}/{j}={new}")
        value = new
    return steps, value


def signed_operand(value: int | Fraction) -> str:
    """A number as an operand: negatives in parentheses, so ``5-3×(-2)`` cannot be misread."""
    text = fraction_text(Fraction(value))
    return f"({text})" if value < 0 else text


def draw_toward(rng: np.random.Generator, targets: range, draw: Callable[[int], _T],
                value: Callable[[_T], int], tries: int = 30) -> _T:
    """Of up to ``tries`` calls of ``draw(target)``, the first whose ``value`` is ``target``
    (drawn uniformly from ``targets``), else the closest one.

    Counts and optima (an LCS length, a number of bins) bunch on a few values; steering each
    problem toward a uniform target keeps any answer from dominating, at a bounded cost.
    """
    target = int(rng.integers(targets.start, targets.stop))
    best, gap = None, None
    for _ in range(tries):
        candidate = draw(target)
        distance = abs(value(candidate) - target)
        if gap is None or distance < gap:
            best, gap = candidate, distance
        if distance == 0:
            break
    return best
