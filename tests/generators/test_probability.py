"""Probability and statistics generators recomputed with the statistics module, numpy and brute
force, from the instance in the prompt."""

from __future__ import annotations

import re
import statistics
from fractions import Fraction
from itertools import product

import numpy as np
import pytest

from engram_env.registry import get_generator

CASES = [(seed, d) for d in range(1, 11) for seed in range(20)]
_SUM = re.compile(r"(-?\d+)([+-]\d+)=(-?\d+)")


def problems(task: str):
    g = get_generator(task)
    return [g.problem(seed, d) for seed, d in CASES]


def listed(prompt: str) -> list[int]:
    """The data list of a statistics prompt: 'of 3, -1, 7 as/rounded/(...'."""
    return [int(x) for x in re.search(r" of (-?\d+(?:, -?\d+)*)", prompt).group(1).split(", ")]


def test_mean_of_list():
    for p in problems("mean_of_list"):
        values = listed(p.prompt)
        assert Fraction(p.answer) == statistics.mean(map(Fraction, values))
        for step in p.steps[:-1]:  # each running-sum step is a true addition
            a, b, c = map(int, _SUM.fullmatch(step).groups())
            assert a + b == c
        assert p.steps[-2].endswith(f"={sum(values)}")


def test_median_of_list():
    for p in problems("median_of_list"):
        values = listed(p.prompt)
        assert Fraction(p.answer) == statistics.median(map(Fraction, values))
        assert p.steps[0] == "sorted: " + ",".join(map(str, sorted(values)))


def test_variance():
    for p in problems("variance"):
        values = listed(p.prompt)
        assert Fraction(p.answer) == statistics.pvariance(list(map(Fraction, values)))
        mean = int(re.fullmatch(r"mean=-?\d+/\d+=(-?\d+)", p.steps[0]).group(1))
        assert mean == statistics.mean(values)
        squares = [int(s.rsplit("=", 1)[1]) for s in p.steps[1:-2]]
        assert squares == [(v - mean) ** 2 for v in values]


def test_standard_deviation():
    for p in problems("standard_deviation"):
        values = listed(p.prompt)
        assert abs(float(p.answer) - statistics.pstdev(values)) <= 0.005
        assert re.fullmatch(r"-?\d+\.\d\d", p.answer)
        assert p.steps[-1].endswith(p.answer)


def test_linear_regression_slope():
    for p in problems("linear_regression_slope"):
        points = [tuple(map(int, xy)) for xy in re.findall(r"\((-?\d+),(-?\d+)\)", p.prompt)]
        xs, ys = zip(*points)
        slope = np.polyfit(xs, ys, 1)[0]
        assert abs(float(Fraction(p.answer)) - slope) < 1e-9 * max(1, abs(slope))
        mx, my = Fraction(sum(xs), len(xs)), Fraction(sum(ys), len(ys))  # deviation form
        exact = (sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x in xs))
        assert Fraction(p.answer) == exact
        assert p.steps[0] == f"sum x={sum(xs)}" and p.steps[2] == f"sum xy={np.dot(xs, ys)}"


def test_dice_sum_probability():
    for p in problems("dice_sum_probability"):
        sizes = [int(s) for s in re.findall(r"a d(\d+)", p.prompt.split("(")[0])]
        target = int(re.search(r"(?:at least|exactly) (\d+)", p.prompt).group(1))
        at_least = "at least" in p.prompt
        rolls = list(product(*(range(1, s + 1) for s in sizes)))
        hits = sum(1 for r in rolls if (sum(r) >= target if at_least else sum(r) == target))
        assert Fraction(p.answer) == Fraction(hits, len(rolls)) > 0
        assert sum(int(re.search(r", (\d+) ways", s).group(1)) for s in p.steps[:-2]) == hits


def test_expected_value():
    for p in problems("expected_value"):
        pairs = re.findall(r"(-?\d+) with probability (\d+(?:/\d+)?)", p.prompt)
        probabilities = [Fraction(q) for _, q in pairs]
        assert sum(probabilities) == 1 and all(q > 0 for q in probabilities)
        expected = sum(int(v) * q for (v, _), q in zip(pairs, probabilities))
        assert Fraction(p.answer) == expected
        assert len(p.steps) == len(pairs) + 1


