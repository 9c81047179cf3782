"""Meta-reasoning: reasoning about a worked solution rather than solving the problem.

The learner audits a column addition that may hold one planted mistake and names the first wrong
line. Lines after a mistake follow on consistently from it (as a careless solver's would), so
exactly one line is wrong when any is, and spotting it takes checking every line in order.
"""

from __future__ import annotations

import numpy as np

from engram_env.answers import normalize, parse_int
from engram_env.generator import Generator
from engram_env.generators._common import digits_of, draw_digits
from engram_env.problem import Problem


def _slipped(value: int, delta: int) -> int:
    """``value`` moved by ``delta`` (a non-zero slip), mirrored upwards where it would go negative."""
    return value + delta if value + delta >= 0 else value - delta


def _column_lines(a: int, b: int, digits: int, slip: tuple[int, str, int] | None) -> list[str]:
    """The lines of a worked addition, with ``slip = (line, kind, delta)`` planted if given.

    A slip in a column line changes its sum (kind "sum") or the carry it brings in (kind
    "carry"); later columns carry on from the slipped value. The result line collects the
    written digits; a slip there changes the result by ``delta``.
    """
    lines, written, carry = [], [], 0
    for i, (x, y) in enumerate(zip(digits_of(a, digits), digits_of(b, digits))):
        carry_in = carry
        if slip and slip[0] == i and slip[1] == "carry":
            carry_in = 1 - carry
        total = x + y + carry_in
        if slip and slip[0] == i and slip[1] == "sum":
            total = _slipped(total, slip[2])
        lines.append(f"{x}+{y}+{carry_in}={total}")
        written.append(total % 10)
        carry = total // 10
    result = int("".join(map(str, reversed(written)))) + carry * 10**digits
    if slip and slip[0] == digits:
        result = _slipped(result, slip[2])
    return [*lines, f"result {result}"]


class FirstError(Generator):
    name = "first_error"
    domain = "arithmetic"
    tier = 1
    pattern = "meta_reasoning"
    prerequisites = ("addition",)
    summary = "Audit a worked column addition and name its first wrong line (or none)."
    difficulty_doc = (
        "The addition has `difficulty` columns (1..10), so difficulty+1 lines to check; the "
        "answer is uniform over 'none' and every line."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        a, b = draw_digits(rng, difficulty), draw_digits(rng, difficulty)
        wrong = int(rng.integers(0, difficulty + 2))  # 0: no mistake, else the wrong line
        slip = None
        if wrong:
            kind = "sum" if wrong == difficulty + 1 or rng.random() < 0.5 else "carry"
            delta = int(rng.choice([-2, -1, 1, 2]))
            slip = (wrong - 1, kind, delta)
        lines = _column_lines(a, b, difficulty, slip)
        steps = []
        for i, line in enumerate(lines, start=1):
            if i == wrong:
                steps.append(f"line {i} wrong")
                break
            steps.append(f"line {i} ok")
        worked = "; ".join(f"line {i}: {line}" for i, line in enumerate(lines, start=1))
        prompt = (
            f"A student added {a}+{b} column by column from the right (digit+digit+carry=sum, "
            f"carry = sum div 10), then wrote the result. {worked}. Check each line in order; "
            "answer the number of the first wrong line, or none."
        )
        return self.make(difficulty, prompt, steps, str(wrong) if wrong else "none")

    def check_answer(self, problem: Problem, text: str) -> bool:
        if problem.answer == "none":
            return normalize(text).lower() == "none"
        return parse_int(text) == int(problem.answer)
