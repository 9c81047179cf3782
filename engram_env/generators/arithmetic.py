"""Arithmetic: the written column methods of school arithmetic, one column or digit per step."""

from __future__ import annotations

import re

import numpy as np

from engram_env.answers import normalize, parse_int
from engram_env.generator import Generator
from engram_env.generators._common import chance, digits_of, draw_digits
from engram_env.problem import Problem
from engram_env.verifiers import IntegerAnswer, SpacingFreeSteps


class _Arithmetic(SpacingFreeSteps, IntegerAnswer, Generator):
    domain = "arithmetic"


class Addition(_Arithmetic):
    name = "addition"
    tier = 0
    pattern = "simulation_trace"
    summary = "Add two integers column by column, carrying."
    difficulty_doc = "Both operands have `difficulty` digits (1..10)."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        a, b = draw_digits(rng, difficulty), draw_digits(rng, difficulty)
        steps, carry = [], 0
        for x, y in zip(digits_of(a, difficulty), digits_of(b, difficulty)):
            total = x + y + carry
            steps.append(f"{x}+{y}+{carry}={total}")
            carry = total // 10
        prompt = f"Add column by column from the right (digit+digit+carry=sum). {a}+{b}=?"
        return self.make(difficulty, prompt, steps, str(a + b))


class Subtraction(_Arithmetic):
    name = "subtraction"
    tier = 0
    pattern = "simulation_trace"
    prerequisites = ("addition",)
    summary = "Subtract a smaller integer from a larger one column by column, borrowing."
    difficulty_doc = "Both operands have `difficulty` digits (1..10); the first is the larger."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        a, b = sorted((draw_digits(rng, difficulty), draw_digits(rng, difficulty)), reverse=True)
        steps, borrow = [], 0
        for x, y in zip(digits_of(a, difficulty), digits_of(b, difficulty)):
            borrow_in = borrow
            borrow = int(x - borrow_in < y)
            # A borrowed ten is written as a leading 1 on the top digit: 13-8-1=4.
            steps.append(f"{'1' if borrow else ''}{x}-{y}-{borrow_in}={x - borrow_in + 10 * borrow - y}")
        prompt = (
            "Subtract column by column from the right (digit-digit-borrow=difference, "
            f"a leading 1 marks a borrowed ten). {a}-{b}=?"
        )
        return self.make(difficulty, prompt, steps, str(a - b))


_MULTIPLICATION_SIZES = [(1, 1), (2, 1), (2, 2), (3, 2), (3, 3), (4, 3), (4, 4), (5, 4), (5, 5), (6, 5)]


class Multiplication(_Arithmetic):
    name = "multiplication"
    tier = 1
    pattern = "recursive_decomposition"
    prerequisites = ("addition",)
    summary = "Long multiplication: one partial product per digit of the multiplier, then their sum."
    difficulty_doc = (
        "Operand digits grow from 1x1 (level 1) through 3x3 (level 5) to 6x5 (level 10)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        da, db = _MULTIPLICATION_SIZES[difficulty - 1]
        a, b = draw_digits(rng, da), draw_digits(rng, db)
        partials = [a * d * 10**i for i, d in enumerate(digits_of(b))]
        steps = [f"{a}×{d * 10**i}={p}" for i, (d, p) in enumerate(zip(digits_of(b), partials))]
        if len(partials) > 1:
            steps.append("+".join(map(str, partials)) + f"={a * b}")
        prompt = (
            "Multiply: one partial product per digit of the second number from the right, "
            f"then add them. {a}×{b}=?"
        )
        return self.make(difficulty, prompt, steps, str(a * b))


_REMAINDER = re.compile(r"(\d+)\s*(?:r|R|remainder)\s*(\d+)")


class Division(_Arithmetic):
    name = "division"
    tier = 1
    pattern = "recursive_decomposition"
    prerequisites = ("multiplication", "subtraction")
    summary = "Long division with remainder: one step per digit of the dividend."
    difficulty_doc = (
        "The dividend has difficulty+1 digits; the divisor 1 digit (levels 1-4), 2 digits "
        "(5-8) or 3 digits (9-10)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        divisor = draw_digits(rng, 1 + (difficulty - 1) // 4, allow_zero=False)
        if divisor == 1:
            divisor = int(rng.integers(2, 10))
        dividend = draw_digits(rng, difficulty + 1)
        steps, rest = [], 0
        for digit in str(dividend):
            current = rest * 10 + int(digit)
            rest = current % divisor
            steps.append(f"{current}/{divisor}={current // divisor} r{rest}")
        quotient, remainder = divmod(dividend, divisor)
        prompt = (
            "Long division: bring down one digit at a time (part/divisor=digit r remainder); "
            f"answer as 'quotient r remainder'. {dividend}/{divisor}=?"
        )
        return self.make(difficulty, prompt, steps, f"{quotient} r{remainder}")

    def check_answer(self, problem: Problem, text: str) -> bool:
        quotient, remainder = map(int, _REMAINDER.fullmatch(problem.answer).groups())
        if m := _REMAINDER.fullmatch(text.strip()):
            return (int(m.group(1)), int(m.group(2))) == (quotient, remainder)
        return remainder == 0 and parse_int(text) == quotient


class Comparison(Generator):
    name = "comparison"
    domain = "arithmetic"
    tier = 0
    pattern = "comparison_and_ordering"
    summary = "Compare two integers: sign, then length, then the first differing digit."
    difficulty_doc = (
        "The first number has between difficulty-2 and `difficulty` digits, the second as many "
        "(half the time) or fewer; from level 4 either may be negative."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        relation = rng.choice(["<", ">", "="], p=[0.4, 0.4, 0.2])
        a = draw_digits(rng, int(rng.integers(max(1, difficulty - 2), difficulty + 1)))
        if relation == "=":
            b = a
        elif chance(rng, 0.5) or a < 10:
            b = draw_digits(rng, len(str(a)))  # same length: the digits decide
        else:
            b = draw_digits(rng, int(rng.integers(1, len(str(a)))))  # shorter
        if relation != "=" and a == b:
            b = a + 1 if a + 1 < 10 ** len(str(a)) else a - 1
        sign_a = sign_b = 1
        if difficulty >= 4 and chance(rng, 0.4):
            sign_a, sign_b = (int(s) for s in rng.choice([-1, 1], size=2))
            if relation == "=":
                sign_b = sign_a
        x, y = sign_a * a, sign_b * b
        truth = "<" if x < y else ">" if x > y else "="
        if truth != relation and relation != "=":  # keep the drawn relation, so answers stay balanced
            x, y = y, x
        return self.make(difficulty, f"Compare with <, > or =. {x} ? {y}", _compare_steps(x, y),
                         "<" if x < y else ">" if x > y else "=")

    def check_answer(self, problem: Problem, text: str) -> bool:
        return normalize(text) == problem.answer


def _compare_steps(x: int, y: int) -> list[str]:
    """Signs first, then lengths, then digits from the left until one differs."""
    if (x < 0) != (y < 0):
        return [f"signs {'-' if x < 0 else '+'} {'-' if y < 0 else '+'}"]
    steps = []
    if x < 0:
        steps.append("both negative: the larger magnitude is smaller")
    a, b = str(abs(x)), str(abs(y))
    steps.append(f"lengths {len(a)} {len(b)}")
    if len(a) == len(b):
        for i, (p, q) in enumerate(zip(a, b)):
            if p != q:
                steps.append(f"digit {i + 1}: {p}{'<' if p < q else '>'}{q}")
                break
        else:
            steps.append("all digits equal")
    return steps
