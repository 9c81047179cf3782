"""Pure parsing and comparison helpers that verifiers share.

Every function takes the text an agent wrote and returns a value or ``None``; none raises on
malformed input, because malformed output is the common case during training. Expression
parsing is safe against code injection and against inputs built to stall sympy (huge powers),
since the text comes from a policy, not a person.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # sympy is imported on first use: `import engram_env` must stay fast
    import sympy

_INT = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")
_FRACTION = re.compile(r"([+-]?\d+)\s*/\s*([+-]?\d+)")
_EXPRESSION_CHARS = re.compile(r"[0-9a-zA-Zπ+\-*/^()., ]*")
_SYMPY_NAMES = ("Add", "Mul", "Pow", "Integer", "Float", "Rational", "Symbol")
_MAX_DIGITS = 200  # longer numbers are never answers here; refusing them bounds parsing time


def normalize(text: str) -> str:
    """Whitespace-insensitive form of a step or answer: runs of blanks become one space.

    >>> normalize("  x =  3 ")
    'x = 3'
    """
    return " ".join(text.split())


def parse_int(text: str) -> int | None:
    """An integer written plainly (sign and leading zeros allowed), else ``None``.

    >>> parse_int(" -042 "), parse_int("4.0"), parse_int("1e3")
    (-42, None, None)
    """
    text = text.strip()
    if len(text) > _MAX_DIGITS or not _INT.fullmatch(text):
        return None
    return int(text)


def parse_rational(text: str) -> Fraction | None:
    """An exact rational from ``"3"``, ``"-0.75"``, ``"3/4"`` or ``"-6/8"``, else ``None``.

    >>> parse_rational("6/8"), parse_rational("-0.75"), parse_rational("1/0")
    (Fraction(3, 4), Fraction(-3, 4), None)
    """
    text = text.strip().replace(" ", "")
    if not text or len(text) > _MAX_DIGITS:
        return None
    if m := _FRACTION.fullmatch(text):
        num, den = int(m.group(1)), int(m.group(2))
        return Fraction(num, den) if den else None
    if _DECIMAL.fullmatch(text):
        return Fraction(text)
    return None


def parse_number(text: str) -> float | None:
    """A real number in any plain notation (integer, decimal, fraction, scientific), else ``None``."""
    exact = parse_rational(text)
    if exact is not None:
        return float(exact)
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def close_enough(value: float, expected: float, rel: float = 1e-6, abs_: float = 1e-9) -> bool:
    """Numeric agreement within a relative or absolute tolerance."""
    return abs(value - expected) <= max(rel * abs(expected), abs_)


def parse_list(text: str, item=parse_int, sep: str = ",") -> list | None:
    """Items separated by ``sep`` (brackets optional), each parsed by ``item``; ``None`` if any fails.

    >>> parse_list("[3, 1,2]")
    [3, 1, 2]
    """
    text = text.strip()
    if text[:1] in "[({" and text[-1:] in "])}":
        text = text[1:-1]
    if not text.strip():
        return []
    values = [item(part) for part in text.split(sep)]
    return None if any(v is None for v in values) else values


@lru_cache(maxsize=1)
def _sympy_parser():
    from sympy.parsing.sympy_parser import (
        convert_xor,
        implicit_multiplication_application,
        standard_transformations,
    )

    return standard_transformations + (implicit_multiplication_application, convert_xor)


def parse_expression(text: str, variables: str = "x", max_power: int = 64) -> sympy.Expr | None:
    """A sympy expression (evaluated) in the given one-letter variables, or ``None``.

    Accepts ``^`` or ``**`` for powers and implicit products (``3x``, ``2(x+1)``). Only digits,
    the listed variables, operators, parentheses and ``π`` are allowed, so no text reaches
    Python's ``eval`` that could do anything but arithmetic; exponents above ``max_power`` are
    refused before sympy expands them.
    """
    import sympy
    from sympy.parsing.sympy_parser import parse_expr

    text = text.strip()
    if not text or len(text) > 400 or not _EXPRESSION_CHARS.fullmatch(text):
        return None
    letters = set(re.findall(r"[a-zA-Z]", text))
    if not letters <= set(variables):
        return None
    names = {v: sympy.Symbol(v) for v in variables}
    names["π"] = sympy.pi
    try:
        expr = parse_expr(
            text.replace("π", " π "),
            local_dict=names,
            global_dict={name: getattr(sympy, name) for name in _SYMPY_NAMES},
            transformations=_sympy_parser(),
            evaluate=False,
        )
    except Exception:  # any syntax sympy rejects is simply not an expression
        return None
    if not isinstance(expr, sympy.Expr):
        return None
    for power in expr.atoms(sympy.Pow):
        if not _small_exponent(power.exp, max_power):
            return None
    return expr.doit()  # evaluate only now that every power is known to be small


def _small_exponent(exponent, max_power: int) -> bool:
    """A constant exponent built from small numbers, so evaluating it cannot stall."""
    import sympy

    if exponent.free_symbols:
        return False
    inner_powers = [p for p in exponent.atoms(sympy.Pow) if p.exp != -1]
    numbers = exponent.atoms(sympy.Number)
    return not inner_powers and all(abs(n) <= max_power for n in numbers)


def equivalent_expressions(a: sympy.Expr, b: sympy.Expr) -> bool:
    """Symbolic equality, decided by ``simplify(a - b) == 0``."""
    import sympy

    try:
        return sympy.simplify(a - b) == 0
    except Exception:
        return False
