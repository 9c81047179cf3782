"""Arithmetic: the written column methods of school arithmetic, one column or digit per step.

These are the suite's cheapest, most-played tasks, so they sample in batches: each generator's
``sample_batch`` draws every number for a whole array of seeds from counter-based streams
(``engram_env.rng``), works the columns out with numpy, and leaves only the text to Python.
``problem(seed, d)`` is the batch of one, so a batch yields exactly the problems that single
sampling gives for the same seeds.
"""

from __future__ import annotations

import re

import numpy as np

from engram_env.answers import normalize, parse_int
from engram_env.generator import Generator
from engram_env.problem import Problem
from engram_env.rng import BatchSampling, SeedStreams
from engram_env.verifiers import IntegerAnswer, SpacingFreeSteps


def _digits(streams: SeedStreams, digits, *, allow_zero: bool = True) -> np.ndarray:
    """Per seed, an integer with exactly ``digits`` digits (0..9 at one digit unless not
    ``allow_zero``); ``digits`` is a scalar or one count per seed."""
    if isinstance(digits, int):
        return streams.integers(10 ** (digits - 1) if digits > 1 else int(not allow_zero), 10**digits)
    low = np.where(digits > 1, 10 ** (digits - 1), int(not allow_zero))
    return streams.integers(low, 10**digits)


def _columns(values: np.ndarray, width: int) -> np.ndarray:
    """Decimal digits of each value, least significant first, zero-padded: shape (M, width)."""
    return values[:, None] // 10 ** np.arange(width, dtype=np.int64) % 10


def _lower_parts(values: np.ndarray, width: int) -> np.ndarray:
    """Each value modulo 10**j for j = 0..width-1: what the columns right of column j hold."""
    return values[:, None] % 10 ** np.arange(width, dtype=np.int64)


def _column_table(step) -> list[str]:
    """Every one-column step text, indexed by ``top * 20 + bottom * 2 + carry``."""
    return [step(x, y, c) for x in range(10) for y in range(10) for c in (0, 1)]


class _Arithmetic(BatchSampling, SpacingFreeSteps, IntegerAnswer, Generator):
    domain = "arithmetic"


def _add_column(x: int, y: int, carry: int) -> str:
    return f"{x}+{y}+{carry}={x + y + carry}"


def _subtract_column(x: int, y: int, borrow_in: int) -> str:
    borrow = int(x - borrow_in < y)
    # A borrowed ten is written as a leading 1 on the top digit: 13-8-1=4.
    return f"{'1' if borrow else ''}{x}-{y}-{borrow_in}={x - borrow_in + 10 * borrow - y}"


_ADD_COLUMNS = _column_table(_add_column)
_SUBTRACT_COLUMNS = _column_table(_subtract_column)


class Addition(_Arithmetic):
    name = "addition"
    tier = 0
    pattern = "simulation_trace"
    summary = "Add two integers column by column, carrying."
    difficulty_doc = "Both operands have `difficulty` digits (1..10)."

    def sample_batch(self, streams: SeedStreams, difficulty: int) -> list[tuple]:
        a, b = _digits(streams, difficulty), _digits(streams, difficulty)
        # A carry comes into column j when the columns right of it overflow: all at once.
        carry = _lower_parts(a, difficulty) + _lower_parts(b, difficulty) >= 10 ** np.arange(difficulty)
        # (M, difficulty): the column table index of each step
        codes = _columns(a, difficulty) * 20 + _columns(b, difficulty) * 2 + carry
        return [
            (f"Add column by column from the right (digit+digit+carry=sum). {p}+{q}=?",
             tuple(map(_ADD_COLUMNS.__getitem__, row)), str(p + q))
            for p, q, row in zip(a.tolist(), b.tolist(), codes.tolist())
        ]


