"""Algorithm generators: answers recomputed by other algorithms or brute force, traces checked,
verifiers tested against equivalent forms and near misses."""

from __future__ import annotations

import bisect
import itertools
import re
from collections import deque

import pytest

from engram_env.answers import parse_list
from engram_env.registry import get_generator

SEEDS, LEVELS = range(20), range(1, 11)


def problems(task: str):
    g = get_generator(task)
    return [g.problem(seed, d) for seed in SEEDS for d in LEVELS]


def ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",")]


def test_list_maximum():
    for p in problems("list_maximum"):
        assert int(p.answer) == max(p.meta["values"])
        assert len(p.steps) == len(p.meta["values"]) - 1


@pytest.mark.parametrize("task", ["sorting", "insertion_sort", "selection_sort"])
def test_sorts_end_sorted_and_permute(task):
    for p in problems(task):
        values = p.meta["values"]
        assert ints(p.answer) == sorted(values) and ints(p.steps[-1]) == sorted(values)
        assert all(sorted(ints(s)) == sorted(values) for s in p.steps)


def test_sort_traces_follow_their_algorithm():
    for p in problems("sorting"):  # after pass k the k largest values sit at the end, in order
        values = p.meta["values"]
        for k, step in enumerate(p.steps, start=1):
            assert ints(step)[len(values) - k :] == sorted(values)[len(values) - k :]
        assert len(p.steps) <= len(values) - 1
    for p in problems("insertion_sort"):  # after step k the first k+1 are the sorted originals
        values = p.meta["values"]
        for k, step in enumerate(p.steps, start=1):
            assert (
                ints(step)[: k + 1] == sorted(values[: k + 1])
                and ints(step)[k + 1 :] == values[k + 1 :]
            )
    for p in problems("selection_sort"):  # after step k the first k are the k smallest
        values = p.meta["values"]
        for k, step in enumerate(p.steps, start=1):
            assert ints(step)[:k] == sorted(values)[:k]


def test_merge_sorted():
    for p in problems("merge_sorted"):
        a, b = p.meta["a"], p.meta["b"]
        assert ints(p.answer) == sorted(a + b)
        taken = [int(s.split(": ")[1]) for s in p.steps[:-1]]
        assert taken + ints(p.steps[-1].removeprefix("rest: ")) == sorted(a + b)


@pytest.mark.parametrize(
    "task, take", [("stack_simulation", deque.pop), ("queue_simulation", deque.popleft)]
)
def test_container_simulations(task, take):
    for p in problems(task):
        container, removed = deque(), []
        for op, step in zip(p.meta["operations"], p.steps):
            if " " in op:
                container.append(int(op.split()[1]))
            else:
                removed.append(take(container))
            assert step == "[" + ",".join(map(str, container)) + "]"
        assert ints(p.answer) == removed and len(p.steps) == len(p.meta["operations"])


def test_binary_search():
    for p in problems("binary_search"):
        values, target = p.meta["values"], p.meta["target"]
        assert int(p.answer) == (values.index(target) if target in values else -1)
        assert len(p.steps) <= len(values).bit_length()


def test_max_subarray():
    for p in problems("max_subarray"):
        v = p.meta["values"]
        best = max(sum(v[i:j]) for i in range(len(v)) for j in range(i + 1, len(v) + 1))
        assert int(p.answer) == best and p.steps[-1].endswith(f"best={best}")


def test_interval_scheduling():
    for p in problems("interval_scheduling"):
        meetings = sorted(map(tuple, p.meta["meetings"]), key=lambda m: m[1])
        ends = [e for _, e in meetings]
        best = [0]  # best[i]: most compatible meetings among the first i (by end)
        for i, (s, e) in enumerate(meetings):
            fits = bisect.bisect_right(ends, s, 0, i)
            best.append(max(best[-1], best[fits] + 1))
        assert int(p.answer) == best[-1]
        assert sum(step.endswith("take") for step in p.steps) == best[-1]


def test_longest_increasing_subsequence():
    for p in problems("longest_increasing_subsequence"):
        tails: list[int] = []  # patience sorting, a different algorithm than the reference DP
        for x in p.meta["values"]:
            i = bisect.bisect_left(tails, x)
            tails[i : i + 1] = [x]
        assert int(p.answer) == len(tails)
        assert max(int(s.split(":")[1]) for s in p.steps) == len(tails)


def test_knapsack():
    for p in problems("knapsack"):
        items, capacity = p.meta["items"], p.meta["capacity"]
        best = max(
            sum(v for _, v in chosen)
            for k in range(len(items) + 1)
            for chosen in itertools.combinations(items, k)
            if sum(w for w, _ in chosen) <= capacity
        )
        assert int(p.answer) == best and ints(p.steps[-1].split(":")[1])[-1] == best


def test_coin_change():
    for p in problems("coin_change"):
        coins, amount = p.meta["coins"], p.meta["amount"]
        frontier, seen, depth = {0}, {0}, 0  # breadth-first search over amounts
        while amount not in frontier:
            frontier = {x + c for x in frontier for c in coins if x + c <= amount} - seen
            seen |= frontier
            depth += 1
        assert int(p.answer) == depth and len(p.steps) == amount


def _queens_valid(columns: list[int]) -> bool:
    return all(
        a != b and abs(a - b) != j - i
        for (i, a), (j, b) in itertools.combinations(enumerate(columns), 2)
    )


