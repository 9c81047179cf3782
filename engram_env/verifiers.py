"""Reusable verifier mixins: how a task's answers and steps are graded.

A generator inherits the one that fits its answer (``class Gcd(IntegerAnswer, Generator)``)
instead of writing its own ``check_answer``. Each accepts every form a careful grader would
(leading zeros, signs, equivalent fractions, any spacing) and nothing else.
"""

from __future__ import annotations

import re
from fractions import Fraction
from math import gcd

from engram_env.answers import (
    equivalent_expressions,
    normalize,
    parse_expression,
    parse_int,
    parse_list,
    parse_rational,
)
from engram_env.problem import Problem


def squash(text: str) -> str:
    """Text with every blank removed: ``"7 + 6 = 13"`` and ``"7+6=13"`` grade the same."""
    return "".join(text.split())


class SpacingFreeSteps:
    """Steps graded by exact match ignoring all blanks (for equation-like steps)."""

    def check_step(self, problem: Problem, index: int, text: str) -> bool:
        return squash(text) == squash(problem.steps[index])


class IntegerAnswer:
    """The answer is an integer; any plain spelling of the same integer is correct."""

    def check_answer(self, problem: Problem, text: str) -> bool:
        value = parse_int(text)
        return value is not None and value == int(problem.answer)


class RationalAnswer:
    """The answer is a rational number; equivalent fractions and exact decimals are correct."""

    def check_answer(self, problem: Problem, text: str) -> bool:
        value = parse_rational(text)
        return value is not None and value == Fraction(problem.answer)


class IntegerListAnswer:
    """The answer is an ordered list of integers, comma separated, brackets optional."""

    def check_answer(self, problem: Problem, text: str) -> bool:
        values = parse_list(text)
        return values is not None and values == parse_list(problem.answer)


class IntegerSetAnswer:
    """The answer is a set of integers: any order, brackets optional, no repeats."""

    def check_answer(self, problem: Problem, text: str) -> bool:
        values = parse_list(text)
        expected = parse_list(problem.answer)
        return values is not None and len(set(values)) == len(values) and set(values) == set(expected)


class CaseInsensitiveAnswer:
    """The answer is a word (yes/no, true/false, a name) graded without regard to case."""

    def check_answer(self, problem: Problem, text: str) -> bool:
        return normalize(text).lower() == normalize(problem.answer).lower()


def strip_unit(text: str, unit: str) -> str:
    """``text`` without a trailing ``unit`` (spacing-free); the unit is optional in answers."""
    text = squash(text)
    unit = squash(unit)
    if unit and text.endswith(unit) and len(text) > len(unit):
        return text[: -len(unit)]
    return text


class QuantityAnswer:
    """An exact quantity: ``meta["value"]`` (a rational as text) in ``meta["unit"]``.

    Equivalent fractions and exact decimals are correct, written with or without the stated
    unit; any other unit, or a rounded value, is wrong.
    """

    def check_answer(self, problem: Problem, text: str) -> bool:
        value = parse_rational(strip_unit(text, problem.meta.get("unit", "")))
        return value is not None and value == Fraction(problem.meta["value"])


class RoundedQuantityAnswer:
    """A real quantity rounded as the prompt asks: ``meta["exact"]`` to ``meta["places"]`` decimals.

    A number is correct when it is the exact value correctly rounded to its own number of
    decimals, and has at least the asked precision (``12.35``, ``12.346`` for 12.3456 when two
    places are asked; not ``12.3`` nor ``12.34``); the unit ``meta["unit"]`` is optional.
    """

    def check_answer(self, problem: Problem, text: str) -> bool:
        number = strip_unit(text, problem.meta.get("unit", ""))
        value = parse_rational(number)
        if value is None or "/" in number:
            return False
        decimals = len(number.partition(".")[2])
        places = max(decimals, int(problem.meta["places"]))
        return abs(float(value) - float(problem.meta["exact"])) <= 0.5 * 10.0**-places + 1e-9


_LABEL = re.compile(r"\s*(dy/dx|[A-Za-zλ][A-Za-z0-9]*'*(\([A-Za-z]\))?)\s*=(?!=)")


def strip_label(text: str) -> str:
    """``text`` without a leading name and ``=`` (``y = 2x``, ``f'(x)=2x``, ``x=3/4`` -> the right side)."""
    m = _LABEL.match(text)
    return text[m.end():] if m else text


