"""Combinatorics: counting by the product rule, binomials, shifting and exclusion, or by search.

Each instance is a random structure (a menu, a word, a grid, a set of numbers), not just a pair
of parameters, so problems rarely repeat. Binomial coefficients are always built the same
multiplicative way (``C(9,2)=9×8/2=36``), which a learner meets first in ``committee_selection``
and then reuses inside the later counting tasks.
"""

from __future__ import annotations

import math
from collections import Counter
from itertools import combinations

import numpy as np

from engram_env.generator import Generator
from engram_env.generators._common import binomial_steps, chance, draw_digits, signed_join
from engram_env.problem import Problem
from engram_env.verifiers import IntegerAnswer, SpacingFreeSteps


class _Counting(SpacingFreeSteps, IntegerAnswer, Generator):
    domain = "combinatorics"
    pattern = "counting_and_enumeration"


_CHOICES = (
    ("An outfit takes one of each", ("shirts", "trousers", "hats", "pairs of shoes", "scarves")),
    ("A meal takes one of each", ("starters", "mains", "desserts", "drinks", "side dishes")),
    ("A trip takes one of each", ("buses", "hotels", "tours", "restaurants", "museums")),
    ("A password takes one of each", ("colours", "animals", "numbers", "symbols", "cities")),
)