def test_n_queens():
    g = get_generator("n_queens")
    for p in problems("n_queens"):
        n, fixed = p.meta["n"], dict(p.meta["fixed"])
        columns = ints(p.answer)
        assert len(columns) == n and _queens_valid(columns)
        assert all(columns[r - 1] == c for r, c in fixed.items())
        placed = {
            int(m[1]): int(m[2]) for m in (re.fullmatch(r"r(\d+)=(\d+)", s) for s in p.steps) if m
        }
        assert all(columns[r - 1] == c for r, c in placed.items() if r not in fixed)
        if p.difficulty <= 6 and p.seed < 5:  # every valid completion is accepted, no other
            for perm in itertools.permutations(range(1, n + 1)):
                ok = _queens_valid(list(perm)) and all(perm[r - 1] == c for r, c in fixed.items())
                assert g.check_answer(p, ",".join(map(str, perm))) == ok


def _hanoi_moves(n: int, source: str, target: str, spare: str, out: list) -> list:
    if n:
        _hanoi_moves(n - 1, source, spare, target, out)
        out.append((n, source, target))
        _hanoi_moves(n - 1, spare, target, source, out)
    return out


def test_tower_of_hanoi():
    for p in problems("tower_of_hanoi"):
        source, target = p.meta["source"], p.meta["target"]
        spare = ({"A", "B", "C"} - {source, target}).pop()
        moves = _hanoi_moves(p.meta["disks"], source, target, spare, [])
        disk, a, b = moves[p.meta["k"] - 1]
        assert p.answer == f"{disk} {a}→{b}"
        assert len(p.steps) == p.meta["disks"] - disk + 1


def test_bin_packing():
    for p in problems("bin_packing"):
        items, capacity = p.meta["items"], p.meta["capacity"]
        free: list[int] = []  # room left per bin
        for item in sorted(items, reverse=True):
            for i, room in enumerate(free):
                if room >= item:
                    free[i] -= item
                    break
            else:
                free.append(capacity - item)
        assert int(p.answer) == len(free) >= -(-sum(items) // capacity)


# -- verifiers -----------------------------------------------------------------------------------


def first(task: str, difficulty: int = 5, predicate=lambda p: True):
    g = get_generator(task)
    return next(p for p in (g.problem(s, difficulty) for s in range(200)) if predicate(p))


@pytest.mark.parametrize(
    "task", ["sorting", "merge_sorted", "stack_simulation", "queue_simulation"]
)
def test_list_answers(task):
    g = get_generator(task)
    p = first(task, 5, lambda p: len(set(parse_list(p.answer))) > 1)
    values = parse_list(p.answer)
    for good in (f"[{p.answer}]", ", ".join(map(str, values)), " " + p.answer + " "):
        assert g.check_answer(p, good), good
    wrong_order = values[::-1] if values != values[::-1] else values[1:] + values[:1]
    for bad in (
        ",".join(map(str, wrong_order)),
        ",".join(map(str, values[:-1])),
        ",".join(map(str, [*values[:-1], values[-1] + 1])),
        "",
        "sorted",
        "1;2",
    ):
        assert not g.check_answer(p, bad), bad


@pytest.mark.parametrize(
    "task",
    [
        "list_maximum",
        "binary_search",
        "max_subarray",
        "interval_scheduling",
        "longest_increasing_subsequence",
        "knapsack",
        "coin_change",
        "bin_packing",
    ],
)
def test_integer_answers(task):
    g = get_generator(task)
    p = first(task, 5, lambda p: int(p.answer) > 0)
    a = int(p.answer)
    for good in (str(a), f" {a} ", f"+{a}", f"0{a}"):
        assert g.check_answer(p, good), good
    for bad in (str(a + 1), str(a - 1), str(-a), f"{a}.5", "", "x", f"{a},{a}"):
        assert not g.check_answer(p, bad), bad


def test_tower_of_hanoi_answer_forms():
    g = get_generator("tower_of_hanoi")
    p = first("tower_of_hanoi")
    disk, move = p.answer.split()
    a, b = move.split("→")
    for good in (
        p.answer,
        f"disk {disk} {a}→{b}",
        f"{disk}: {a} -> {b}",
        f"{disk} {a.lower()} to {b.lower()}",
    ):
        assert g.check_answer(p, good), good
    for bad in (f"{disk} {b}→{a}", f"{int(disk) + 1} {a}→{b}", f"{a}→{b}", "", "disk"):
        assert not g.check_answer(p, bad), bad


def test_n_queens_rejects_invalid_placements():
    g = get_generator("n_queens")
    p = first("n_queens", 8)
    columns = ints(p.answer)
    assert g.check_answer(p, f"[{p.answer}]")
    for bad in (
        columns[::-1],
        columns[:-1],
        [*columns[:-1], columns[-1] % p.meta["n"] + 1],
        [1] * len(columns),
    ):
        assert not g.check_answer(p, ",".join(map(str, bad))), bad
    assert not g.check_answer(p, "") and not g.check_answer(p, "queens")


def test_list_steps_ignore_blanks_only():
    g = get_generator("insertion_sort")
    p = first("insertion_sort")
    assert g.check_step(p, 0, p.steps[0].replace(",", ", "))
    assert not g.check_step(p, 0, p.steps[-1] if p.steps[-1] != p.steps[0] else "0")
