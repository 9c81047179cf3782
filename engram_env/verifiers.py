"""Reusable verifier mixins: how a task's answers and steps are graded.

A generator inherits the one that fits its answer (``class Gcd(IntegerAnswer, Generator)``)
instead of writing its own ``check_answer``. Each accepts every form a careful grader would
(leading zeros, signs, equivalent fractions, any spacing) and nothing else.
"""

from __future__ import annotations

from fractions import Fraction

from engram_env.answers import normalize, parse_int, parse_list, parse_rational
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