class Subtraction(_Arithmetic):
    name = "subtraction"
    tier = 0
    pattern = "simulation_trace"
    prerequisites = ("addition",)
    summary = "Subtract a smaller integer from a larger one column by column, borrowing."
    difficulty_doc = "Both operands have `difficulty` digits (1..10); the first is the larger."

    def sample_batch(self, streams: SeedStreams, difficulty: int) -> list[tuple]:
        first, second = _digits(streams, difficulty), _digits(streams, difficulty)
        a, b = np.maximum(first, second), np.minimum(first, second)
        # A ten is borrowed into column j when the columns right of it are smaller on top.
        borrow = _lower_parts(a, difficulty) < _lower_parts(b, difficulty)
        codes = _columns(a, difficulty) * 20 + _columns(b, difficulty) * 2 + borrow
        prompt = ("Subtract column by column from the right (digit-digit-borrow=difference, "
                  "a leading 1 marks a borrowed ten). {}-{}=?")
        return [(prompt.format(p, q), tuple(map(_SUBTRACT_COLUMNS.__getitem__, row)), str(p - q))
                for p, q, row in zip(a.tolist(), b.tolist(), codes.tolist())]


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

    def sample_batch(self, streams: SeedStreams, difficulty: int) -> list[tuple]:
        da, db = _MULTIPLICATION_SIZES[difficulty - 1]
        a, b = _digits(streams, da), _digits(streams, db)
        shifted = _columns(b, db) * 10 ** np.arange(db, dtype=np.int64)  # (M, db): d * 10**i
        partials = a[:, None] * shifted
        out = []
        for p, q, multipliers, parts in zip(a.tolist(), b.tolist(), shifted.tolist(),
                                            partials.tolist()):
            steps = [f"{p}×{m}={r}" for m, r in zip(multipliers, parts)]
            if db > 1:
                steps.append("+".join(map(str, parts)) + f"={p * q}")
            prompt = ("Multiply: one partial product per digit of the second number from the "
                      f"right, then add them. {p}×{q}=?")
            out.append((prompt, steps, str(p * q)))
        return out


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

    def sample_batch(self, streams: SeedStreams, difficulty: int) -> list[tuple]:
        divisor = _digits(streams, 1 + (difficulty - 1) // 4, allow_zero=False)
        divisor = np.where(divisor == 1, streams.integers(2, 10), divisor)  # never divide by 1
        dividend = _digits(streams, difficulty + 1)
        width = difficulty + 1
        # (M, width): the dividend's first j+1 digits; the part divided at step j is the
        # remainder of the first j digits, then digit j brought down.
        prefix = dividend[:, None] // 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
        current = prefix // 10 % divisor[:, None] * 10 + prefix % 10
        out = []
        for n, m, parts in zip(dividend.tolist(), divisor.tolist(), current.tolist()):
            steps = [f"{c}/{m}={c // m} r{c % m}" for c in parts]
            prompt = ("Long division: bring down one digit at a time (part/divisor=digit r "
                      f"remainder); answer as 'quotient r remainder'. {n}/{m}=?")
            out.append((prompt, steps, f"{n // m} r{n % m}"))
        return out

    def check_answer(self, problem: Problem, text: str) -> bool:
        quotient, remainder = map(int, _REMAINDER.fullmatch(problem.answer).groups())
        if m := _REMAINDER.fullmatch(text.strip()):
            return (int(m.group(1)), int(m.group(2))) == (quotient, remainder)
        return remainder == 0 and parse_int(text) == quotient


class Comparison(BatchSampling, Generator):
    name = "comparison"
    domain = "arithmetic"
    tier = 0
    pattern = "comparison_and_ordering"
    summary = "Compare two integers: sign, then length, then the first differing digit."
    difficulty_doc = (
        "The first number has between difficulty-2 and `difficulty` digits, the second as many "
        "(half the time) or fewer; from level 4 either may be negative."
    )

    def sample_batch(self, streams: SeedStreams, difficulty: int) -> list[tuple]:
        # The relation is drawn first (< and > 40% each, = 20%) and kept, so answers stay balanced.
        u = streams.random()
        less, equal = u < 0.4, u >= 0.8  # the relation to keep: <, > or =
        length = streams.integers(max(1, difficulty - 2), difficulty + 1)
        a = _digits(streams, length)
        same_length = streams.chance(0.5) | (a < 10)  # same length: the digits decide
        b_same = _digits(streams, length)
        b_shorter = _digits(streams, streams.integers(1, np.maximum(length, 2)))
        b = np.where(equal, a, np.where(same_length, b_same, b_shorter))
        clash = ~equal & (a == b)
        b = np.where(clash, np.where(a + 1 < 10**length, a + 1, a - 1), b)
        signed = streams.chance(0.4) & (difficulty >= 4)
        sign_a = np.where(signed & streams.chance(0.5), -1, 1)
        sign_b = np.where(signed & streams.chance(0.5), -1, 1)
        x, y = sign_a * a, np.where(equal, sign_a, sign_b) * b
        swap = ~equal & ((x < y) != less)
        x, y = np.where(swap, y, x), np.where(swap, x, y)
        return [(f"Compare with <, > or =. {p} ? {q}", _compare_steps(p, q),
                 "<" if p < q else ">" if p > q else "=")
                for p, q in zip(x.tolist(), y.tolist())]

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
