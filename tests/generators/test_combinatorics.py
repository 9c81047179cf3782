"""Counting generators recomputed by brute force or library formulas, from the prompt text."""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import cache
from itertools import permutations, product

import numpy as np
import pytest

from engram_env.registry import get_generator

CASES = [(seed, d) for d in range(1, 11) for seed in range(20)]
_EQUATION = re.compile(r"(\d+)×(\d+)(?:/(\d+))?=(\d+)")


def problems(task: str):
    g = get_generator(task)
    return [g.problem(seed, d) for seed, d in CASES]


def check_products(steps) -> None:
    """Every 'a×b=c' or 'a×b/d=c' written in a step is exact arithmetic."""
    for step in steps:
        for a, b, d, c in _EQUATION.findall(step):
            assert int(a) * int(b) == int(c) * int(d or 1), step


def test_multiplication_principle():
    for p in problems("multiplication_principle"):
        counts = [int(x) for x in re.findall(r"(\d+) [a-z]", p.prompt.split(".")[0])]
        assert len(counts) == 2 + p.difficulty // 3
        assert int(p.answer) == math.prod(counts)
        check_products(p.steps)


def test_anagram_count():
    for p in problems("anagram_count"):
        word = re.search(r"letters of '([a-z]+)'", p.prompt).group(1)
        if len(word) <= 7:
            expected = len(set(permutations(word)))
        else:  # place each letter's copies among the remaining positions in turn
            expected, left = 1, len(word)
            for c in Counter(word).values():
                expected *= math.comb(left, c)
                left -= c
        assert int(p.answer) == expected


def test_committee_selection():
    for p in problems("committee_selection"):
        if "juniors" in p.prompt:
            sizes = r"has (\d+) juniors and (\d+) seniors.*of (\d+) juniors and (\d+) seniors"
            a, b, i, j = map(int, re.search(sizes, p.prompt).groups())
            expected = math.comb(a, i) * math.comb(b, j)
        else:
            i, a = map(int, re.search(r"can (\d+) of (\d+) people", p.prompt).groups())
            expected = math.comb(a, i)
        assert int(p.answer) == expected
        check_products(p.steps)
        for step in p.steps:
            if m := re.fullmatch(r"C\((\d+),(\d+)\)=(?:.*=)?(\d+)", step):
                assert math.comb(int(m[1]), int(m[2])) == int(m[3]), step


def test_stars_and_bars():
    for p in problems("stars_and_bars"):
        shared = re.search(r"(\d+) identical coins be shared among (\d+)", p.prompt)
        total, k = map(int, shared.groups())
        floors = {int(i): int(m) for i, m in re.findall(r"person (\d+) at least (\d+)", p.prompt)}
        # count by a polynomial product: ways[s] = shares summing to s for the people so far
        ways = np.zeros(total + 1, dtype=np.int64)
        ways[0] = 1
        for person in range(1, k + 1):
            new = np.zeros_like(ways)
            for share in range(floors.get(person, 0), total + 1):
                new[share:] += ways[: total + 1 - share]
            ways = new
        assert int(p.answer) == int(ways[total])
        check_products(p.steps)


def count_paths(grid: tuple[str, ...]) -> int:
    """Right/down paths by recursion from the top-left cell."""
    rows, cols = len(grid), len(grid[0])

    @cache
    def paths(r: int, c: int) -> int:
        if r >= rows or c >= cols or grid[r][c] == "#":
            return 0
        if (r, c) == (rows - 1, cols - 1):
            return 1
        return paths(r + 1, c) + paths(r, c + 1)

    return paths(0, 0)


def test_lattice_paths():
    for p in problems("lattice_paths"):
        grid = re.search(r"blocked: ([.#/]+)\.", p.prompt).group(1).split("/")
        assert int(p.answer) == count_paths(tuple(grid)) >= 1
        assert p.steps[-1].endswith("," + p.answer) and len(p.steps) == len(grid)


def test_subset_sum_count():
    answers = Counter()
    for p in problems("subset_sum_count"):
        items = [int(x) for x in re.search(r"\{(.*?)\}", p.prompt).group(1).split(", ")]
        target = int(re.search(r"have sum (\d+)", p.prompt).group(1))
        found = [s for mask in product((0, 1), repeat=len(items))
                 if sum(s := tuple(x for x, m in zip(items, mask) if m)) == target and s]
        assert int(p.answer) == len(found)
        assert list(p.steps) == ["+".join(map(str, s)) for s in sorted(found)]
        answers[p.answer] += 1
    assert max(answers.values()) / sum(answers.values()) < 0.45


def test_divisibility_count():
    for p in problems("divisibility_count"):
        limit = int(re.search(r"integers 1 to (\d+)", p.prompt).group(1))
        divisors = [int(x) for x in re.search(r"one of ([\d, ]+)\?", p.prompt).group(1).split(", ")]
        numbers = np.arange(1, limit + 1)
        hit = np.zeros(limit, dtype=bool)
        for d in divisors:
            hit |= numbers % d == 0
        assert int(p.answer) == int(hit.sum())
        assert len(p.steps) == 2 ** len(divisors)  # one per non-empty group, then the total
        for step in p.steps[:-1]:
            n, d, q = map(int, re.search(r"(\d+)/(\d+) → (\d+)", step).groups())
            assert q == n // d


# -- verifiers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", ["multiplication_principle", "anagram_count",
                                  "committee_selection", "stars_and_bars", "lattice_paths",
                                  "subset_sum_count", "divisibility_count"])
def test_integer_answers(task):
    g = get_generator(task)
    p = g.problem(5, 6)
    value = int(p.answer)
    for good in (p.answer, f" {value} ", f"+{value}", f"00{value}"):
        assert g.check_answer(p, good), good
    for bad in (str(value + 1), str(value - 1), str(-value) if value else "-1", f"{value}.5",
                f"{value}/2", "", "many"):
        assert not g.check_answer(p, bad), bad


def test_steps_ignore_spacing_only():
    g = get_generator("committee_selection")
    p = g.problem(2, 7)
    step = p.steps[-1]
    assert g.check_step(p, len(p.steps) - 1, step.replace("=", " = "))
    assert not g.check_step(p, len(p.steps) - 1, step[:-1])
