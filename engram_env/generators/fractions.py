"""Arithmetic beyond the column methods: rounding, powers, order of operations and fractions.

Fractions are worked with the school methods (common denominator, multiply across, invert the
divisor, cancel by the gcd) and answered in lowest terms, which the prompts demand: an integer
when the denominator is 1, and never a decimal (see ``verifiers.LowestTermsAnswer``). Values
are kept as integers or ``Fraction`` throughout, so every printed step is exact.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np

from engram_env.generator import Generator
from engram_env.generators._common import (
    chance,
    draw_until,
    euclid_steps,
    fraction_text,
    signed_operand,
    square_and_multiply,
    target_length,
)
from engram_env.problem import MAX_TARGET_TOKENS, Problem
from engram_env.verifiers import IntegerAnswer, LowestTermsAnswer, RationalAnswer, SpacingFreeSteps

_PLACES = {-4: "ten thousand", -3: "thousand", -2: "hundred", -1: "ten", 0: "whole number",
           1: "tenth", 2: "hundredth", 3: "thousandth", 4: "ten-thousandth",
           5: "hundred-thousandth"}
_UNIT_FRACTIONS = re.compile(r"1/(\d{1,12})")
_PRECEDENCE = {"+": 1, "-": 1, "×": 2, "/": 2, "^": 3}

Node = int | tuple[str, "Node", "Node"]  # an expression tree: a leaf or (operator, left, right)


# -- pure helpers ---------------------------------------------------------------------------------


def _decimal(scaled: int, places: int) -> str:
    """The non-negative number ``scaled / 10^places`` written with exactly ``places`` decimals."""
    if places <= 0:
        return str(scaled * 10**-places)
    whole, part = divmod(scaled, 10**places)
    return f"{whole}.{part:0{places}d}"


def _reduce_steps(numerator: int, denominator: int) -> list[str]:
    """Cancel ``numerator/denominator`` (denominator > 0) by its gcd: ``gcd(30,36)=6``, ``30/36=5/6``."""
    g = math.gcd(numerator, denominator)
    if g == 1:
        return []
    reduced = fraction_text(Fraction(numerator, denominator))
    return [f"gcd({abs(numerator)},{denominator})={g}", f"{numerator}/{denominator}={reduced}"]


def _product_steps(pairs: list[tuple[int, int]]) -> tuple[list[str], Fraction]:
    """Multiply fractions given as (numerator, denominator): numerators, denominators, cancel."""
    numerator = math.prod(n for n, _ in pairs)
    denominator = math.prod(d for _, d in pairs)
    steps = ["×".join(signed_operand(n) for n, _ in pairs) + f"={numerator}",
             "×".join(str(d) for _, d in pairs) + f"={denominator}",
             *_reduce_steps(numerator, denominator)]
    return steps, Fraction(numerator, denominator)


def _draw_fraction(rng: np.random.Generator, top: int, negative: bool) -> tuple[int, int]:
    """A proper or improper fraction with denominator 2..top, unreduced, maybe negative."""
    denominator = int(rng.integers(2, top + 1))
    numerator = int(rng.integers(1, 2 * denominator))
    return (-numerator if negative and chance(rng, 0.4) else numerator), denominator


def _pair_text(pair: tuple[int, int]) -> str:
    return f"{pair[0]}/{pair[1]}"


def _leaf_tree(rng: np.random.Generator, operators: int, top: int, powers: bool) -> Node:
    """A random expression tree with ``operators`` inner nodes over leaves 1..top."""
    if operators == 0:
        return int(rng.integers(1, top + 1))
    if powers and operators == 1 and chance(rng, 0.3):
        return ("^", int(rng.integers(2, 10)), int(rng.integers(2, 4)))
    left = int(rng.integers(0, operators))
    op = str(rng.choice(["+", "-", "×", "/"]))
    return (op, _leaf_tree(rng, left, top, powers), _leaf_tree(rng, operators - 1 - left, top, powers))


def _value(node: Node) -> Fraction | None:
    """The exact value of a tree, ``None`` where it divides by zero."""
    if isinstance(node, int):
        return Fraction(node)
    op, left, right = node
    a, b = _value(left), _value(right)
    if a is None or b is None or (op == "/" and b == 0):
        return None
    if op == "^":
        return a ** int(b)
    return a + b if op == "+" else a - b if op == "-" else a * b if op == "×" else a / b


def _repair(node: Node) -> Node:
    """Make every subtraction non-negative (swap sides) and every division exact where it can."""
    if isinstance(node, int):
        return node
    op, left, right = node[0], _repair(node[1]), _repair(node[2])
    a, b = _value(left), _value(right)
    if op == "-" and a is not None and b is not None and a < b:
        left, right = right, left
    if op == "/" and isinstance(right, int):
        total = a
        if total is not None and total.denominator == 1 and total > 0:
            divisors = [d for d in range(2, min(int(total), 30) + 1) if total % d == 0]
            right = divisors[len(divisors) // 2] if divisors else 1
    return (op, left, right)


def _text(node: Node) -> str:
    """The expression with only the parentheses the order of operations needs."""
    if isinstance(node, int):
        return str(node)
    op, left, right = node
    rank = _PRECEDENCE[op]
    left_text, right_text = _text(left), _text(right)
    if not isinstance(left, int) and _PRECEDENCE[left[0]] < rank:
        left_text = f"({left_text})"
    if not isinstance(right, int) and (_PRECEDENCE[right[0]] < rank or
                                       (_PRECEDENCE[right[0]] == rank and op in "-/")):
        right_text = f"({right_text})"
    return f"{left_text}{op}{right_text}"


def _evaluation_trace(expression: str) -> list[str]:
    """Rewrite ``expression`` one operation at a time by the order of operations.

    The innermost (leftmost) parentheses first; inside them ``^``, then ``×`` and ``/`` from the
    left, then ``+`` and ``-`` from the left. A group reduced to one number loses its parentheses
    in the same step. Returns every intermediate expression, the final number last.
    """
    tokens: list[str | int] = [int(t) if t.isdigit() else t for t in re.findall(r"\d+|\D", expression)]
    trace = []
    while len(tokens) > 1:
        close = tokens.index(")") if ")" in tokens else len(tokens)
        open_ = max((i for i in range(close) if tokens[i] == "("), default=-1)
        group = tokens[open_ + 1 : close]
        for ops in ("^", "×/", "+-"):
            at = next((i for i, t in enumerate(group) if isinstance(t, str) and t in ops), None)
            if at is not None:
                break
        a, op, b = group[at - 1], group[at], group[at + 1]
        value = int(_value((op, a, b)))
        group[at - 1 : at + 2] = [value]
        start, stop = (open_, close + 1) if len(group) == 1 and open_ >= 0 else (open_ + 1, close)
        tokens[start:stop] = group
        trace.append("".join(map(str, tokens)))
    return trace


def _usable(tree: Node) -> bool:
    """Every intermediate value a non-negative integer below 10^5."""
    if isinstance(tree, int):
        return True
    value = _value(tree)
    return (value is not None and value.denominator == 1 and 0 <= value < 10**5
            and _usable(tree[1]) and _usable(tree[2]))


class _Arithmetic(SpacingFreeSteps, LowestTermsAnswer, Generator):
    domain = "arithmetic"


# -- tier 0 ---------------------------------------------------------------------------------------


class Rounding(RationalAnswer, _Arithmetic):
    name = "rounding"
    tier = 0
    pattern = "approximation_and_numerical"
    prerequisites = ("comparison",)
    summary = "Round a decimal to a named place: cut, look at the next digit, round up or keep."
    difficulty_doc = (
        "The number has 1+difficulty//4 to 1+difficulty//2 digits before and after the point "
        "(one of each at level 1, three to six at level 10); the place ranges from ten "
        "thousands to hundred-thousandths."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        decimals = int(rng.integers(1 + difficulty // 4, 2 + difficulty // 2))
        whole = int(rng.integers(1 + difficulty // 4, 2 + difficulty // 2))
        scaled = draw_until(lambda: int(rng.integers(10 ** (whole + decimals - 1), 10 ** (whole + decimals))),
                            lambda v: v % 10 != 0, fallback=10 ** (whole + decimals) - 1)
        place = int(rng.integers(max(-4, 1 - whole), decimals))
        cut = 10 ** (decimals - place)
        kept, digit = scaled // cut, scaled // (cut // 10) % 10
        result = kept + (digit >= 5)
        kept_text, result_text = _decimal(kept, place), _decimal(result, place)
        unit = _decimal(1, place)
        last = (f"{digit}≥5: {kept_text}+{unit}={result_text}" if digit >= 5
                else f"{digit}<5: keep {kept_text}")
        steps = [f"cut: {kept_text}", f"next digit: {digit}", last]
        prompt = (f"Round {_decimal(scaled, decimals)} to the nearest {_PLACES[place]}. Cut the "
                  "number after that place, look at the next digit: 5 or more rounds up, less "
                  "keeps the cut value.")
        return self.make(difficulty, prompt, steps, result_text, number=_decimal(scaled, decimals),
                         place=place)


# -- tier 1 ---------------------------------------------------------------------------------------


class Powers(IntegerAnswer, _Arithmetic):
    name = "powers"
    tier = 1
    pattern = "recursive_decomposition"
    prerequisites = ("multiplication",)
    summary = "Integer powers by repeated squaring, multiplying the squares the exponent needs."
    difficulty_doc = (
        "The exponent lies in 2+difficulty//3..2+difficulty and the result has difficulty to "
        "2+2*difficulty digits (1..4 at level 1, 10..22 at level 10)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        low, limit = 10 ** (difficulty - 1), 10 ** (2 + 2 * difficulty)
        exponent = int(rng.integers(2 + difficulty // 3, 3 + difficulty))
        largest = math.floor(limit ** (1 / exponent))
        while largest**exponent >= limit:
            largest -= 1
        smallest = max(2, math.ceil(low ** (1 / exponent)))
        while smallest > 2 and (smallest - 1) ** exponent >= low:
            smallest -= 1
        base = int(rng.integers(smallest, largest + 1))
        steps = [f"{base}^{k}={x}×{y}={p}" for k, x, y, p, _ in square_and_multiply(base, exponent)]
        prompt = (f"Compute {base}^{exponent} by repeated squaring: write {base}^2, {base}^4, ... "
                  f"(each the square of the one before) up to the top binary digit of {exponent}, "
                  "then multiply in the squares its binary digits need, smallest first. Write "
                  "each step as b^k=x×y=product.")
        return self.make(difficulty, prompt, steps, str(base**exponent), base=base,
                         exponent=exponent)


# -- tier 2 ---------------------------------------------------------------------------------------


_LOWEST_TERMS = "Answer in lowest terms (an integer if the denominator is 1)."


class FractionAddition(_Arithmetic):
    name = "fraction_addition"
    tier = 2
    pattern = "symbolic_manipulation"
    prerequisites = ("multiplication", "subtraction", "gcd")
    summary = "Add and subtract fractions over the least common denominator, then reduce."
    difficulty_doc = (
        "2 fractions up to level 4, 3 at levels 5-8, 4 at 9-10; denominators up to 3+2*difficulty; "
        "subtraction from level 4."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        count = 2 if difficulty <= 4 else 3 if difficulty <= 8 else 4
        pairs = [_draw_fraction(rng, 3 + 2 * difficulty, negative=False) for _ in range(count)]
        signs = ["+"] + [str(rng.choice(["+", "-"])) if difficulty >= 4 else "+"
                         for _ in range(count - 1)]
        lcd = math.lcm(*(d for _, d in pairs))
        scaled = [n * lcd // d for n, d in pairs]
        total = sum(n if s == "+" else -n for s, n in zip(signs, scaled))
        expression = "".join(("" if i == 0 else s) + _pair_text(p) for i, (s, p) in enumerate(zip(signs, pairs)))
        combined = "".join(("" if i == 0 else s) + str(n) for i, (s, n) in enumerate(zip(signs, scaled)))
        steps = [f"lcm({','.join(str(d) for _, d in pairs)})={lcd}",
                 *(f"{_pair_text(p)}={n}/{lcd}" for p, n in zip(pairs, scaled)),
                 f"({combined})/{lcd}={total}/{lcd}", *_reduce_steps(total, lcd)]
        prompt = (f"Compute {expression}. Rewrite each fraction over the least common "
                  f"denominator, combine the numerators, then cancel by the gcd. {_LOWEST_TERMS}")
        return self.make(difficulty, prompt, steps, fraction_text(Fraction(total, lcd)),
                         fractions=[list(p) for p in pairs], signs=signs)


class SimplifyFraction(_Arithmetic):
    name = "simplify_fraction"
    tier = 2
    pattern = "recursive_decomposition"
    prerequisites = ("gcd", "division")
    summary = "Reduce a fraction: gcd of numerator and denominator by Euclid, then divide both."
    difficulty_doc = (
        "The reduced numerator and denominator are up to 6+4*difficulty and the cancelled factor "
        "between 1+3*difficulty and 4+6*difficulty, so the numbers and Euclid's trace grow."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        p, q = draw_until(lambda: tuple(int(v) for v in rng.integers(1, 7 + 4 * difficulty, size=2)),
                          lambda pq: pq[1] > 1 and math.gcd(*pq) == 1, fallback=(2, 3))
        g = int(rng.integers(1 + 3 * difficulty, 5 + 6 * difficulty))
        numerator, denominator = p * g, q * g
        steps = [*euclid_steps(max(numerator, denominator), min(numerator, denominator)),
                 f"{numerator}/{g}={p}", f"{denominator}/{g}={q}"]
        prompt = (f"Reduce {numerator}/{denominator} to lowest terms: find the gcd of numerator "
                  "and denominator by Euclid's algorithm (a=q×b+r per step), then divide both by "
                  f"it. {_LOWEST_TERMS}")
        return self.make(difficulty, prompt, steps, f"{p}/{q}", numerator=numerator,
                         denominator=denominator)


class FractionMultiplication(_Arithmetic):
    name = "fraction_multiplication"
    tier = 2
    pattern = "symbolic_manipulation"
    prerequisites = ("multiplication", "gcd")
    summary = "Multiply fractions: numerators together, denominators together, cancel by the gcd."
    difficulty_doc = (
        "2 fractions up to level 5, 3 from level 6; denominators up to 3+2*difficulty; "
        "negative factors from level 7."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        count = 2 if difficulty <= 5 else 3
        pairs = [_draw_fraction(rng, 3 + 2 * difficulty, negative=difficulty >= 7)
                 for _ in range(count)]
        steps, value = _product_steps(pairs)
        shown = "×".join(f"({_pair_text(p)})" for p in pairs)
        prompt = (f"Compute {shown}. Multiply the numerators, then the denominators, then cancel "
                  f"by the gcd. {_LOWEST_TERMS}")
        return self.make(difficulty, prompt, steps, fraction_text(value),
                         fractions=[list(p) for p in pairs])


class DecimalToFraction(_Arithmetic):
    name = "decimal_to_fraction"
    tier = 2
    pattern = "encoding_and_decoding"
    prerequisites = ("gcd", "division")
    summary = "Write a terminating decimal as a fraction over a power of ten, then reduce it."
    difficulty_doc = (
        "1..1+difficulty//2 decimals (up to 6 at level 10), the last one even or 5 so there is "
        "always something to cancel; a whole part from level 4; "
        "negative numbers from level 7."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        places = int(rng.integers(1, 2 + difficulty // 2))
        whole = int(rng.integers(1, 10 * difficulty)) if difficulty >= 4 else 0
        part = draw_until(lambda: int(rng.integers(1, 10**places)),
                          lambda v: v % 10 in (2, 4, 5, 6, 8), fallback=5)
        numerator = (whole * 10**places + part) * (-1 if difficulty >= 7 and chance(rng, 0.4) else 1)
        denominator = 10**places
        decimal = ("-" if numerator < 0 else "") + _decimal(abs(numerator), places)
        steps = [f"{decimal}={numerator}/{denominator}", *_reduce_steps(numerator, denominator)]
        prompt = (f"Write {decimal} as a fraction: put the digits over a power of ten, then cancel "
                  f"by the gcd. {_LOWEST_TERMS}")
        return self.make(difficulty, prompt, steps, fraction_text(Fraction(numerator, denominator)),
                         decimal=decimal)


class OrderOfOperations(IntegerAnswer, _Arithmetic):
    name = "order_of_operations"
    tier = 2
    pattern = "recursive_decomposition"
    prerequisites = ("multiplication", "division", "subtraction")
    summary = "Evaluate an integer expression one operation at a time by the order of operations."
    difficulty_doc = (
        "2 operations at level 1 up to 7 at level 10 over numbers up to 5+2*difficulty; powers "
        "(b^2, b^3) appear from level 5. Every intermediate value is a whole number."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        operators = 2 + (difficulty - 1) * 5 // 9
        tree = draw_until(
            lambda: _repair(_leaf_tree(rng, operators, 5 + 2 * difficulty, difficulty >= 5)),
            _usable, fallback=("+", ("×", 2, 3), 4))
        expression = _text(tree)
        *steps, answer = _evaluation_trace(expression)
        prompt = (f"Evaluate {expression}. Innermost parentheses first; inside them ^ first, then "
                  "× and / from left to right, then + and - from left to right (/ divides "
                  "exactly here). Write the whole expression after each single operation.")
        return self.make(difficulty, prompt, steps, answer, expression=expression)


# -- tier 3 ---------------------------------------------------------------------------------------


class FractionDivision(_Arithmetic):
    name = "fraction_division"
    tier = 3
    pattern = "symbolic_manipulation"
    prerequisites = ("fraction_multiplication",)
    summary = "Divide fractions: multiply by the reciprocal of the divisor, then cancel."
    difficulty_doc = (
        "Denominators up to 3+3*difficulty; from level 5 the quotient is multiplied by a third "
        "fraction; negative fractions from level 7."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        top, negative = 3 + 3 * difficulty, difficulty >= 7
        pairs = [_draw_fraction(rng, top, negative) for _ in range(2 if difficulty < 5 else 3)]
        dividend, divisor, *rest = pairs
        flipped = (divisor[1] * (-1 if divisor[0] < 0 else 1), abs(divisor[0]))
        factors = [dividend, flipped, *rest]
        shown = f"({_pair_text(dividend)})/({_pair_text(divisor)})" + "".join(
            f"×({_pair_text(p)})" for p in rest)
        product_steps, value = _product_steps(factors)
        steps = ["×".join(f"({_pair_text(p)})" for p in factors), *product_steps]
        prompt = (f"Compute {shown}. Replace the division by a multiplication with the reciprocal "
                  "of the divisor (write the product), multiply the numerators, then the "
                  f"denominators, then cancel by the gcd. {_LOWEST_TERMS}")
        return self.make(difficulty, prompt, steps, fraction_text(value),
                         fractions=[list(p) for p in pairs])


# -- tier 4 ---------------------------------------------------------------------------------------


class RepeatingDecimal(_Arithmetic):
    name = "repeating_decimal"
    tier = 4
    pattern = "series_and_convergence"
    prerequisites = ("decimal_to_fraction", "simplify_fraction")
    summary = "Turn a repeating decimal into a fraction by subtracting two shifted copies."
    difficulty_doc = (
        "A repeating block of 1..1+difficulty//3 digits after 0..difficulty//3 other decimals; "
        "a whole part 1..99 from level 5."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        period = int(rng.integers(1, 2 + difficulty // 3))
        lead = int(rng.integers(0, 1 + difficulty // 3))
        block = draw_until(lambda: "".join(str(d) for d in rng.integers(0, 10, period)),
                           lambda b: set(b) not in ({"0"}, {"9"}), fallback="3")
        prefix = "".join(str(d) for d in rng.integers(0, 10, lead))
        whole = int(rng.integers(1, 100)) if difficulty >= 5 else 0
        shown = f"{whole}.{prefix}({block})"
        high = int(f"{whole}{prefix}{block}")
        low = int(f"{whole}{prefix}")
        factor = 10 ** (lead + period) - 10**lead
        low_label = f"{10**lead}x" if lead else "x"
        steps = [f"{10 ** (lead + period)}x={high}.({block})", f"{low_label}={low}.({block})",
                 f"{factor}x={high}-{low}={high - low}", f"x={high - low}/{factor}",
                 *_reduce_steps(high - low, factor)]
        prompt = (f"Write x={shown} as a fraction; the digits in parentheses repeat forever. "
                  "Multiply x by powers of ten so both copies end with the same repeating tail, "
                  f"subtract them, solve for x, then cancel by the gcd. {_LOWEST_TERMS}")
        return self.make(difficulty, prompt, steps, fraction_text(Fraction(high - low, factor)),
                         decimal=shown)


class EgyptianFraction(_Arithmetic):
    name = "egyptian_fraction"
    tier = 4
    pattern = "greedy_selection"
    prerequisites = ("fraction_addition",)
    summary = "Greedy Egyptian fraction: subtract the largest unit fraction that fits, repeatedly."
    difficulty_doc = (
        "A proper fraction p/q in lowest terms (not a unit fraction) with q in "
        "4+2*difficulty..5+12*difficulty; instances whose greedy denominators pass 10^12 or "
        "whose trace overflows are redrawn."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        def draw() -> Fraction:
            q = int(rng.integers(4 + 2 * difficulty, 6 + 12 * difficulty))
            p = int(rng.integers(2, q))
            return Fraction(p, q) if math.gcd(p, q) == 1 else Fraction(1, q)  # the latter is refused

        def expand(value: Fraction) -> tuple[list[str], list[int]]:
            steps, denominators = [], []
            while value:
                c = -(-value.denominator // value.numerator)
                steps.append(f"{fraction_text(value)}-1/{c}={fraction_text(value - Fraction(1, c))}")
                denominators.append(c)
                value -= Fraction(1, c)
            return steps, denominators

        def fits(value: Fraction) -> bool:
            steps, denominators = expand(value)
            answer = "+".join(f"1/{c}" for c in denominators)
            return (value.numerator > 1 and max(denominators) < 10**12
                    and target_length(steps, answer) <= MAX_TARGET_TOKENS)

        value = draw_until(draw, fits, fallback=Fraction(5, 6))
        steps, denominators = expand(value)
        prompt = (f"Write {fraction_text(value)} as a sum of distinct unit fractions by the greedy "
                  "method: subtract the largest unit fraction 1/c not above what is left, one "
                  "step 'rest-1/c=new rest', until 0. Answer like 1/2+1/3+1/12.")
        return self.make(difficulty, prompt, steps, "+".join(f"1/{c}" for c in denominators),
                         denominators=denominators)

    def check_answer(self, problem: Problem, text: str) -> bool:
        terms = "".join(text.split()).split("+")
        matches = [_UNIT_FRACTIONS.fullmatch(t) for t in terms]
        if not all(matches):
            return False
        got = [int(m.group(1)) for m in matches]
        return len(set(got)) == len(got) and set(got) == set(problem.meta["denominators"])