class MultiplicationPrinciple(_Counting):
    name = "multiplication_principle"
    tier = 1
    prerequisites = ("multiplication",)
    summary = "Count combined choices by the product rule, one running product per step."
    difficulty_doc = (
        "2 + difficulty//3 independent choices (2..5), each with 2..difficulty+3 options."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        what, kinds = _CHOICES[int(rng.integers(0, len(_CHOICES)))]
        counts = [int(c) for c in rng.integers(2, difficulty + 4, size=2 + difficulty // 3)]
        listed = ", ".join(f"{c} {kind}" for c, kind in zip(counts, kinds))
        steps = [f"{math.prod(counts[:i])}×{counts[i]}={math.prod(counts[:i + 1])}"
                 for i in range(1, len(counts))]
        prompt = (f"There are {listed}. {what}. How many different combinations are there? "
                  "Multiply one count at a time (running product).")
        return self.make(difficulty, prompt, steps, str(math.prod(counts)), counts=counts)


class AnagramCount(_Counting):
    name = "anagram_count"
    tier = 2
    prerequisites = ("multiplication_principle", "division")
    summary = "Count the distinct arrangements of a word with repeated letters: n!/(a!b!...)."
    difficulty_doc = "The word has difficulty+4 letters (5..14) drawn from 2..5 distinct letters."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        length = difficulty + 4
        alphabet = rng.choice(list("abcdefghijklmnopqrstuvwxyz"), size=int(rng.integers(2, 6)),
                              replace=False)
        word = "".join(rng.choice(alphabet, size=length))
        counts = sorted(Counter(word).items())
        repeats = [c for _, c in counts if c > 1]
        denominator = math.prod(math.factorial(c) for c in repeats)
        total = math.factorial(length)
        steps = [" ".join(f"{letter}{c}" for letter, c in counts),
                 f"{length}!={total}"]
        if repeats:
            steps.append("×".join(f"{c}!" for c in repeats) + f"={denominator}")
            steps.append(f"{total}/{denominator}={total // denominator}")
        prompt = (
            f"How many distinct arrangements of the letters of '{word}' are there? Write the "
            "letter counts (e.g. 'a2 b1'), then n!, then the product of the repeat factorials "
            "k! (k>1), then the division."
        )
        return self.make(difficulty, prompt, steps, str(total // denominator), word=word)


class CommitteeSelection(_Counting):
    name = "committee_selection"
    tier = 2
    prerequisites = ("multiplication_principle", "division")
    summary = "Choose members from one or two groups: C(a,i)×C(b,j), each binomial built stepwise."
    difficulty_doc = (
        "One group (levels 1-3) or two (4-10) of difficulty+3 to 2*difficulty+6 people, each "
        "choosing up to 2+difficulty//4 (or all but that many) members."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        groups = []
        for _ in range(1 if difficulty <= 3 else 2):
            size = int(rng.integers(difficulty + 3, 2 * difficulty + 7))
            short = int(rng.integers(1, min(size // 2, 2 + difficulty // 4) + 1))
            groups.append((size, size - short if chance(rng, 0.3) else short))
        steps, values = [], []
        for size, pick in groups:
            more, value = binomial_steps(size, pick)
            steps += more
            values.append(value)
        if len(groups) == 2:
            steps.append(f"{values[0]}×{values[1]}={values[0] * values[1]}")
            (a, i), (b, j) = groups
            task = (f"A club has {a} juniors and {b} seniors. In how many ways can a committee of "
                    f"{i} juniors and {j} seniors be chosen?")
        else:
            ((a, i),) = groups
            task = f"In how many ways can {i} of {a} people be chosen (order does not matter)?"
        prompt = (f"{task} Build each C(n,k) one factor at a time: C(n,1)=n, then "
                  "C(n,j)=C(n,j-1)×(n-j+1)/j; use C(n,k)=C(n,n-k) when shorter.")
        return self.make(difficulty, prompt, steps, str(math.prod(values)), groups=groups)


class StarsAndBars(_Counting):
    name = "stars_and_bars"
    tier = 3
    prerequisites = ("committee_selection",)
    summary = "Identical items shared with minimums: give the minimums, then C(m+k-1,k-1)."
    difficulty_doc = (
        "2 + difficulty//3 people (2..5), minimums 0..difficulty//2 each, and 1..4*difficulty+6 "
        "items left once the minimums are given."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        k = 2 + difficulty // 3
        minimums = [int(x) for x in rng.integers(0, difficulty // 2 + 1, size=k)]
        left = int(rng.integers(1, 4 * difficulty + 7))
        total = left + sum(minimums)
        steps = [f"{total}-{sum(minimums)}={left}"] if any(minimums) else []
        steps.append(f"C({left}+{k}-1,{k}-1)=C({left + k - 1},{k - 1})")
        more, value = binomial_steps(left + k - 1, k - 1)
        steps += more
        floors = ", ".join(f"person {i + 1} at least {m}" for i, m in enumerate(minimums) if m)
        prompt = (
            f"In how many ways can {total} identical coins be shared among {k} people"
            + (f" ({floors})" if floors else "")
            + "? Give out the minimums first (total-given=left), then count with "
            "C(left+k-1,k-1), built as C(n,1)=n, C(n,j)=C(n,j-1)×(n-j+1)/j."
        )
        return self.make(difficulty, prompt, steps, str(value), total=total, minimums=minimums)


class LatticePaths(_Counting):
    name = "lattice_paths"
    tier = 3
    pattern = "dynamic_programming"
    prerequisites = ("committee_selection", "addition")
    summary = "Count right/down paths through a grid with blocked cells, one table row per step."
    difficulty_doc = (
        "The grid has 2+(difficulty+1)//2 rows (3..7) and 3+difficulty//2 columns (3..8); cells "
        "off one random open right/down path are blocked with p=0.3, so some path always exists."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        rows, cols = 2 + (difficulty + 1) // 2, 3 + difficulty // 2
        blocked = rng.random((rows, cols)) < 0.3
        # Keep one random monotone path open, so the count is never 0.
        r = c = 0
        for down in rng.permutation([True] * (rows - 1) + [False] * (cols - 1)):
            blocked[r, c] = False
            r, c = (r + 1, c) if down else (r, c + 1)
        blocked[r, c] = False
        ways = [[0] * cols for _ in range(rows)]
        steps = []
        for r in range(rows):
            for c in range(cols):
                if blocked[r, c]:
                    continue
                ways[r][c] = 1 if r == c == 0 else (
                    (ways[r - 1][c] if r else 0) + (ways[r][c - 1] if c else 0))
            steps.append(f"row {r + 1}: " + ",".join(map(str, ways[r])))
        grid = "/".join("".join("#" if b else "." for b in row) for row in blocked)
        prompt = (
            f"A {rows}x{cols} grid, rows top to bottom separated by '/', '.' open, '#' blocked: "
            f"{grid}. Moving only right or down through open cells, how many paths lead from the "
            "top-left to the bottom-right cell? Fill a table of path counts row by row "
            "('row r: counts')."
        )
        return self.make(difficulty, prompt, steps, str(ways[-1][-1]), grid=grid)


class SubsetSumCount(_Counting):
    name = "subset_sum_count"
    tier = 3
    pattern = "search_and_backtracking"
    prerequisites = ("addition", "multiplication_principle")
    summary = "Count the subsets of a set of numbers with a given sum, listing each one found."
    difficulty_doc = (
        "4 + difficulty//2 distinct numbers (4..9) in 1..3*difficulty+6; the answer is 1..2+"
        "difficulty//3, drawn uniformly so small counts do not dominate."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        size, top = 4 + difficulty // 2, 3 * difficulty + 6
        wanted = int(rng.integers(1, 3 + difficulty // 3))
        for _ in range(10):  # redraw the set until some sum is hit exactly `wanted` times
            items = sorted(int(x) for x in rng.choice(np.arange(1, top + 1), size=size,
                                                      replace=False))
            subsets = [s for r in range(1, size + 1) for s in combinations(items, r)]
            hits = Counter(map(sum, subsets))
            targets = sorted(t for t, c in hits.items() if c == wanted)
            if targets:
                break
        else:  # the whole set's sum is hit once, so this always exists
            targets = [sum(items)]
        target = targets[int(rng.integers(0, len(targets)))]
        found = sorted(s for s in subsets if sum(s) == target)
        steps = ["+".join(map(str, s)) for s in found]
        prompt = (
            f"How many subsets of {{{', '.join(map(str, items))}}} have sum {target}? Search the "
            "subsets and write each one found as a+b+... in increasing order, subsets in "
            "dictionary order; answer the count."
        )
        return self.make(difficulty, prompt, steps, str(len(found)), items=items, target=target)


class DivisibilityCount(_Counting):
    name = "divisibility_count"
    tier = 4
    prerequisites = ("division", "gcd")
    summary = "Count 1..N divisible by at least one of 2-3 numbers by inclusion-exclusion."
    difficulty_doc = (
        "N has 2 + difficulty//2 digits (2..7); 2 divisors (levels 1-3) or 3 (4-10), drawn "
        "from 2..difficulty+6 (they may share factors, so the lcm matters)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        limit = draw_digits(rng, 2 + difficulty // 2)
        pool = np.arange(2, difficulty + 7)
        divisors = sorted(int(x) for x in rng.choice(pool, size=2 if difficulty <= 3 else 3,
                                                     replace=False))
        steps, total, terms = [], 0, []
        for r in range(1, len(divisors) + 1):
            for subset in combinations(divisors, r):
                lcm = math.lcm(*subset)
                count = limit // lcm
                label = str(subset[0]) if r == 1 else f"lcm({','.join(map(str, subset))})={lcm}"
                steps.append(f"{label}: {limit}/{lcm} → {count}")
                terms.append(count if r % 2 else -count)
                total += terms[-1]
        steps.append(signed_join(list(map(str, terms))) + f"={total}")
        prompt = (
            f"How many of the integers 1 to {limit} are divisible by at least one of "
            f"{', '.join(map(str, divisors))}? For every non-empty group of them (singles, then "
            "pairs, then the triple) write 'd: N/d → count' or 'lcm(a,b)=m: N/m → count' "
            "(whole-number quotient), then add the odd-sized groups and subtract the even-sized."
        )
        return self.make(difficulty, prompt, steps, str(total), limit=limit, divisors=divisors)
