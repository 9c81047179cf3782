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
