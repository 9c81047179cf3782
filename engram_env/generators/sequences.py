"""Sequences and series: running sums, recurrences, progressions and their sums, iterations.

Every task writes the sequence the way a careful student does, one term (or one formula) per
step, so each step can be checked on its own. Problems whose terms would grow past the target
are redrawn (a bounded loop with a fixed fallback).
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import pairwise

import numpy as np

from engram_env.answers import normalize
from engram_env.generator import Generator
from engram_env.generators._common import chance, draw_until, fraction_text, signed_operand
from engram_env.problem import Problem
from engram_env.verifiers import (
    IntegerAnswer,
    IntegerListAnswer,
    LowestTermsAnswer,
    RationalAnswer,
    SpacingFreeSteps,
)

_DIVERGES = {"diverges", "diverge", "divergent"}


def _combination(coefficients: list[int], operands: list[int]) -> str:
    """``2×5-3×(-1)``: signed coefficients times operands, the first sign only when negative."""
    text = ""
    for c, v in zip(coefficients, operands):
        sign = "-" if c < 0 else "+" if text else ""
        text += f"{sign}{abs(c)}×{signed_operand(v)}"
    return text


def _term(coefficient: int, name: str, first: bool) -> str:
    """``2a(n-1)``, ``-a(n-2)``, ``+3``: one signed term of a recurrence as the prompt writes it."""
    sign = "-" if coefficient < 0 else "" if first else "+"
    size = abs(coefficient)
    return f"{sign}{size if size != 1 or not name else ''}{name}"


def _round_half_up(value: Fraction, places: int) -> Fraction:
    """``value`` rounded to ``places`` decimals, halves away from zero (values here are positive)."""
    scale = 10**places
    return Fraction(math.floor(value * scale + Fraction(1, 2)), scale)


def _decimal_text(value: Fraction, places: int) -> str:
    """A positive rational with exactly ``places`` decimals: ``5.4773``."""
    scaled = round(value * 10**places)
    return f"{scaled // 10**places}.{scaled % 10**places:0{places}d}" if places else str(scaled)


class _Sequences(SpacingFreeSteps, IntegerAnswer, Generator):
    domain = "sequences"


# -- tier 0 ---------------------------------------------------------------------------------------


class ConsecutiveSum(_Sequences):
    name = "consecutive_sum"
    tier = 0
    pattern = "simulation_trace"
    prerequisites = ("addition",)
    summary = "Add a run of consecutive integers with a running total."
    difficulty_doc = (
        "difficulty+1 to 2*difficulty+1 terms (2..3 at level 1, 11..21 at level 10), starting "
        "anywhere in 1..50*difficulty."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        count = int(rng.integers(difficulty + 1, 2 * difficulty + 2))
        start = int(rng.integers(1, 50 * difficulty + 1))
        steps, total = [], start
        for x in range(start + 1, start + count):
            steps.append(f"{total}+{x}={total + x}")
            total += x
        prompt = (f"Add the integers from {start} to {start + count - 1} in order with a running "
                  "total, one step per number (total+next=new total). What is the sum?")
        return self.make(difficulty, prompt, steps, str(total), start=start, count=count)


# -- tier 1 ---------------------------------------------------------------------------------------


class Fibonacci(_Sequences):
    name = "fibonacci"
    tier = 1
    pattern = "dynamic_programming"
    prerequisites = ("addition",)
    summary = "The n-th term of a Fibonacci-type sequence, tracing the pairs of consecutive terms."
    difficulty_doc = (
        "n lies in difficulty+2..2*difficulty+3; levels 1-2 use F(0)=0, F(1)=1, higher levels "
        "random starting values up to 3*difficulty, so the terms grow larger."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = int(rng.integers(difficulty + 2, 2 * difficulty + 4))
        if difficulty <= 2:
            first, second = 0, 1
        else:
            first, second = int(rng.integers(0, 3 * difficulty + 1)), int(rng.integers(1, 3 * difficulty + 1))
        steps, (previous, current) = [], (first, second)
        for _ in range(2, n + 1):
            previous, current = current, previous + current
            steps.append(f"({previous},{current})")
        prompt = (f"F(0)={first}, F(1)={second} and F(k)=F(k-1)+F(k-2). Find F({n}), writing "
                  f"the pair (F(k-1),F(k)) for each k=2, ..., {n}.")
        return self.make(difficulty, prompt, steps, str(current), first=first, second=second, n=n)


class SequenceContinuation(IntegerListAnswer, _Sequences):
    name = "sequence_continuation"
    tier = 1
    pattern = "construction_and_verification"
    prerequisites = ("subtraction", "multiplication", "division")
    summary = "Continue an arithmetic or geometric sequence: check the difference or ratio, extend."
    difficulty_doc = (
        "4 terms are shown up to level 4, 5 after; 1 next term is asked at levels 1-4, 2 at 5-8 "
        "and 3 at 9-10. Differences reach 5*difficulty, ratios 2+difficulty//2; negative "
        "differences from level 4 and negative ratios from level 5."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        shown, asked = (4 if difficulty <= 4 else 5), 1 + (difficulty - 1) // 4
        geometric = chance(rng, 0.5)
        if geometric:
            step = int(rng.integers(2, 3 + difficulty // 2))
            step *= -1 if difficulty >= 5 and chance(rng, 0.5) else 1
            first = int(rng.integers(1, 4 + 2 * difficulty)) * (-1 if chance(rng, 0.2) else 1)
        else:
            step = int(rng.integers(1, 5 * difficulty + 1))
            step *= -1 if difficulty >= 4 and chance(rng, 0.5) else 1
            first = int(rng.integers(-10 * difficulty, 10 * difficulty + 1))
        terms = [first]
        for _ in range(shown + asked - 1):
            terms.append(terms[-1] * step if geometric else terms[-1] + step)
        inverse, forward = ("/", "×") if geometric else ("-", "+")
        checks = [f"{b}{inverse}{signed_operand(a)}={step}" for a, b in pairwise(terms[:shown])]
        rule = f"{'r' if geometric else 'd'}={step}"
        extend = [f"{a}{forward}{signed_operand(step)}={b}" for a, b in pairwise(terms[shown - 1 :])]
        prompt = (f"The sequence {', '.join(map(str, terms[:shown]))}, ... is arithmetic (constant "
                  "difference d) or geometric (constant ratio r). Check d or r on each pair of "
                  f"neighbours, state it, then give the next {asked} term(s), comma separated.")
        answer = ", ".join(map(str, terms[shown:]))
        return self.make(difficulty, prompt, [*checks, rule, *extend], answer, terms=terms)


class Collatz(_Sequences):
    name = "collatz"
    tier = 1
    pattern = "simulation_trace"
    prerequisites = ("multiplication", "division")
    summary = "Apply the Collatz rule (halve if even, 3n+1 if odd) a fixed number of times."
    difficulty_doc = (
        "difficulty+3 applications (4 at level 1, 13 at level 10) from a start below "
        "10^(1+difficulty//2) (2 digits at level 1, 6 at level 10)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        start = int(rng.integers(2, 10 ** (1 + difficulty // 2)))
        times, steps, n = difficulty + 3, [], start
        for _ in range(times):
            if n % 2:
                steps.append(f"3×{n}+1={3 * n + 1}")
                n = 3 * n + 1
            else:
                steps.append(f"{n}/2={n // 2}")
                n //= 2
        prompt = (f"Apply the Collatz rule {times} times starting from {start}: an even n becomes "
                  "n/2, an odd n becomes 3×n+1. Write one step per application. What number "
                  "do you reach?")
        return self.make(difficulty, prompt, steps, str(n), start=start, times=times)


# -- tier 2 ---------------------------------------------------------------------------------------


class ArithmeticSeries(_Sequences):
    name = "arithmetic_series"
    tier = 2
    pattern = "formula_substitution"
    prerequisites = ("sequence_continuation", "multiplication")
    summary = "Sum of the first n terms of an arithmetic sequence by S=n×(first+last)/2."
    difficulty_doc = (
        "n lies in 5*difficulty..5+5*difficulty terms (50..55 at level 10); start and difference grow "
        "with the level, negative ones from level 5."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = int(rng.integers(5 * difficulty, 6 + 5 * difficulty))
        low = -10 * difficulty if difficulty >= 5 else 1
        first = int(rng.integers(low, 10 * difficulty + 1))
        step = int(rng.integers(1, 3 * difficulty + 1)) * (-1 if difficulty >= 5 and chance(rng, 0.4) else 1)
        second, third, last = first + step, first + 2 * step, first + (n - 1) * step
        total = n * (first + last) // 2
        steps = [f"d={second}-{signed_operand(first)}={step}",
                 f"a({n})={first}+({n}-1)×{signed_operand(step)}={last}",
                 f"S={n}×({first}+{signed_operand(last)})/2={total}"]
        prompt = (f"Find the sum of the first {n} terms of the arithmetic sequence {first}, "
                  f"{second}, {third}, ... Find d, then the last term a({n})=a(1)+(n-1)×d, then "
                  "S=n×(a(1)+a(n))/2.")
        return self.make(difficulty, prompt, steps, str(total), first=first, step=step, n=n)


class RecurrenceRelation(_Sequences):
    name = "recurrence_relation"
    tier = 2
    pattern = "simulation_trace"
    prerequisites = ("fibonacci", "multiplication")
    summary = "Iterate a linear recurrence term by term: a(n)=p×a(n-1)+c or p×a(n-1)+q×a(n-2)."
    difficulty_doc = (
        "First order a(n)=p×a(n-1)+c up to level 4, second order a(n)=p×a(n-1)+q×a(n-2) from "
        "level 5; 3+difficulty//2 terms to compute; coefficients up to 1+difficulty//3 in size, "
        "negative from level 3. Instances whose terms pass 10^6 are redrawn."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        order, last = (1 if difficulty <= 4 else 2), 3 + difficulty // 2
        size = 1 + difficulty // 3

        def coefficient(allow_zero: bool = False) -> int:
            values = [v for v in range(-size, size + 1) if v or allow_zero]
            return int(rng.choice(values if difficulty >= 3 else [v for v in values if v > 0]))

        def draw() -> tuple[list[int], list[int], int]:
            coefficients = [coefficient() for _ in range(order)]
            constant = int(rng.integers(-9, 10)) if order == 1 else 0
            return coefficients, [int(v) for v in rng.integers(-5, 10, size=order)], constant

        def run(spec: tuple[list[int], list[int], int]) -> tuple[list[int], list[str]]:
            coefficients, values, constant = spec
            values, steps = list(values), []
            for k in range(order, last + 1):
                previous = values[::-1][:order]
                value = sum(c * v for c, v in zip(coefficients, previous)) + constant
                tail = f"{'+' if constant >= 0 else '-'}{abs(constant)}" if order == 1 else ""
                steps.append(f"a({k})={_combination(coefficients, previous)}{tail}={value}")
                values.append(value)
            return values, steps

        def moderate(spec: tuple[list[int], list[int], int]) -> bool:
            values = run(spec)[0]
            return max(map(abs, values)) < 10**6 and max(map(abs, values[order:])) > 1

        spec = draw_until(draw, moderate, fallback=([2], [1], 1))
        values, steps = run(spec)
        coefficients, start, constant = spec
        rule = "".join(_term(c, f"a(n-{i + 1})", i == 0) for i, c in enumerate(coefficients))
        rule += _term(constant, "", False) if constant else ""
        given = ", ".join(f"a({i})={v}" for i, v in enumerate(start))
        prompt = (f"{given} and a(n)={rule} for n>={order}. Compute a({order}), ..., a({last}) "
                  f"in order, one per step, written like a(k)=...=value. What is a({last})?")
        return self.make(difficulty, prompt, steps, str(values[-1]), coefficients=coefficients,
                         start=start, constant=constant, last=last)


# -- tier 3 ---------------------------------------------------------------------------------------


class GeometricSeries(_Sequences):
    name = "geometric_series"
    tier = 3
    pattern = "series_and_convergence"
    prerequisites = ("sequence_continuation", "powers")
    summary = "Sum of the first n terms of a geometric sequence by S=a×(r^n-1)/(r-1)."
    difficulty_doc = (
        "n in 3+difficulty//2..4+difficulty terms (3..5 at level 1, 8..14 at level 10); ratio "
        "2..3+difficulty//3, negative with even chance from level 4; first term up to "
        "4*difficulty."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = int(rng.integers(3 + difficulty // 2, 5 + difficulty))
        r = int(rng.integers(2, 4 + difficulty // 3)) * (-1 if difficulty >= 4 and chance(rng, 0.5) else 1)
        a = int(rng.integers(1, 4 * difficulty + 1))
        power = r**n
        total = a * (power - 1) // (r - 1)
        steps = [f"r={a * r}/{a}={r}", f"{signed_operand(r)}^{n}={power}",
                 f"S={a}×({power}-1)/({r}-1)={total}"]
        prompt = (f"Find the sum of the first {n} terms of the geometric sequence {a}, {a * r}, "
                  f"{a * r * r}, ... Find the ratio r, then r^{n}, then S=a×(r^n-1)/(r-1).")
        return self.make(difficulty, prompt, steps, str(total), a=a, r=r, n=n)


# -- tier 4 ---------------------------------------------------------------------------------------


class SeriesConvergence(LowestTermsAnswer, _Sequences):
    name = "series_convergence"
    tier = 4
    pattern = "series_and_convergence"
    prerequisites = ("geometric_series", "fraction_addition")
    summary = "Does an infinite geometric series converge (|r|<1)? If so, its sum a/(1-r)."
    difficulty_doc = (
        "The ratio is ±p/q with p, q up to 2+difficulty (negative from level 3); the first term "
        "is an integer up to 3*difficulty, a non-integer fraction from level 6; 30% of series diverge "
        "(|r|>=1, r=±1 included from level 6)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        top = 2 + difficulty
        converges = chance(rng, 0.7)

        def draw_ratio() -> Fraction:
            p, q = (int(v) for v in rng.integers(1, top + 1, size=2))
            return Fraction(p, q) * (-1 if difficulty >= 3 and chance(rng, 0.5) else 1)

        def wanted(r: Fraction) -> bool:
            if converges:
                return 0 < abs(r) < 1
            return abs(r) > 1 or (abs(r) == 1 and difficulty >= 6)

        r = draw_until(draw_ratio, wanted, fallback=Fraction(1, 2) if converges else Fraction(3, 2))
        a = draw_until(lambda: Fraction(int(rng.integers(1, 3 * difficulty + 1)),
                                        int(rng.integers(2, top + 1)) if difficulty >= 6 else 1),
                       lambda v: (v.denominator > 1) == (difficulty >= 6), fallback=Fraction(1, 2))
        terms = [a, a * r, a * r * r]
        steps = [f"r=({fraction_text(terms[1])})/({fraction_text(terms[0])})={fraction_text(r)}"]
        if abs(r) < 1:
            total = a / (1 - r)
            steps += [f"|r|={fraction_text(abs(r))}<1, converges",
                      f"1-{signed_operand(r)}={fraction_text(1 - r)}",
                      f"S={fraction_text(a)}/({fraction_text(1 - r)})={fraction_text(total)}"]
            answer = fraction_text(total)
        else:
            steps.append(f"|r|={fraction_text(abs(r))}>=1, diverges")
            answer = "diverges"
        prompt = (f"The infinite geometric series {' + '.join(map(signed_operand, terms))} + ... "
                  "Find r; if |r|<1 the sum is a/(1-r): answer it as a fraction in lowest terms "
                  "(or an integer); otherwise answer 'diverges'.")
        return self.make(difficulty, prompt, steps, answer, a=str(a), r=str(r))

    def check_answer(self, problem: Problem, text: str) -> bool:
        if problem.answer == "diverges":
            return normalize(text).lower() in _DIVERGES
        return super().check_answer(problem, text)


class NewtonSqrt(RationalAnswer, _Sequences):
    name = "newton_sqrt"
    tier = 4
    pattern = "approximation_and_numerical"
    prerequisites = ("recurrence_relation", "division")
    summary = "Approximate a square root by Newton's iteration x=(x+S/x)/2, rounding each iterate."
    difficulty_doc = (
        "S is a non-square up to 25*difficulty^2 (25 at level 1, 2500 at level 10); "
        "the start is within half the root of it; 1+difficulty//3 iterations with "
        "2+difficulty//4 decimals."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        s = draw_until(lambda: int(rng.integers(2, 25 * difficulty * difficulty + 1)),
                       lambda v: math.isqrt(v) ** 2 != v, fallback=2)
        root = math.isqrt(s)
        x0 = max(1, root + int(rng.integers(-(root // 2), root // 2 + 2)))
        times, places = 1 + difficulty // 3, 2 + difficulty // 4
        steps, x = [], Fraction(x0)
        for k in range(1, times + 1):
            new = _round_half_up((x + s / x) / 2, places)
            shown = str(x0) if k == 1 else _decimal_text(x, places)
            steps.append(f"x({k})=({shown}+{s}/{shown})/2={_decimal_text(new, places)}")
            x = new
        prompt = (f"Approximate √{s} by Newton's method x(k+1)=(x(k)+{s}/x(k))/2 from x(0)={x0}. "
                  f"Round every x(k) to {places} decimals (halves up) before using it. Give "
                  f"x({times}) with {places} decimals.")
        return self.make(difficulty, prompt, steps, _decimal_text(x, places), s=s, x0=x0,
                         times=times, places=places)
