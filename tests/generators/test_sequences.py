"""Sequence generators: answers recomputed independently (plain loops, sympy, decimal), traces
checked term by term, verifiers tested against equivalent forms and near misses."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import pairwise

import pytest
import sympy

from engram_env.registry import get_generator

SEEDS, LEVELS = range(20), range(1, 11)


def problems(task: str):
    g = get_generator(task)
    return [g.problem(seed, d) for seed in SEEDS for d in LEVELS]


def first(task: str, predicate=lambda p: True, difficulty: int = 6):
    g = get_generator(task)
    return next(p for p in (g.problem(s, difficulty) for s in range(500)) if predicate(p))


def test_consecutive_sum():
    for p in problems("consecutive_sum"):
        start, count = p.meta["start"], p.meta["count"]
        assert int(p.answer) == sum(range(start, start + count)) == count * (2 * start + count - 1) // 2
        assert len(p.steps) == count - 1
        for step in p.steps:
            a, b, c = map(int, re.findall(r"\d+", step))
            assert a + b == c


def test_fibonacci():
    for p in problems("fibonacci"):
        f0, f1, n = p.meta["first"], p.meta["second"], p.meta["n"]
        # closed form: G(n) = f0×F(n-1) + f1×F(n) with the standard Fibonacci numbers
        expected = f0 * sympy.fibonacci(n - 1) + f1 * sympy.fibonacci(n)
        assert int(p.answer) == expected
        pairs = [tuple(map(int, re.findall(r"\d+", s))) for s in p.steps]
        assert len(pairs) == n - 1 and pairs[-1][1] == expected
        for (a, b), (c, d) in pairwise(pairs):
            assert c == b and d == a + b
        if p.difficulty <= 2:
            assert (f0, f1) == (0, 1)


def test_sequence_continuation():
    for p in problems("sequence_continuation"):
        shown = [int(v) for v in re.search(r"The sequence (.*?), \.\.\.", p.prompt).group(1).split(", ")]
        asked = int(re.search(r"next (\d+) term", p.prompt).group(1))
        differences = {b - a for a, b in pairwise(shown)}
        if len(differences) == 1:
            d = differences.pop()
            expected = [shown[-1] + d * k for k in range(1, asked + 1)]
            assert f"d={d}" in p.steps
        else:
            r = Fraction(shown[1], shown[0])
            assert all(Fraction(b, a) == r for a, b in pairwise(shown)) and r.denominator == 1
            expected = [shown[-1] * int(r) ** k for k in range(1, asked + 1)]
            assert f"r={r}" in p.steps
        assert [int(v) for v in p.answer.split(",")] == expected


def test_collatz():
    for p in problems("collatz"):
        n = p.meta["start"]
        for _ in range(p.meta["times"]):
            n = 3 * n + 1 if n % 2 else n // 2
        assert int(p.answer) == n and len(p.steps) == p.meta["times"] == p.difficulty + 3
        assert p.steps[-1].endswith(f"={n}")


def test_arithmetic_series():
    for p in problems("arithmetic_series"):
        a, d, n = p.meta["first"], p.meta["step"], p.meta["n"]
        assert int(p.answer) == sum(a + k * d for k in range(n))
        assert p.steps[1].endswith(f"={a + (n - 1) * d}")


def test_recurrence_relation():
    for p in problems("recurrence_relation"):
        coefficients, values, c = p.meta["coefficients"], list(p.meta["start"]), p.meta["constant"]
        k = len(coefficients)
        while len(values) <= p.meta["last"]:
            values.append(sum(a * v for a, v in zip(coefficients, reversed(values[-k:]))) + c)
        assert int(p.answer) == values[-1]
        assert [int(s.rsplit("=", 1)[1]) for s in p.steps] == values[k:]
        assert (k == 1) == (p.difficulty <= 4)


def test_geometric_series():
    for p in problems("geometric_series"):
        a, r, n = p.meta["a"], p.meta["r"], p.meta["n"]
        assert int(p.answer) == sum(a * r**k for k in range(n))


def test_series_convergence():
    for p in problems("series_convergence"):
        a, r = Fraction(p.meta["a"]), Fraction(p.meta["r"])
        if abs(r) >= 1:
            assert p.answer == "diverges"
        else:
            partial = sum(float(a) * float(r) ** k for k in range(2000))
            assert math.isclose(float(Fraction(p.answer)), partial, rel_tol=1e-9)
            assert Fraction(partial).limit_denominator(10**4) == Fraction(p.answer)  # exact value
    shares = [get_generator("series_convergence").problem(s, 8).answer == "diverges" for s in range(400)]
    assert 0.2 <= sum(shares) / 400 <= 0.4


def test_newton_sqrt():
    for p in problems("newton_sqrt"):
        s, places, times = p.meta["s"], p.meta["places"], p.meta["times"]
        quantum = Decimal(1).scaleb(-places)
        x = Decimal(p.meta["x0"])
        for _ in range(times):
            x = ((x + Decimal(s) / x) / 2).quantize(quantum, rounding=ROUND_HALF_UP)
        assert p.answer == str(x)
        assert len(p.steps) == times and p.steps[-1].endswith(f"={x}")
        if times >= 3:
            assert abs(float(x) - math.sqrt(s)) < 0.01


@pytest.mark.parametrize("task, good, bad", [
    ("consecutive_sum", lambda a: [a, f" {a} ", f"+{a}"], lambda a: [str(int(a) + 1), f"{a}.5", ""]),
    ("fibonacci", lambda a: [a, "0" + a], lambda a: [str(int(a) - 1), f"-{a}", "F"]),
])
def test_integer_answers(task, good, bad):
    g = get_generator(task)
    p = first(task)
    assert all(g.check_answer(p, t) for t in good(p.answer))
    assert not any(g.check_answer(p, t) for t in bad(p.answer))


def test_ordered_list_answers():
    g = get_generator("sequence_continuation")
    p = first("sequence_continuation", lambda p: p.answer.count(",") >= 1)
    terms = p.answer.split(", ")
    assert g.check_answer(p, ",".join(terms)) and g.check_answer(p, f"[{p.answer}]")
    for bad in (", ".join(reversed(terms)), ", ".join(terms[:-1]), terms[0], "", "a, b"):
        assert not g.check_answer(p, bad), bad


def test_series_answers():
    g = get_generator("series_convergence")
    p = first("series_convergence", lambda p: "/" in p.answer)
    n, d = (int(v) for v in p.answer.split("/"))
    assert g.check_answer(p, f"{n}/{d}") and g.check_answer(p, f"S={n}/{d}")
    for bad in (f"{2 * n}/{2 * d}", f"{n + 1}/{d}", "diverges", str(n / d), ""):
        assert not g.check_answer(p, bad), bad
    p = first("series_convergence", lambda p: p.answer == "diverges")
    for good in ("diverges", "Diverges", " divergent "):
        assert g.check_answer(p, good), good
    for bad in ("converges", "0", "", "infinity"):
        assert not g.check_answer(p, bad), bad


def test_newton_answers():
    g = get_generator("newton_sqrt")
    p = first("newton_sqrt", lambda p: p.meta["places"] == 3)
    value = Decimal(p.answer)
    assert g.check_answer(p, p.answer) and g.check_answer(p, p.answer + "0")
    for bad in (str(value + Decimal("0.001")), str(value - Decimal("0.001")),
                str(value.quantize(Decimal("0.1"))), "", "sqrt"):
        assert not g.check_answer(p, bad), bad
