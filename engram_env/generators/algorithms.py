"""Algorithms: sorting, searching, data-structure simulation, greedy, DP and backtracking.

Each task names the algorithm and its conventions (tie-breaks, index base, loop order) in the
prompt, so the trace in the steps is unique: a step is one pass, probe, operation, DP entry or
placement, written compactly (lists as ``3,1,2``) to keep level-10 targets under 512 tokens.
"""

from __future__ import annotations

import re
from typing import ClassVar

import numpy as np

from engram_env.answers import parse_list
from engram_env.generator import Generator
from engram_env.generators._common import chance, comma_list, draw_toward
from engram_env.problem import Problem
from engram_env.verifiers import IntegerAnswer, IntegerListAnswer, SpacingFreeSteps


def _ints(rng: np.random.Generator, low: int, high: int, size: int) -> list[int]:
    """``size`` uniform integers in ``low..high`` inclusive, as Python ints."""
    return [int(v) for v in rng.integers(low, high + 1, size=size)]


class _Algorithms(SpacingFreeSteps, Generator):
    domain = "algorithms"


class ListMaximum(IntegerAnswer, _Algorithms):
    name = "list_maximum"
    tier = 0
    pattern = "comparison_and_ordering"
    prerequisites = ("comparison",)
    summary = "Find the largest number of a list, keeping a running maximum."
    difficulty_doc = (
        "difficulty+2 numbers (3..12) of up to 1 + difficulty//3 digits; negative numbers "
        "from level 5."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        high = 10 ** (1 + difficulty // 3) - 1
        values = _ints(rng, -high if difficulty >= 5 else 0, high, difficulty + 2)
        steps, best = [], values[0]
        for x in values[1:]:
            steps.append(f"max({best},{x})={max(best, x)}")
            best = max(best, x)
        prompt = (
            f"Largest number of the list {comma_list(values)}? Keep a running maximum: one step "
            "per number after the first, like max(3,7)=7."
        )
        return self.make(difficulty, prompt, steps, str(best), values=values)


class _TraceSort(IntegerListAnswer, _Algorithms):
    """A sorting algorithm traced as the list after each pass; subclasses define the passes."""

    pattern = "comparison_and_ordering"
    method: ClassVar[str]  # the algorithm and what one step shows, for the prompt

    def passes(self, values: list[int]) -> list[list[int]]:
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        values = _ints(rng, 0, 9 if difficulty <= 3 else 99, difficulty + 2)
        if values == sorted(values):  # an already sorted list has an empty trace
            values = values[::-1] if values[0] != values[-1] else [values[0] + 1, *values[1:]]
        steps = [comma_list(v) for v in self.passes(values)]
        prompt = (
            f"Sort ascending with {self.method} Write lists comma separated. "
            f"List: {comma_list(values)}"
        )
        return self.make(difficulty, prompt, steps, comma_list(sorted(values)), values=values)


_SORT_DOC = "difficulty+2 numbers (3..12), one digit up to level 3, then two digits."


class Sorting(_TraceSort):
    name = "sorting"
    tier = 1
    prerequisites = ("comparison", "list_maximum")
    summary = "Bubble sort a list, one step per pass."
    difficulty_doc = _SORT_DOC
    method = (
        "bubble sort: each pass swaps adjacent out-of-order pairs from left to right; stop after "
        "a pass with no swap. One step per pass that swapped: the list after it."
    )

    def passes(self, values: list[int]) -> list[list[int]]:
        values, out = list(values), []
        for end in range(len(values) - 1, 0, -1):
            swapped = False
            for i in range(end):
                if values[i] > values[i + 1]:
                    values[i], values[i + 1] = values[i + 1], values[i]
                    swapped = True
            if not swapped:
                break
            out.append(list(values))
        return out


class InsertionSort(_TraceSort):
    name = "insertion_sort"
    tier = 2
    prerequisites = ("sorting",)
    summary = "Insertion sort a list, one step per inserted element."
    difficulty_doc = _SORT_DOC
    method = (
        "insertion sort: insert the 2nd, 3rd, ... element into the sorted part before it (after "
        "any equal elements). One step per insertion: the whole list after it."
    )

    def passes(self, values: list[int]) -> list[list[int]]:
        values, out = list(values), []
        for i in range(1, len(values)):
            x, j = values[i], i
            while j > 0 and values[j - 1] > x:
                values[j] = values[j - 1]
                j -= 1
            values[j] = x
            out.append(list(values))
        return out


class SelectionSort(_TraceSort):
    name = "selection_sort"
    tier = 2
    pattern = "greedy_selection"
    prerequisites = ("sorting", "list_maximum")
    summary = "Selection sort a list, one step per position filled."
    difficulty_doc = _SORT_DOC
    method = (
        "selection sort: for positions 1, 2, ..., swap the smallest remaining element (the "
        "leftmost if tied) into place. One step per position except the last: the list after it."
    )

    def passes(self, values: list[int]) -> list[list[int]]:
        values, out = list(values), []
        for i in range(len(values) - 1):
            k = min(range(i, len(values)), key=lambda j: (values[j], j))
            values[i], values[k] = values[k], values[i]
            out.append(list(values))
        return out


class MergeSorted(IntegerListAnswer, _Algorithms):
    name = "merge_sorted"
    tier = 2
    pattern = "comparison_and_ordering"
    prerequisites = ("sorting",)
    summary = "Merge two sorted lists by comparing their fronts."
    difficulty_doc = "Each list has difficulty+1 numbers (2..11) in 0..99."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        a, b = (sorted(_ints(rng, 0, 99, difficulty + 1)) for _ in range(2))
        steps, i, j = [], 0, 0
        while i < len(a) and j < len(b):
            taken = min(a[i], b[j])
            steps.append(f"{a[i]} vs {b[j]}: {taken}")
            i, j = (i + 1, j) if a[i] <= b[j] else (i, j + 1)
        steps.append(f"rest: {comma_list(a[i:] + b[j:])}")
        prompt = (
            f"Merge the sorted lists A={comma_list(a)} and B={comma_list(b)} into one sorted "
            "list. Compare the fronts, one step each (like 3 vs 5: 3), taking from A on a tie; "
            "when one list is empty, a last step appends the rest (like rest: 7,9)."
        )
        return self.make(difficulty, prompt, steps, comma_list(sorted(a + b)), a=a, b=b)


class _ContainerSimulation(IntegerListAnswer, _Algorithms):
    """Pushes and removals on a container; subclasses say which end a removal takes."""

    pattern = "simulation_trace"
    tier = 1
    prerequisites = ("copy",)
    container: ClassVar[str]
    push: ClassVar[str]
    remove: ClassVar[str]
    order: ClassVar[str]
    _MAX_SIZE = 5
    difficulty_doc = (
        "2*difficulty+3 operations (5..23); values one digit up to level 5, then two digits; "
        "the container never holds more than 5 values."
    )

    def take(self, items: list[int]) -> int:
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        high = 9 if difficulty <= 5 else 99
        items: list[int] = []
        ops, steps, removed = [], [], []
        count = 2 * difficulty + 3
        for k in range(count):
            must_remove = len(items) == self._MAX_SIZE or (k == count - 1 and not removed)
            if items and (must_remove or chance(rng, 0.4)):
                ops.append(self.remove)
                removed.append(self.take(items))
            else:
                items.append(int(rng.integers(1, high + 1)))
                ops.append(f"{self.push} {items[-1]}")
            steps.append(f"[{comma_list(items)}]")
        prompt = (
            f"Start with an empty {self.container} and apply: {', '.join(ops)}. After each "
            f"operation write the {self.container} {self.order} like [4,7]. Answer the removed "
            "values in order, comma separated."
        )
        return self.make(difficulty, prompt, steps, comma_list(removed), operations=ops)


class StackSimulation(_ContainerSimulation):
    name = "stack_simulation"
    summary = "Simulate push and pop on a stack; answer the popped values."
    container, push, remove, order = "stack", "push", "pop", "bottom to top"

    def take(self, items: list[int]) -> int:
        return items.pop()


class QueueSimulation(_ContainerSimulation):
    name = "queue_simulation"
    summary = "Simulate enqueue and dequeue on a queue; answer the dequeued values."
    container, push, remove, order = "queue", "enqueue", "dequeue", "front to back"

    def take(self, items: list[int]) -> int:
        return items.pop(0)


class BinarySearch(IntegerAnswer, _Algorithms):
    name = "binary_search"
    tier = 2
    pattern = "search_and_backtracking"
    prerequisites = ("sorting", "comparison")
    summary = "Binary search a sorted list, one probe per step."
    difficulty_doc = (
        "A sorted list of 4*difficulty+3 distinct numbers (7..43); 30% of targets are absent."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = 4 * difficulty + 3
        pool = rng.choice(np.arange(1, 4 * n), size=n + 1, replace=False)
        values, spare = sorted(int(v) for v in pool[:n]), int(pool[n])
        target = values[int(rng.integers(n))] if chance(rng, 0.7) else spare
        steps, lo, hi, index = [], 0, n - 1, -1
        while lo <= hi:
            mid = (lo + hi) // 2
            relation = "<" if values[mid] < target else ">" if values[mid] > target else "="
            steps.append(f"[{lo},{hi}] mid {mid}: {values[mid]}{relation}{target}")
            if relation == "=":
                index = mid
                break
            lo, hi = (mid + 1, hi) if relation == "<" else (lo, mid - 1)
        prompt = (
            f"Binary search for {target} in {comma_list(values)} (positions from 0). Start with "
            "lo=0, hi=last; mid=(lo+hi)//2; if the value at mid is smaller go right (lo=mid+1), "
            "if larger go left (hi=mid-1). One step per probe, like [0,6] mid 3: 12<15. Answer "
            "the position, or -1 if absent."
        )
        return self.make(difficulty, prompt, steps, str(index), values=values, target=target)


class MaxSubarray(IntegerAnswer, _Algorithms):
    name = "max_subarray"
    tier = 3
    pattern = "optimization"
    prerequisites = ("addition", "list_maximum")
    summary = "Largest sum of a contiguous non-empty sublist, by Kadane's running sums."
    difficulty_doc = "difficulty+4 numbers (5..14) in -(2*difficulty+5)..2*difficulty+5."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        bound = 2 * difficulty + 5
        values = _ints(rng, -bound, bound, difficulty + 4)
        steps, current, best = [], None, None
        for x in values:
            current = x if current is None else max(x, current + x)
            best = current if best is None else max(best, current)
            steps.append(f"cur={current} best={best}")
        prompt = (
            f"Largest sum of a contiguous non-empty part of {comma_list(values)}? Kadane: for each "
            "number x, cur=max(x, cur+x) and best=max(best, cur) (both start at the first "
            "number). One step per number, like cur=4 best=6."
        )
        return self.make(difficulty, prompt, steps, str(best), values=values)


class IntervalScheduling(IntegerAnswer, _Algorithms):
    name = "interval_scheduling"
    tier = 3
    pattern = "greedy_selection"
    prerequisites = ("sorting",)
    summary = "Most meetings one room can hold, by taking the earliest-ending compatible meeting."
    difficulty_doc = (
        "difficulty+3 meetings (4..13) in a day of 3*difficulty+6 hours; the answer is steered "
        "toward a uniform target in 2 + difficulty//3..4 + 2*difficulty//5."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = difficulty + 3

        def draw(_: int) -> tuple[list[tuple[int, int]], list[str], int]:
            meetings = []
            for _ in range(n):
                start = int(rng.integers(0, 3 * difficulty + 4))
                meetings.append((start, start + int(rng.integers(1, 3 + difficulty // 2))))
            steps, free_at = [], -1
            for start, end in sorted(meetings, key=lambda m: (m[1], m[0])):
                take = start >= free_at
                free_at = end if take else free_at
                steps.append(f"({start},{end}) {'take' if take else 'skip'}")
            return meetings, steps, sum(step.endswith("take") for step in steps)

        meetings, steps, taken = draw_toward(
            rng, range(2 + difficulty // 3, 5 + 2 * difficulty // 5), draw, lambda x: x[2]
        )
        listed = " ".join(f"({s},{e})" for s, e in meetings)
        prompt = (
            f"Meetings (start,end): {listed}. At most how many can one room hold (a meeting may "
            "start when another ends)? Greedy: go by earliest end (then earliest start) and take "
            "each meeting that starts no earlier than the last taken one ends. One step per "
            "meeting, like (1,3) take or (2,4) skip."
        )
        return self.make(difficulty, prompt, steps, str(taken), meetings=meetings)


class LongestIncreasingSubsequence(IntegerAnswer, _Algorithms):
    name = "longest_increasing_subsequence"
    tier = 3
    pattern = "dynamic_programming"
    prerequisites = ("comparison", "list_maximum")
    summary = "Length of the longest strictly increasing subsequence, by the O(n^2) DP."
    difficulty_doc = (
        "difficulty+4 numbers (5..14) in 1..5*difficulty+9; the answer is steered toward a "
        "uniform 2 + difficulty//5..4 + difficulty//4."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = difficulty + 4

        def draw(_: int) -> tuple[list[int], list[int]]:
            values = _ints(rng, 1, 5 * difficulty + 9, n)
            lengths: list[int] = []
            for i, x in enumerate(values):
                lengths.append(1 + max([lengths[j] for j in range(i) if values[j] < x], default=0))
            return values, lengths

        values, lengths = draw_toward(
            rng, range(2 + difficulty // 5, 5 + difficulty // 4), draw, lambda x: max(x[1])
        )
        steps = [f"{x}:{length}" for x, length in zip(values, lengths)]
        prompt = (
            f"Length of the longest strictly increasing subsequence of {comma_list(values)}? For "
            "each number, L = 1 + the largest L of a smaller number before it (or 1). One step per "
            "number, like 7:3."
        )
        return self.make(difficulty, prompt, steps, str(max(lengths)), values=values)


class Knapsack(IntegerAnswer, _Algorithms):
    name = "knapsack"
    tier = 4
    pattern = "dynamic_programming"
    prerequisites = ("max_subarray", "longest_increasing_subsequence")
    summary = "0/1 knapsack: best total value within a weight limit, one DP row per item."
    difficulty_doc = (
        "2 + difficulty//2 items (2..7), capacity difficulty+4 (5..14), values 1..difficulty+5."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        capacity = difficulty + 4
        items = [
            (int(rng.integers(1, capacity // 2 + 2)), int(rng.integers(1, difficulty + 6)))
            for _ in range(2 + difficulty // 2)
        ]
        row, steps = [0] * (capacity + 1), []
        for k, (weight, value) in enumerate(items, start=1):
            row = [
                max(row[c], row[c - weight] + value) if c >= weight else row[c]
                for c in range(capacity + 1)
            ]
            steps.append(f"{k}:{comma_list(row)}")
        listed = " ".join(f"({w},{v})" for w, v in items)
        prompt = (
            f"0/1 knapsack: items (weight,value) {listed}, capacity {capacity}. Largest total "
            "value? Each item is used at most once. After item k write k: and the row best[0.."
            f"{capacity}] (best value within each capacity using items 1..k), like 1:0,0,3,3."
        )
        return self.make(
            difficulty, prompt, steps, str(row[capacity]), items=items, capacity=capacity
        )


class CoinChange(IntegerAnswer, _Algorithms):
    name = "coin_change"
    tier = 4
    pattern = "optimization"
    prerequisites = ("knapsack",)
    summary = "Fewest coins making an amount, by DP over amounts (greedy can fail)."
    difficulty_doc = (
        "Amount in 3*difficulty+3..3*difficulty+8 (6..38); coins are 1 and 2 + difficulty//4 "
        "(2..4) other values up to difficulty+5, often a set where greedy is not optimal; the "
        "answer is steered toward a uniform 2..4 (3..5 from level 6)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        def draw(_: int) -> tuple[list[int], list[int]]:
            amount = int(rng.integers(3 * difficulty + 3, 3 * difficulty + 9))
            others = rng.choice(
                np.arange(2, difficulty + 6), size=2 + difficulty // 4, replace=False
            )
            coins = sorted({1, *(int(c) for c in others)})
            fewest = [0]
            for k in range(1, amount + 1):
                fewest.append(1 + min(fewest[k - c] for c in coins if c <= k))
            return coins, fewest

        coins, fewest = draw_toward(
            rng, range(2 + difficulty // 6, 5 + difficulty // 6), draw, lambda x: x[1][-1]
        )
        amount = len(fewest) - 1
        steps = [f"{k}:{fewest[k]}" for k in range(1, amount + 1)]
        prompt = (
            f"Coins {comma_list(coins)} (unlimited supply). Fewest coins that make {amount}? Let "
            "f(k) be the fewest coins making k: f(0)=0, f(k)=1+min f(k-c) over coins c<=k. One "
            "step per amount k=1.."
            f"{amount}, like 6:2."
        )
        return self.make(difficulty, prompt, steps, str(fewest[amount]), coins=coins, amount=amount)


def _queens_safe(placed: dict[int, int], row: int, column: int) -> bool:
    """Whether a queen at (row, column) is attacked by none of ``placed`` (row -> column)."""
    return all(c != column and abs(c - column) != abs(r - row) for r, c in placed.items())


def _queens_trace(n: int, fixed: dict[int, int]) -> tuple[list[str], dict[int, int]]:
    """Depth-first filling of the free rows (top down, columns in increasing order)."""
    free = [row for row in range(1, n + 1) if row not in fixed]
    steps: list[str] = []

    def place(k: int, placed: dict[int, int]) -> dict[int, int] | None:
        if k == len(free):
            return placed
        row = free[k]
        for column in range(1, n + 1):
            if _queens_safe(placed, row, column):
                steps.append(f"r{row}={column}")
                if (done := place(k + 1, {**placed, row: column})) is not None:
                    return done
        steps.append(f"r{row} back")
        return None

    return steps, place(0, dict(fixed))


def _queens_solution(rng: np.random.Generator, n: int) -> dict[int, int]:
    """One solution (n >= 4 always has one), found trying columns in a random order."""

    def place(placed: dict[int, int]) -> dict[int, int] | None:
        row = len(placed) + 1
        if row > n:
            return placed
        for column in (int(c) for c in rng.permutation(np.arange(1, n + 1))):
            if _queens_safe(placed, row, column) and (done := place({**placed, row: column})):
                return done
        return None

    return place({})


_QUEENS_SIZES = [(4, 1), (5, 1), (5, 2), (6, 2), (7, 2), (7, 3), (7, 4), (8, 4), (8, 5), (8, 6)]
_QUEENS_STEP_BUDGET = 40


class NQueens(_Algorithms):
    name = "n_queens"
    tier = 4
    pattern = "search_and_backtracking"
    prerequisites = ("satisfiability",)
    summary = "Complete an n-queens placement by depth-first search with backtracking."
    difficulty_doc = (
        "Board n and rows left free grow from 4x4 with 1 free row (level 1) to 8x8 with 6 "
        f"(level 10); the other rows hold queens of a random solution; one more row is fixed "
        f"while the search trace would exceed {_QUEENS_STEP_BUDGET} steps."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n, free = _QUEENS_SIZES[difficulty - 1]
        solution = _queens_solution(rng, n)
        rows = [int(r) for r in rng.permutation(np.arange(1, n + 1))]
        fixed_count = n - free
        while True:  # ends: with one free row the trace has at most n steps
            fixed = {row: solution[row] for row in sorted(rows[:fixed_count])}
            steps, found = _queens_trace(n, fixed)
            if len(steps) <= _QUEENS_STEP_BUDGET:
                break
            fixed_count += 1
        given = " ".join(f"({r},{c})" for r, c in fixed.items())
        prompt = (
            f"Place {n} queens on a {n}×{n} board, one per row, no two attacking (same column or "
            f"diagonal). Fixed queens (row,column): {given}. Fill the free rows top down by "
            f"depth-first search, trying columns 1..{n} in increasing order: one step per queen "
            "placed (like r3=2) and per dead end (like r4 back). Answer the columns of rows "
            f"1..{n} in order, comma separated."
        )
        answer = comma_list([found[row] for row in range(1, n + 1)])
        return self.make(difficulty, prompt, steps, answer, n=n, fixed=sorted(fixed.items()))

    def check_answer(self, problem: Problem, text: str) -> bool:
        """Any valid placement keeping the fixed queens is correct, not only the first found."""
        columns = parse_list(text)
        n = problem.meta["n"]
        if columns is None or len(columns) != n or not all(1 <= c <= n for c in columns):
            return False
        placed = dict(enumerate(columns, start=1))
        if any(placed[r] != c for r, c in problem.meta["fixed"]):
            return False
        return all(
            _queens_safe({r: placed[r] for r in range(1, row)}, row, placed[row])
            for row in range(1, n + 1)
        )


_HANOI_MOVE = re.compile(r"(?:disk\s*)?(\d+)\s*:?\s*([ABC])\s*(?:→|->|to)\s*([ABC])", re.IGNORECASE)


class TowerOfHanoi(_Algorithms):
    name = "tower_of_hanoi"
    tier = 4
    pattern = "recursive_decomposition"
    prerequisites = ("binary_search",)
    summary = "The k-th move of the optimal Tower of Hanoi solution, by halving the move range."
    difficulty_doc = (
        "difficulty+2 disks (3..12) between two random pegs; k is uniform in 1..2^disks-1."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        disks = difficulty + 2
        k = int(rng.integers(1, 2**disks))
        source, spare, target = (str(p) for p in rng.permutation(list("ABC")))
        start, goal, size, rest = source, target, disks, k
        steps = []
        while True:
            half = 2 ** (size - 1)
            steps.append(f"{size} {source}→{target} k={rest}")
            if rest == half:
                break
            if rest < half:
                target, spare = spare, target
            else:
                source, spare, rest = spare, source, rest - half
            size -= 1
        prompt = (
            f"Tower of Hanoi with {disks} disks (1 smallest) on peg {start}, to move to peg {goal} "
            f"with the fewest moves. Which is move number {k}? Moving n disks X→Y is n-1 disks "
            "X→spare, disk n X→Y, n-1 disks spare→Y. One step per level: disks, move, k within "
            "it (like 3 A→C k=5). Answer as disk from→to, like 2 A→B."
        )
        return self.make(
            difficulty,
            prompt,
            steps,
            f"{size} {source}→{target}",
            disks=disks,
            k=k,
            source=start,
            target=goal,
        )

    def check_answer(self, problem: Problem, text: str) -> bool:
        got = _HANOI_MOVE.fullmatch(text.strip())
        want = _HANOI_MOVE.fullmatch(problem.answer)
        if got is None:
            return False
        return (int(got[1]), got[2].upper(), got[3].upper()) == (int(want[1]), want[2], want[3])


class BinPacking(IntegerAnswer, _Algorithms):
    name = "bin_packing"
    tier = 4
    pattern = "greedy_selection"
    prerequisites = ("selection_sort", "interval_scheduling")
    summary = "Bins used by first-fit decreasing, placing each item in the first bin it fits."
    difficulty_doc = (
        "difficulty+3 items (4..13); bins hold 10 up to level 5, then 20; the number of bins "
        "is steered toward a uniform 2 + difficulty//4..4 + 6*difficulty//10."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        capacity, n = (10 if difficulty <= 5 else 20), difficulty + 3

        def draw(_: int) -> tuple[list[int], list[str], int]:
            items = _ints(rng, 1, capacity - 1, n)
            loads: list[int] = []
            steps = []
            for item in sorted(items, reverse=True):
                k = next((i for i, load in enumerate(loads) if load + item <= capacity), len(loads))
                if k == len(loads):
                    loads.append(0)
                loads[k] += item
                steps.append(f"{item}→{k + 1}")
            return items, steps, len(loads)

        items, steps, bins = draw_toward(
            rng, range(2 + difficulty // 4, 5 + 6 * difficulty // 10), draw, lambda x: x[2]
        )
        prompt = (
            f"Pack items of sizes {comma_list(items)} into bins of size {capacity} by first-fit "
            "decreasing: take items from largest to smallest and put each into the first bin "
            "(bins numbered from 1) with room, opening a new bin if none has. One step per item, "
            "like 7→2. How many bins are used?"
        )
        return self.make(difficulty, prompt, steps, str(bins), items=items, capacity=capacity)