class ExpressionAnswer:
    """The answer is an expression in the letters ``meta["variables"]`` (default ``x``).

    Any sympy-equivalent form is correct (factored or expanded, any order of terms), with or
    without a leading label such as ``y =`` or ``f'(x) =``. Rational functions are compared
    exactly by ``cancel``, which is fast; anything else falls back to ``simplify``.
    """

    def check_answer(self, problem: Problem, text: str) -> bool:
        import sympy

        variables = problem.meta.get("variables", "x")
        got = parse_expression(strip_label(text), variables)
        expected = parse_expression(strip_label(problem.answer), variables)
        if got is None or expected is None:
            return False
        try:
            difference = (got - expected).doit()  # parsing leaves sums unevaluated: -6x-2+2x
            if difference.is_rational_function(*(sympy.Symbol(v) for v in variables)):
                return sympy.cancel(difference) == 0
        except Exception:  # noqa: BLE001  (sympy raises many types; unusable text is just wrong)
            return False
        return equivalent_expressions(got, expected)


def parse_reduced_rational(text: str) -> Fraction | None:
    """A rational written as an integer, an exact decimal or a fraction in lowest terms.

    >>> parse_reduced_rational("-3/4"), parse_reduced_rational("0.75"), parse_reduced_rational("6/8")
    (Fraction(-3, 4), Fraction(3, 4), None)
    """
    value = parse_rational(text)
    if value is None or "/" not in text:
        return value
    numerator, denominator = (int(part) for part in squash(text).split("/"))
    return value if denominator > 1 and gcd(numerator, denominator) == 1 else None


class ReducedRationalAnswer:
    """The answer is a rational asked for in lowest terms: ``3/4``, ``0.75`` or ``x=3/4``, not ``6/8``."""

    def check_answer(self, problem: Problem, text: str) -> bool:
        value = parse_reduced_rational(strip_label(text))
        return value is not None and value == Fraction(problem.answer.split("=")[-1])


def parse_assignment(text: str, names: str) -> dict[str, Fraction] | None:
    """Values of the one-letter ``names`` from ``x=1, y=-1/2`` (any order) or ``(1, -1/2)``."""
    text = text.strip()
    if "=" not in text:
        values = parse_list(text, item=parse_rational)
        return dict(zip(names, values)) if values is not None and len(values) == len(names) else None
    out: dict[str, Fraction] = {}
    for part in re.split(r"[,;]|\band\b", text):
        name, _, value = part.partition("=")
        name, number = name.strip(), parse_rational(value)
        if name not in names or name in out or number is None:
            return None
        out[name] = number
    return out if len(out) == len(names) else None


class AssignmentAnswer:
    """The answer gives each unknown of ``meta["unknowns"]`` (e.g. ``"xyz"``) a rational value.

    ``x=1, y=-1/2`` in any order, or an ordered tuple ``(1, -1/2)``; equivalent fractions are correct.
    """

    def check_answer(self, problem: Problem, text: str) -> bool:
        names = problem.meta["unknowns"]
        got = parse_assignment(text, names)
        return got is not None and got == parse_assignment(problem.answer, names)


_EMPTY_SET = {"none", "∅", "{}", "no solution", "no solutions"}


class RationalSetAnswer:
    """The answer is a set of rationals: any order, braces optional, each value once, each item
    optionally labelled (``x=2``); ``none`` (or ``∅``, ``{}``) is the empty set."""

    def check_answer(self, problem: Problem, text: str) -> bool:
        return _rational_set(text) is not None and _rational_set(text) == _rational_set(problem.answer)


def _rational_set(text: str) -> frozenset[Fraction] | None:
    if normalize(text).lower() in _EMPTY_SET:
        return frozenset()
    values = parse_list(text, item=lambda item: parse_rational(strip_label(item)))
    if not values or len(set(values)) != len(values):
        return None
    return frozenset(values)


class LowestTermsAnswer:
    """The answer is a fraction asked for in lowest terms: ``3/4``, ``-3/4``, ``x=3/4``, or an
    integer when the denominator is 1. Unreduced fractions (``6/8``, ``4/1``) and decimals
    (``0.75``) are wrong: the prompt asks for this form, and a decimal would echo the question
    of a decimal-to-fraction task."""

    def check_answer(self, problem: Problem, text: str) -> bool:
        text = strip_label(text)
        value = None if "." in text else parse_reduced_rational(text)
        return value is not None and value == Fraction(problem.answer)