def test_conditional_probability():
    for p in problems("conditional_probability"):
        head = re.search(r"rows ([A-Z, ]+) and columns ([A-Z, ]+): (.*?)\. For", p.prompt)
        rows, cols = head.group(1).split(", "), head.group(2).split(", ")
        table = {r: dict(zip(cols, map(int, line.split(": ")[1].split())))
                 for r, line in zip(rows, head.group(3).split("; "))}
        event, given = re.search(r"P\((.*?) \| ([A-Z])\)", p.prompt).groups()
        event = event.split(" or ")
        cells = [(r, c) for r in rows for c in cols]  # count the items of the whole table
        in_given = [(r, c) for r, c in cells if given in (r, c)]
        in_both = [(r, c) for r, c in in_given if r in event or c in event]
        expected = Fraction(sum(table[r][c] for r, c in in_both),
                            sum(table[r][c] for r, c in in_given))
        assert Fraction(p.answer) == expected


def test_bayes_rule():
    for p in problems("bayes_rule"):
        if p.difficulty <= 5:
            prior, sens, fp = map(int, re.search(
                r"(\d+)% of people .*? for (\d+)% of D and (\d+)% of H", p.prompt).groups())
            # simulate a population of 10**6 people exactly
            sick_positive = 10**6 * prior * sens // 10**4
            healthy_positive = 10**6 * (100 - prior) * fp // 10**4
            expected = Fraction(sick_positive, sick_positive + healthy_positive)
        else:
            shares = [int(x) for x in re.findall(r"M\d makes (\d+)%", p.prompt)]
            rates = [int(x) for x in re.search(r"rates are ([\d%, ]+)\.", p.prompt).group(1)
                     .replace("%", "").split(", ")]
            asked = int(re.search(r"Find P\(M(\d)\|F\)", p.prompt).group(1)) - 1
            faulty = [s * r for s, r in zip(shares, rates)]
            expected = Fraction(faulty[asked], sum(faulty))
            assert sum(shares) == 100
        assert Fraction(p.answer) == expected
        assert p.steps[-1].endswith("=" + p.answer)


def test_binomial_probability():
    for p in problems("binomial_probability"):
        q = Fraction(re.search(r"probability (\d+/\d+)", p.prompt).group(1))
        n, k = map(int, re.search(r"In (\d+) trials.*exactly (\d+) successes", p.prompt).groups())
        # brute force over every success/failure sequence
        total = sum((q ** sum(seq)) * ((1 - q) ** (n - sum(seq)))
                    for seq in product((0, 1), repeat=n) if sum(seq) == k)
        assert Fraction(p.answer) == total


# -- verifiers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", ["mean_of_list", "median_of_list", "variance",
                                  "linear_regression_slope", "dice_sum_probability",
                                  "expected_value", "conditional_probability", "bayes_rule",
                                  "binomial_probability"])
def test_rational_answers(task):
    g = get_generator(task)
    for seed in range(3):
        p = g.problem(seed, 6)
        value = Fraction(p.answer)
        scaled = f"{value.numerator * 3}/{value.denominator * 3}"
        for good in (p.answer, scaled, f" {value.numerator} / {value.denominator} "):
            assert g.check_answer(p, good), good
        if value.denominator in (1, 2, 4, 5, 8, 10):
            assert g.check_answer(p, str(float(value)))
        near = [value + Fraction(1, 100), value - 1, 1 / value if value else Fraction(1),
                -value if value else Fraction(-1)]
        for bad in [f"{v.numerator}/{v.denominator}" for v in near] + ["", "x", "1/0", "half"]:
            assert not g.check_answer(p, bad), bad


def test_standard_deviation_answers():
    g = get_generator("standard_deviation")
    p = g.problem(9, 5)
    exact = p.meta["exact"]
    for good in (p.answer, f"{exact:.3f}", f"{exact:.6f}", f" {p.answer} "):
        assert g.check_answer(p, good), good
    for bad in (f"{float(p.answer) + 0.01:.2f}", f"{float(p.answer) - 0.01:.2f}",
                f"{exact ** 2:.2f}", "", "sqrt", f"-{p.answer}"):
        assert not g.check_answer(p, bad), bad
