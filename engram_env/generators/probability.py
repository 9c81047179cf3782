"""Probability and statistics with exact arithmetic: every number is a ``Fraction``.

Answers are exact fractions (any equivalent form is accepted) except the standard deviation,
whose square root is irrational and so is rounded as the prompt says. Descriptive statistics
build on one another (mean, then variance, then standard deviation and regression), and their
steps share one shape: a running total, then one equation per term.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from itertools import product

import numpy as np

from engram_env.answers import close_enough, parse_number
from engram_env.generator import Generator
from engram_env.generators._common import (
    binomial_steps,
    chance,
    comma_list,
    number_text,
    rounded_text,
    signed_join,
)
from engram_env.problem import Problem
from engram_env.verifiers import RationalAnswer, SpacingFreeSteps


class _Statistics(SpacingFreeSteps, RationalAnswer, Generator):
    domain = "statistics"
    pattern = "statistical_inference"


class _Probability(SpacingFreeSteps, RationalAnswer, Generator):
    domain = "probability"
    pattern = "probabilistic_reasoning"


def _data(rng: np.random.Generator, difficulty: int, size: int) -> list[int]:
    """Integers whose range widens with difficulty: 0..20, then 0..60, then -50..99."""
    low, high = (0, 20) if difficulty <= 3 else (0, 60) if difficulty <= 6 else (-50, 99)
    return [int(x) for x in rng.integers(low, high + 1, size=size)]


def _listed(values: Sequence[int]) -> str:
    return ", ".join(map(str, values))


def _running_sum(values: Sequence[int]) -> list[str]:
    """``12+7=19``, ``19-5=14``, ...: one addition per step."""
    steps, total = [], values[0]
    for v in values[1:]:
        steps.append(f"{total}{v:+d}={total + v}")
        total += v
    return steps


class MeanOfList(_Statistics):
    name = "mean_of_list"
    tier = 1
    prerequisites = ("addition", "division")
    summary = "The mean of a list of integers as an exact fraction, summing one term per step."
    difficulty_doc = (
        "difficulty+2 values (3..12) in 0..20 (levels 1-3), 0..60 (4-6) or -50..99 (7-10)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        values = _data(rng, difficulty, difficulty + 2)
        mean = Fraction(sum(values), len(values))
        steps = [*_running_sum(values), f"{sum(values)}/{len(values)}={number_text(mean)}"]
        prompt = (f"Find the mean of {_listed(values)} as an exact integer or fraction. Add one "
                  "value per step (running sum), then divide by the count.")
        return self.make(difficulty, prompt, steps, number_text(mean), values=values)


class MedianOfList(_Statistics):
    name = "median_of_list"
    tier = 1
    pattern = "comparison_and_ordering"
    prerequisites = ("sorting",)
    summary = "The median of a list: sort, pick the middle value or average the middle two."
    difficulty_doc = (
        "difficulty+3 values (4..13), odd or even count, in 0..20 (levels 1-3), 0..60 (4-6) or "
        "-50..99 (7-10)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        values = _data(rng, difficulty, difficulty + 3)
        ordered = sorted(values)
        half = len(values) // 2
        middle = ordered[half - 1: half + 1] if len(values) % 2 == 0 else [ordered[half]]
        median = Fraction(sum(middle), len(middle))
        steps = [f"sorted: {comma_list(ordered)}", f"middle: {comma_list(middle)}"]
        if len(middle) == 2:
            steps.append(f"({middle[0]}+{middle[1]})/2={number_text(median)}")
        prompt = (f"Find the median of {_listed(values)} (exact; a fraction or decimal if needed). "
                  "Write 'sorted: ...', then 'middle: ...', then the average of two middle values.")
        return self.make(difficulty, prompt, steps, number_text(median), values=values)


def _integer_mean_data(rng: np.random.Generator, difficulty: int, size: int) -> list[int]:
    """Data whose mean is an integer (the last value nudged), so deviations stay whole."""
    values = _data(rng, difficulty, size)
    values[-1] -= sum(values) % size
    return values


def _variance_steps(values: Sequence[int]) -> tuple[list[str], Fraction]:
    """Mean, one squared deviation per value, their sum, and the population variance."""
    n = len(values)
    mean = sum(values) // n
    squares = [(v - mean) ** 2 for v in values]
    steps = [f"mean={sum(values)}/{n}={mean}"]
    steps += [f"({v}-{mean})^2={s}" if mean >= 0 else f"({v}+{-mean})^2={s}"
              for v, s in zip(values, squares)]
    steps.append("+".join(map(str, squares)) + f"={sum(squares)}")
    variance = Fraction(sum(squares), n)
    steps.append(f"{sum(squares)}/{n}={number_text(variance)}")
    return steps, variance


_VARIANCE_METHOD = (
    "Write 'mean=sum/n=m', then '(x-m)^2=d' per value in order, then the sum of the squares, "
    "then sum/n."
)


class Variance(_Statistics):
    name = "variance"
    tier = 2
    prerequisites = ("mean_of_list", "powers")
    summary = "Population variance: mean, squared deviations one per step, their mean."
    difficulty_doc = (
        "3 + difficulty*7//10 values (3..10) with an integer mean, in 0..20 (levels 1-3), "
        "0..60 (4-6) or about -50..99 (7-10)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        values = _integer_mean_data(rng, difficulty, 3 + difficulty * 7 // 10)
        steps, variance = _variance_steps(values)
        prompt = (f"Find the population variance (divide by n) of {_listed(values)} as an exact "
                  f"fraction. {_VARIANCE_METHOD}")
        return self.make(difficulty, prompt, steps, number_text(variance), values=values)


class StandardDeviation(_Statistics):
    name = "standard_deviation"
    tier = 3
    pattern = "approximation_and_numerical"
    prerequisites = ("variance",)
    summary = "Population standard deviation rounded to 2 decimals, via the variance."
    difficulty_doc = Variance.difficulty_doc

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        values = _integer_mean_data(rng, difficulty, 3 + difficulty * 7 // 10)
        steps, variance = _variance_steps(values)
        sd = math.sqrt(variance)
        steps.append(f"√({number_text(variance)})≈{rounded_text(sd, 2)}")
        prompt = (f"Find the population standard deviation (divide by n) of {_listed(values)}, "
                  f"rounded to 2 decimal places. {_VARIANCE_METHOD} Finish with the square root.")
        return self.make(difficulty, prompt, steps, rounded_text(sd, 2), values=values, exact=sd)

    def check_answer(self, problem: Problem, text: str) -> bool:
        value = parse_number(text)
        # Anything that rounds to the reference at 2 decimals lies within 0.005 of the exact value.
        return value is not None and close_enough(value, problem.meta["exact"], rel=0, abs_=0.005)


class LinearRegressionSlope(_Statistics):
    name = "linear_regression_slope"
    tier = 4
    prerequisites = ("variance",)
    summary = "Least-squares slope Sxy/Sxx of a few points, from the four sums."
    difficulty_doc = (
        "3 + difficulty//2 points (3..8) with distinct x in 0..difficulty+6 and y near a line "
        "with noise growing with difficulty."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = 3 + difficulty // 2
        xs = sorted(int(x) for x in rng.choice(difficulty + 7, size=n, replace=False))
        slope, base = int(rng.integers(-5, 6)), int(rng.integers(-10, 11))
        ys = [slope * x + base + int(rng.integers(-difficulty - 1, difficulty + 2)) for x in xs]
        sx, sy = sum(xs), sum(ys)
        sxy, sxx = sum(x * y for x, y in zip(xs, ys)), sum(x * x for x in xs)
        cov = Fraction(sxy) - Fraction(sx * sy, n)
        spread = Fraction(sxx) - Fraction(sx * sx, n)
        answer = cov / spread
        steps = [f"sum x={sx}", f"sum y={sy}", f"sum xy={sxy}", f"sum x^2={sxx}",
                 f"Sxy={sxy}-{sx}×({sy})/{n}={number_text(cov)}",
                 f"Sxx={sxx}-{sx}^2/{n}={number_text(spread)}",
                 f"slope=({number_text(cov)})/({number_text(spread)})={number_text(answer)}"]
        points = " ".join(f"({x},{y})" for x, y in zip(xs, ys))
        prompt = (
            f"Points {points}. Find the least-squares slope as an exact fraction: write sum x, "
            "sum y, sum xy, sum x^2, then Sxy=sum xy-(sum x)×(sum y)/n, Sxx=sum x^2-(sum x)^2/n "
            "and slope=Sxy/Sxx."
        )
        return self.make(difficulty, prompt, steps, number_text(answer), xs=xs, ys=ys)


_DICE_SIZES = (4, 6, 8, 10, 12, 20)


class DiceSumProbability(_Probability):
    name = "dice_sum_probability"
    tier = 3
    prerequisites = ("fraction_addition", "counting")
    summary = "Probability that a roll of mixed dice sums to (at least) t, by cases on one die."
    difficulty_doc = (
        "2 dice up to d8 (levels 1-3), 2-3 dice up to d12 (4-6), 3 dice up to d20 (7-10); the "
        "enumerated die is always a d4, d6 or d8. The event is 'sum = t' or 'sum ≥ t'."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        count = 2 if difficulty <= 3 else int(rng.integers(2, 4)) if difficulty <= 6 else 3
        pool = _DICE_SIZES[: 3 if difficulty <= 3 else 5 if difficulty <= 6 else 6]
        sizes = [int(rng.choice(_DICE_SIZES[:3]))] + sorted(
            int(x) for x in rng.choice(pool, size=count - 1))
        at_least = chance(rng, 0.5)
        target = int(rng.integers(count + 1, sum(sizes) + 1))
        relation = "≥" if at_least else "="
        rest_ways = self._rest_ways(sizes[1:])
        steps, favourable = [], 0
        for v in range(1, sizes[0] + 1):
            ways = sum(w for s, w in rest_ways.items() if (s >= target - v if at_least
                                                          else s == target - v))
            if ways:
                favourable += ways
                steps.append(f"d{sizes[0]}={v}: rest {relation}{target - v}, {ways} ways")
        total = math.prod(sizes)
        steps.append("×".join(map(str, sizes)) + f"={total}")
        answer = Fraction(favourable, total)
        steps.append(f"{favourable}/{total}={number_text(answer)}")
        dice = " and ".join(", ".join(f"a d{s}" for s in sizes).rsplit(", ", 1))
        prompt = (
            f"Roll {dice} (fair, a dN shows 1..N). What is the probability that the sum is "
            f"{'at least' if at_least else 'exactly'} {target}? Go through the values v of the "
            f"d{sizes[0]} (write 'd{sizes[0]}=v: rest {relation}r, w ways' when w>0), then the "
            "number of outcomes, then favourable/total as a reduced fraction."
        )
        return self.make(difficulty, prompt, steps, number_text(answer), sizes=sizes, target=target,
                         at_least=at_least)

    @staticmethod
    def _rest_ways(sizes: Sequence[int]) -> dict[int, int]:
        """How many ways the other dice reach each sum."""
        ways: dict[int, int] = {}
        for faces in product(*(range(1, s + 1) for s in sizes)):
            ways[sum(faces)] = ways.get(sum(faces), 0) + 1
        return ways


class ExpectedValue(_Probability):
    name = "expected_value"
    tier = 3
    prerequisites = ("fraction_addition", "multiplication")
    summary = "The expectation of a finite distribution: one value×probability term per step."
    difficulty_doc = (
        "2 + difficulty//2 outcomes (2..7), probabilities with denominator up to 4*difficulty+8, "
        "values in -5*difficulty..10*difficulty."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        k = 2 + difficulty // 2
        denominator = int(rng.integers(k, 4 * difficulty + 9))
        cuts = sorted(int(c) for c in rng.choice(np.arange(1, denominator), size=k - 1,
                                                 replace=False))
        probabilities = [Fraction(b - a, denominator)
                         for a, b in zip([0, *cuts], [*cuts, denominator])]
        values = [int(v) for v in rng.choice(np.arange(-5 * difficulty, 10 * difficulty + 1),
                                             size=k, replace=False)]
        terms = [v * p for v, p in zip(values, probabilities)]
        steps = [f"{v}×{number_text(p)}={number_text(t)}"
                 for v, p, t in zip(values, probabilities, terms)]
        expectation = sum(terms, Fraction(0))
        steps.append(signed_join([number_text(t) for t in terms]) + f"={number_text(expectation)}")
        table = ", ".join(f"{v} with probability {number_text(p)}"
                          for v, p in zip(values, probabilities))
        prompt = (f"X takes the value {table}. Find E[X] as an exact fraction: write "
                  "'value×probability=product' per outcome, then the sum of the products.")
        return self.make(difficulty, prompt, steps, number_text(expectation), values=values,
                         probabilities=[number_text(p) for p in probabilities])


class ConditionalProbability(_Probability):
    name = "conditional_probability"
    tier = 3
    prerequisites = ("fraction_addition", "division")
    summary = "P(event | condition) from a table of counts: restrict, count, divide."
    difficulty_doc = (
        "A 2x2 table with counts up to 10*difficulty+10 (levels 1-3), then 3x3 (4-10); from "
        "level 6 the event may be a union of several rows or columns."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        size = 2 if difficulty <= 3 else 3
        rows, cols = "ABC"[:size], "XYZ"[:size]
        counts = [[int(x) for x in rng.integers(1, 10 * difficulty + 11, size=size)]
                  for _ in range(size)]
        by_row = chance(rng, 0.5)  # condition on a row (event among columns) or the reverse
        given = int(rng.integers(0, size))
        line = counts[given] if by_row else [counts[r][given] for r in range(size)]
        picks = int(rng.integers(1, size)) if difficulty >= 6 else 1
        event = sorted(int(x) for x in rng.choice(size, size=picks, replace=False))
        names_given, names_event = (rows, cols) if by_row else (cols, rows)
        favourable = sum(line[i] for i in event)
        answer = Fraction(favourable, sum(line))
        steps = [f"{names_given[given]}: " + "+".join(map(str, line)) + f"={sum(line)}"]
        if picks > 1:
            steps.append("+".join(str(line[i]) for i in event) + f"={favourable}")
        steps.append(f"{favourable}/{sum(line)}={number_text(answer)}")
        table = "; ".join(f"{r}: {' '.join(map(str, c))}" for r, c in zip(rows, counts))
        event_text = " or ".join(names_event[i] for i in event)
        prompt = (
            f"Counts with rows {', '.join(rows)} and columns {', '.join(cols)}: {table}. For a "
            f"random item, find P({event_text} | {names_given[given]}) as a reduced fraction: "
            "write the condition's total, the favourable count if it has several parts, then "
            "the division."
        )
        return self.make(difficulty, prompt, steps, number_text(answer), counts=counts)


class BayesRule(_Probability):
    name = "bayes_rule"
    tier = 4
    prerequisites = ("conditional_probability", "expected_value")
    summary = "Posterior probability by Bayes' rule: joint per hypothesis, total, ratio."
    difficulty_doc = (
        "A disease test with round percentages (levels 1-3) or any percentages (4-5); 3 "
        "machines (6-8) or 4 (9-10) with shares and defect rates."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        if difficulty <= 5:
            step = 10 if difficulty <= 3 else 1
            prior = int(rng.integers(1, 50 // step + 1)) * step
            sensitivity = int(rng.integers(60 // step, 100 // step)) * step
            false_positive = int(rng.integers(1, 40 // step + 1)) * step
            names, evidence, ask = ["D", "H"], "+", 0
            priors, likelihoods = [prior, 100 - prior], [sensitivity, false_positive]
            story = (f"{prior}% of people have a disease (D; the others are healthy, H). A test "
                     f"is positive (+) for {sensitivity}% of D and {false_positive}% of H. "
                     "A random person tests positive.")
        else:
            k = 3 if difficulty <= 8 else 4
            cuts = sorted(int(c) for c in rng.choice(np.arange(5, 100, 5), size=k - 1,
                                                     replace=False))
            priors = [b - a for a, b in zip([0, *cuts], [*cuts, 100])]
            likelihoods = [int(x) for x in rng.integers(1, 21, size=k)]
            names, evidence = [f"M{i + 1}" for i in range(k)], "F"
            ask = int(rng.integers(0, k))
            story = ("Machines " + ", ".join(f"{m} makes {p}%" for m, p in zip(names, priors))
                     + " of all parts; their fault rates are "
                     + ", ".join(f"{r}%" for r in likelihoods)
                     + ". A random part is faulty (F).")
        p_h = [Fraction(p, 100) for p in priors]
        p_e = [Fraction(q, 100) for q in likelihoods]
        joints = [p * q for p, q in zip(p_h, p_e)]
        steps = [f"P({h})×P({evidence}|{h})={number_text(p)}×{number_text(q)}={number_text(j)}"
                 for h, p, q, j in zip(names, p_h, p_e, joints)]
        total = sum(joints, Fraction(0))
        steps.append(f"P({evidence})=" + "+".join(map(number_text, joints))
                     + f"={number_text(total)}")
        answer = joints[ask] / total
        steps.append(f"P({names[ask]}|{evidence})=({number_text(joints[ask])})/"
                     f"({number_text(total)})={number_text(answer)}")
        prompt = (
            f"{story} Find P({names[ask]}|{evidence}) as a reduced fraction: write "
            f"P(h)×P({evidence}|h)=joint for each case h, then P({evidence}) as their sum, then "
            "the ratio."
        )
        return self.make(difficulty, prompt, steps, number_text(answer), priors=priors,
                         likelihoods=likelihoods, ask=ask)


class BinomialProbability(_Probability):
    name = "binomial_probability"
    tier = 4
    prerequisites = ("committee_selection", "powers")
    summary = "P(exactly k successes in n trials) = C(n,k) p^k (1-p)^(n-k), exactly."
    difficulty_doc = (
        "difficulty+1 to difficulty+3 trials (2..13), success probability a/b with b up to "
        "difficulty+3."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = difficulty + int(rng.integers(1, 4))
        k = int(rng.integers(0, n + 1))
        b = int(rng.integers(2, difficulty + 4))
        p = Fraction(int(rng.integers(1, b)), b)
        steps, ways = binomial_steps(n, k)
        hit, miss = p**k, (1 - p) ** (n - k)
        steps.append(f"({number_text(p)})^{k}={number_text(hit)}")
        steps.append(f"({number_text(1 - p)})^{n - k}={number_text(miss)}")
        answer = ways * hit * miss
        steps.append(f"{ways}×{number_text(hit)}×{number_text(miss)}={number_text(answer)}")
        prompt = (
            f"A trial succeeds with probability {number_text(p)}, independently. In {n} trials, "
            f"what is the probability of exactly {k} successes? Build C({n},{k}) one factor at a "
            "time (C(n,1)=n, C(n,j)=C(n,j-1)×(n-j+1)/j), then p^k, (1-p)^(n-k) and the product, "
            "as a reduced fraction."
        )
        return self.make(difficulty, prompt, steps, number_text(answer), n=n, k=k, p=number_text(p))
