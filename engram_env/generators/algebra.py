"""Algebra: evaluating, expanding, factoring and solving, one algebraic move per step.

Expressions are built as text from integer coefficients (``_common.poly_text``), so sampling
never touches sympy; sympy only grades answers that may be written in many equivalent forms.
"""

from __future__ import annotations

import re
from fractions import Fraction
from math import gcd, isqrt

import numpy as np

from engram_env.answers import parse_expression, parse_rational
from engram_env.generator import Generator
from engram_env.generators._common import (
    chance,
    draw_until,
    monomial_text,
    number_text,
    paren,
    poly_eval,
    poly_mul,
    poly_text,
    signed_join,
)
from engram_env.problem import Problem
from engram_env.verifiers import (
    AssignmentAnswer,
    ExpressionAnswer,
    IntegerAnswer,
    RationalSetAnswer,
    ReducedRationalAnswer,
    SpacingFreeSteps,
    squash,
    strip_label,
)


class _Algebra(SpacingFreeSteps, Generator):
    domain = "algebra"


def _nonzero(rng: np.random.Generator, size: int) -> int:
    """A uniform integer in ``-size..size`` other than 0."""
    value = int(rng.integers(1, size + 1))
    return -value if chance(rng, 0.5) else value


def _draw(rng: np.random.Generator, size: int, *, negative: bool = True) -> int:
    """A uniform integer in ``-size..size`` (``0..size`` without ``negative``)."""
    return int(rng.integers(-size if negative else 0, size + 1))


# -- answers that must be written out in expanded form ------------------------------------------

_POLY_TERM = re.compile(r"([+-]?)(\d+(?:/\d+)?|\(\d+/\d+\))?\*?(?:(x)(?:\^(\d{1,3}))?)?")


def parse_expanded(text: str) -> dict[int, Fraction] | None:
    """Power -> coefficient of a sum of monomials in x, each power at most once, else ``None``.

    >>> parse_expanded("3x^2 - x + 5") == {2: 3, 1: -1, 0: 5}, parse_expanded("2x+3x")
    (True, None)
    """
    s = squash(strip_label(text))
    terms: dict[int, Fraction] = {}
    pos = 0
    while pos < len(s):
        m = _POLY_TERM.match(s, pos)
        sign, coefficient, var, power = m.groups()
        if m.end() == pos or (pos and not sign) or (coefficient is None and var is None):
            return None
        k = int(power) if power else int(var is not None)
        if k in terms:
            return None
        value = parse_rational(coefficient.strip("()")) if coefficient else Fraction(1)
        if value is None:
            return None
        terms[k] = -value if sign == "-" else value
        pos = m.end()
    return {k: c for k, c in terms.items() if c} if terms else None


class ExpandedPolynomialAnswer:
    """The answer is a polynomial with like terms combined (any term order, any spacing)."""

    def check_answer(self, problem: Problem, text: str) -> bool:
        got = parse_expanded(text)
        return got is not None and got == parse_expanded(problem.answer)


# -- tier 0 ------------------------------------------------------------------------------------


class PolynomialEvaluation(IntegerAnswer, _Algebra):
    name = "polynomial_evaluation"
    tier = 0
    pattern = "formula_substitution"
    prerequisites = ("addition", "subtraction")
    summary = "Evaluate a polynomial at an integer: one term value per step, then their sum."
    difficulty_doc = (
        "Degree 1 + (level-1)//3 (1..4); coefficients up to 2+2*level in size and x up to "
        "1+level//2; negative numbers from level 4."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        degree, size, negative = 1 + (difficulty - 1) // 3, 2 + 2 * difficulty, difficulty >= 4
        coefficients = [_draw(rng, size, negative=negative) for _ in range(degree)]
        coefficients.append(_nonzero(rng, size) if negative else int(rng.integers(1, size + 1)))
        x = _draw(rng, 1 + difficulty // 2, negative=negative)
        values = [c * x**k for k, c in enumerate(coefficients)]
        steps = [
            f"{c}*({x}){'' if k == 1 else f'^{k}'}={c * x**k}"
            for k, c in reversed(list(enumerate(coefficients)))
            if k and c
        ]
        terms = [str(v) for k, v in reversed(list(enumerate(values))) if coefficients[k]]
        if len(terms) > 1:
            steps.append(f"{signed_join(terms)}={sum(values)}")
        prompt = (
            f"Evaluate f(x)={poly_text(coefficients)} at x={x}: one step per term (c*(x)^k=value), "
            "then the sum. Answer an integer."
        )
        return self.make(
            difficulty, prompt, steps, str(sum(values)), x=x, coefficients=coefficients
        )


class CombineLikeTerms(ExpandedPolynomialAnswer, _Algebra):
    name = "combine_like_terms"
    tier = 0
    pattern = "symbolic_manipulation"
    prerequisites = ("addition", "subtraction")
    summary = "Simplify a sum of monomials by adding the coefficients of each power of x."
    difficulty_doc = (
        "2+level terms in powers up to 1 (levels 1-4), 2 (5-8) or 3 (9-10); coefficients up "
        "to 5+level in size."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        # More terms than powers, so some power always occurs twice and there is work to do.
        top, size = 1 + (difficulty - 1) // 4, 5 + difficulty
        terms = [
            (_nonzero(rng, size), int(rng.integers(0, top + 1))) for _ in range(2 + difficulty)
        ]
        steps, combined = [], [0] * (top + 1)
        for power in range(top, -1, -1):
            like = [c for c, k in terms if k == power]
            combined[power] = sum(like)
            if len(like) > 1:
                total = monomial_text(sum(like), power) if sum(like) else "0"
                steps.append(f"{signed_join([monomial_text(c, power) for c in like])}={total}")
        expression = signed_join([monomial_text(c, k) for c, k in terms])
        prompt = (
            f"Simplify {expression} by combining like terms, highest power first (one step per "
            "power that occurs more than once). Answer the simplified polynomial."
        )
        return self.make(difficulty, prompt, steps, poly_text(combined), terms=terms)


# -- tier 1 ------------------------------------------------------------------------------------


def _exponent(n: int) -> str:
    """An exponent after ``^``: negatives in parentheses, ``x^(-2)``."""
    return str(n) if n >= 0 else f"({n})"


def _x_to(n: int) -> str:
    return f"x^{_exponent(n)}"


_POWER_OF_X = re.compile(r"x\^\(?([+-]?\d{1,4})\)?|x|1/x\^\(?(\d{1,4})\)?|1/x|1")


def parse_power_of_x(text: str) -> int | None:
    """The exponent n of an answer ``x^n`` (or ``x``, ``1``, ``1/x^m``, ``x^(-m)``), else ``None``."""
    text = squash(strip_label(text))
    m = _POWER_OF_X.fullmatch(text)
    if not m:
        return None
    if m.group(1) is not None:
        return int(m.group(1))
    if m.group(2) is not None:
        return -int(m.group(2))
    return {"x": 1, "1/x": -1, "1": 0}[text]


class ExponentRules(_Algebra):
    name = "exponent_rules"
    tier = 1
    pattern = "symbolic_manipulation"
    prerequisites = ("powers", "combine_like_terms")
    summary = "Simplify a chain of products, quotients and powers of x to a single x^n."
    difficulty_doc = (
        "1 + level//2 operations (1..6) on exponents up to 2 + level//2; negative exponents "
        "from level 5, a second power-of-a-power and negative outer powers from level 6."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        size = 2 + difficulty // 2
        exponent = int(rng.integers(1, size + 1))
        expression, steps = _x_to(exponent), []
        powers_left = 1 if difficulty < 6 else 2
        for _ in range(1 + difficulty // 2):
            kind = int(rng.integers(0, 3 if powers_left else 2))
            if kind == 2:
                powers_left -= 1
                c = int(rng.choice([2, 3, -2] if difficulty >= 6 else [2, 3]))
                steps.append(f"({_x_to(exponent)})^{_exponent(c)}={_x_to(exponent * c)}")
                expression, exponent = f"({expression})^{_exponent(c)}", exponent * c
                continue
            b = _nonzero(rng, size) if difficulty >= 5 else int(rng.integers(1, size + 1))
            op, result = ("*", exponent + b) if kind == 0 else ("/", exponent - b)
            steps.append(f"{_x_to(exponent)}{op}{_x_to(b)}={_x_to(result)}")
            expression, exponent = f"{expression}{op}{_x_to(b)}", result
        prompt = (
            f"Simplify {expression} (x is not 0) with the exponent rules, one operation per step "
            "from the innermost parentheses outwards. Answer x^n for an integer n (a negative n "
            "in parentheses)."
        )
        return self.make(difficulty, prompt, steps, _x_to(exponent), exponent=exponent)

    def check_answer(self, problem: Problem, text: str) -> bool:
        return parse_power_of_x(text) == problem.meta["exponent"]


def _product_steps(p: list[int], q: list[int]) -> tuple[list[str], list[int]]:
    """Distribute each term of p (highest first) over q, then add the partial products."""
    steps, partials = [], []
    for k in range(len(p) - 1, -1, -1):
        if p[k]:
            partials.append(poly_text([0] * k + [p[k] * c for c in q]))
            steps.append(f"{monomial_text(p[k], k)}*({poly_text(q)})={partials[-1]}")
    product = poly_mul(p, q)
    if len(partials) > 1:
        steps.append(f"{signed_join(partials)}={poly_text(product)}")
    return steps, product


class _Product(ExpandedPolynomialAnswer, _Algebra):
    pattern = "symbolic_manipulation"

    def factors(self, rng: np.random.Generator, difficulty: int) -> tuple[list[int], list[int]]:
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        p, q = self.factors(rng, difficulty)
        steps, product = _product_steps(p, q)
        prompt = (
            f"Expand ({poly_text(p)})({poly_text(q)}): multiply each term of the first factor "
            "(highest power first) by the second factor, then combine like terms. Answer the "
            "expanded polynomial."
        )
        return self.make(difficulty, prompt, steps, poly_text(product), p=p, q=q)


class ExpandBinomials(_Product):
    name = "expand_binomials"
    tier = 1
    prerequisites = ("multiplication", "combine_like_terms")
    summary = "Expand a product of two binomials (ax+b)(cx+d) term by term."
    difficulty_doc = (
        "Constants up to 2+level in size; leading coefficients are 1 up to level 3, then up to "
        "1+level//3 in size and possibly negative."
    )

    def factors(self, rng: np.random.Generator, difficulty: int) -> tuple[list[int], list[int]]:
        lead = 1 + difficulty // 3
        a, c = (1, 1) if difficulty <= 3 else (_nonzero(rng, lead), _nonzero(rng, lead))
        return [_nonzero(rng, 2 + difficulty), a], [_nonzero(rng, 2 + difficulty), c]


_MULTIPLICATION_DEGREES = [
    (1, 2),
    (2, 2),
    (2, 2),
    (2, 3),
    (2, 3),
    (3, 3),
    (3, 3),
    (3, 3),
    (3, 4),
    (4, 3),
]


class PolynomialMultiplication(_Product):
    name = "polynomial_multiplication"
    tier = 2
    prerequisites = ("expand_binomials",)
    summary = "Multiply two polynomials: distribute each term, then combine like terms."
    difficulty_doc = (
        "Degrees grow from 1x2 (level 1) through 2x3 (level 5) to 4x3 (level 10); coefficients "
        "up to 2 + level//3 in size."
    )

    def factors(self, rng: np.random.Generator, difficulty: int) -> tuple[list[int], list[int]]:
        size = 2 + difficulty // 3

        def draw(degree: int) -> list[int]:
            return [_draw(rng, size) for _ in range(degree)] + [_nonzero(rng, size)]

        dp, dq = _MULTIPLICATION_DEGREES[difficulty - 1]
        return draw(dp), draw(dq)


_FUNCTION_NAMES = "fghp"


class FunctionComposition(IntegerAnswer, _Algebra):
    name = "function_composition"
    tier = 1
    pattern = "recursive_decomposition"
    prerequisites = ("polynomial_evaluation", "multiplication")
    summary = "Evaluate a composition like f(g(h(2))) from the inside out."
    difficulty_doc = (
        "2 functions (levels 1-4), 3 (5-8) or 4 (9-10); linear ones up to level 2, then one "
        "quadratic, two from level 8; coefficients up to 2+level//2 in size."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        count, size = 2 + (difficulty - 1) // 4, 2 + difficulty // 2
        quadratics = 0 if difficulty <= 2 else 1 if difficulty < 8 else 2

        def draw() -> tuple[list[list[int]], int]:
            squared = set(rng.choice(count, size=quadratics, replace=False).tolist())
            functions = [
                [_draw(rng, size), _nonzero(rng, size)]
                + ([_nonzero(rng, 2)] if i in squared else [])
                for i in range(count)
            ]
            return functions, _draw(rng, 3 if quadratics else size)

        def values(candidate: tuple[list[list[int]], int]) -> list[int]:
            out = [candidate[1]]
            for f in reversed(candidate[0]):
                out.append(poly_eval(f, out[-1]))
            return out

        functions, x = draw_until(
            draw, lambda c: max(map(abs, values(c))) < 10**6, ([[1, 2]] * count, 1)
        )
        chain = values((functions, x))
        names = _FUNCTION_NAMES[:count]
        steps = [f"{name}({v})={w}" for name, v, w in zip(reversed(names), chain, chain[1:])]
        definitions = ", ".join(f"{n}(x)={poly_text(f)}" for n, f in zip(names, functions))
        call = "".join(f"{n}(" for n in names) + str(x) + ")" * count
        prompt = (
            f"Let {definitions}. Compute {call} from the inside out, one function per step "
            "(name(input)=value). Answer an integer."
        )
        return self.make(difficulty, prompt, steps, str(chain[-1]), functions=functions, x=x)


# -- tier 2 ------------------------------------------------------------------------------------


def _linear_problem(
    rng: np.random.Generator, difficulty: int, relation: str
) -> tuple[str, list[str], int, int]:
    """A linear equation or inequality ``lhs rel rhs`` reducing to ``A x rel B``.

    Returns its text, the steps down to ``A x rel B`` (expand, collect x, collect numbers) and
    A, B. Levels 1-2 have x on one side only; from level 6 the left side needs distributing.
    """
    size = 3 + 2 * difficulty
    a, b, d = _nonzero(rng, size), _nonzero(rng, size), _draw(rng, size)
    c = 0 if difficulty <= 2 else _draw(rng, size)
    if a == c:
        c = a + 1
    steps = []
    lhs = poly_text([b, a])
    if difficulty >= 6:
        k = int(rng.integers(2, 3 + difficulty // 3)) * (1 if chance(rng, 0.5) else -1)
        inner, outside = [_nonzero(rng, size // 2), _nonzero(rng, 4)], _draw(rng, size)
        a, b = k * inner[1], k * inner[0] + outside
        if a == c:
            c = a + 1
        lhs = signed_join(
            [f"{'-' if k == -1 else k}({poly_text(inner)})", *([str(outside)] if outside else [])]
        )
        steps.append(f"{poly_text([b, a])}{relation}{poly_text([d, c])}")
    if c:
        steps.append(f"{poly_text([b, a - c])}{relation}{d}")
    if b:
        steps.append(f"{monomial_text(a - c, 1)}{relation}{d - b}")
    return f"{lhs}{relation}{poly_text([d, c])}", steps, a - c, d - b


class LinearEquation(ReducedRationalAnswer, _Algebra):
    name = "linear_equation"
    tier = 2
    pattern = "symbolic_manipulation"
    prerequisites = ("combine_like_terms", "division")
    summary = "Solve a linear equation ax+b=cx+d by isolating x, one move per step."
    difficulty_doc = (
        "Coefficients up to 3+2*level in size; x on one side only at levels 1-2, on both sides "
        "from level 3, and a product k(ax+b) to distribute first from level 6."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        equation, steps, a, b = _linear_problem(rng, difficulty, "=")
        x = Fraction(b, a)
        if a != 1 or not steps:
            steps.append(f"x={number_text(x)}")
        prompt = (
            f"Solve for x: {equation}. Move x terms left and numbers right, then divide. Answer "
            "x as an integer, a fraction in lowest terms or an exact decimal."
        )
        return self.make(difficulty, prompt, steps, number_text(x))


class QuadraticRoots(RationalSetAnswer, _Algebra):
    name = "quadratic_roots"
    tier = 2
    pattern = "formula_substitution"
    prerequisites = ("linear_equation", "multiplication")
    summary = "Roots of a quadratic with rational roots by the quadratic formula."
    difficulty_doc = (
        "Levels 1-4: monic, integer roots up to 2+2*level; 5-7: a leading factor up to the level; "
        "8-10: rational roots with denominators up to level-5, one never an integer. About 1 in 7 "
        "has a double root."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        size = 2 + 2 * difficulty
        k = 1 if difficulty <= 4 or difficulty > 7 else int(rng.integers(2, difficulty + 1))
        if difficulty <= 7:
            roots = [Fraction(_draw(rng, size)) for _ in range(2)]
        else:  # the first root is never an integer, so the leading coefficient exceeds 1
            denominators = [
                int(rng.integers(2, difficulty - 4)),
                int(rng.integers(1, difficulty - 4)),
            ]
            roots = [Fraction(_draw(rng, size), den) for den in denominators]
            if roots[0].denominator == 1:
                roots[0] += Fraction(1, denominators[0])
        if chance(rng, 0.15):
            roots[1] = roots[0]
        c, b, a = poly_mul(
            [-k * roots[0].numerator, k * roots[0].denominator],
            [-roots[1].numerator, roots[1].denominator],
        )
        discriminant = b * b - 4 * a * c
        root = isqrt(discriminant)
        steps = [f"D={paren(b)}^2-4*{a}*{paren(c)}={discriminant}", f"√D={root}"]
        for sign in ("+", "-") if root else ("+",):
            value = Fraction(-b + (root if sign == "+" else -root), 2 * a)
            steps.append(f"x=({-b}{sign}{root})/{2 * a}={number_text(value)}")
        answer = ", ".join(number_text(r) for r in sorted(set(roots)))
        prompt = (
            f"Solve {poly_text([c, b, a])}=0 with the quadratic formula: D=b^2-4ac, √D, then "
            "x=(-b+√D)/(2a) and x=(-b-√D)/(2a). Answer the real roots separated by commas in any "
            "order (a double root once), as integers or fractions."
        )
        return self.make(difficulty, prompt, steps, answer, coefficients=[c, b, a])


_LOG_BASES = [
    (2, 3, 5),
    (2, 3, 5, 6, 7, 10, 11, 12, 13, 14, 15),
    (2, 3, 5, 6, 7, 10, 11, 12, 13, 14, 15, 17, 19, 20, 21, 22, 23),
]


class ExactLogarithm(ReducedRationalAnswer, _Algebra):
    name = "exact_logarithm"
    tier = 2
    pattern = "formula_substitution"
    prerequisites = ("powers", "division")
    summary = "log_b(a) exactly, by writing a and b as powers of one common base."
    difficulty_doc = (
        "Levels 1-3: b is 2, 3 or 5 and a a power of b; from level 4 common bases up to 15 (23 "
        "from level 7), the "
        "base itself a square (and from 5 a cube) of the common base, a may be a reciprocal, "
        "and exponents reach 2+level."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        c = int(rng.choice(_LOG_BASES[(difficulty > 3) + (difficulty > 6)]))
        m = int(rng.integers(1, 2 + (difficulty > 3) + (difficulty > 4)))
        top = 2 + difficulty
        n = int(rng.integers(0, top + 1)) if difficulty <= 3 else _nonzero(rng, top)
        base = c**m
        argument = str(c**n) if n >= 0 else f"1/{c**-n}"
        value = Fraction(n, m)
        steps = [
            f"{base}={c}^{m}",
            f"{argument}={c}^{_exponent(n)}",
            f"log_{base}({argument})={n}/{m}={number_text(value)}",
        ]
        prompt = (
            f"Compute log_{base}({argument}) exactly by writing both numbers as powers of the "
            "same base. Answer an integer or a fraction in lowest terms."
        )
        return self.make(difficulty, prompt, steps, number_text(value))


class LineThroughPoints(ExpressionAnswer, _Algebra):
    name = "line_through_points"
    tier = 2
    pattern = "formula_substitution"
    prerequisites = ("fraction_addition", "division")
    summary = "The line y=mx+b through two points: slope first, then intercept."
    difficulty_doc = "Coordinates up to 2+2*level in size (non-negative at levels 1-2)."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        size, negative = 2 + 2 * difficulty, difficulty > 2
        x1, y1, y2 = (_draw(rng, size, negative=negative) for _ in range(3))
        x2 = _draw(rng, size, negative=negative)
        if x2 == x1:
            x2 = x1 + int(rng.integers(1, 4))
        m = Fraction(y2 - y1, x2 - x1)
        b = y1 - m * x1
        steps = [
            f"m=({y2}-{paren(y1)})/({x2}-{paren(x1)})={number_text(m)}",
            f"b={y1}-{paren(m)}*{paren(x1)}={number_text(b)}",
        ]
        answer = f"y={poly_text([b, m])}"
        prompt = (
            f"Find the line through ({x1}, {y1}) and ({x2}, {y2}): m=(y2-y1)/(x2-x1), then "
            "b=y1-m*x1. Answer in the form y=mx+b with exact fractions."
        )
        return self.make(difficulty, prompt, steps, answer)


# -- tier 3 ------------------------------------------------------------------------------------


def _scale_text(k: int) -> str:
    """A leading factor before parentheses: nothing for 1, ``-`` for -1, else the number."""
    return "" if k == 1 else "-" if k == -1 else str(k)


def _linear_factors(expression) -> list | None:
    """The factors of a product (nested products flattened), or ``None`` for a non-product."""
    if expression.is_Mul:
        out = []
        for arg in expression.args:
            out.extend(_linear_factors(arg) or [arg])
        return out
    return [expression]


class FactoredQuadraticAnswer:
    """The answer is the quadratic written as a constant times linear factors with integer,
    coprime coefficients (``2(x+1)(x-3)``, ``(x+3)^2``), in any order; expanded forms are wrong."""

    def check_answer(self, problem: Problem, text: str) -> bool:
        import sympy

        x = sympy.Symbol("x")
        got, expected = parse_expression(strip_label(text)), parse_expression(problem.answer)
        if got is None or expected is None:
            return False
        try:
            if sympy.expand((got - expected).doit()) != 0:
                return False
            degree = 0
            for factor in _linear_factors(got):
                base, exponent = factor.as_base_exp()
                if base.is_number:
                    continue
                coefficients = sympy.Poly(base, x).all_coeffs()
                if not (
                    exponent.is_Integer
                    and exponent > 0
                    and len(coefficients) == 2
                    and all(c.is_Integer for c in coefficients)
                    and gcd(*map(int, coefficients)) == 1
                ):
                    return False
                degree += int(exponent)
        except (sympy.SympifyError, sympy.PolynomialError, TypeError, ValueError):
            return False
        return degree == 2


class FactorQuadratic(FactoredQuadraticAnswer, _Algebra):
    name = "factor_quadratic"
    tier = 3
    pattern = "construction_and_verification"
    prerequisites = ("quadratic_roots", "expand_binomials")
    summary = "Factor ax^2+bx+c over the integers by splitting the middle term (the ac method)."
    difficulty_doc = (
        "Factors (px+q)(rx+s) with p, r up to 1+(level+1)//3 and q, s up to 2+level in size; from "
        "level 6 one p is at least 2 and there may be a common factor (2, 3 or -1) to pull out."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        def draw_factor(least: int) -> tuple[int, int]:
            p = int(rng.integers(least, 2 + (difficulty + 1) // 3))
            q = _nonzero(rng, 2 + difficulty)
            while gcd(p, q) != 1:  # ends within p steps: some q = 1 (mod p) comes up
                q += 1 if q > 0 else -1
            return p, q

        (p, q), (r, s) = sorted(
            (draw_factor(1 + (difficulty >= 6)), draw_factor(1))
        )  # one canonical order per prompt
        k = int(rng.choice([1, 1, 2, 3, -1])) if difficulty >= 6 else 1
        a, b, c = p * r, p * s + q * r, q * s
        steps = []
        if k != 1:
            steps.append(
                f"{poly_text([k * c, k * b, k * a])}={_scale_text(k)}({poly_text([c, b, a])})"
            )
        steps += [
            f"a*c={a}*{paren(c)}={a * c}",
            f"{p * s}*{paren(q * r)}={a * c}, {p * s}+{paren(q * r)}={b}",
            signed_join(
                [monomial_text(a, 2), monomial_text(p * s, 1), monomial_text(q * r, 1), str(c)]
            ),
            signed_join(
                [f"{monomial_text(p, 1)}({poly_text([s, r])})", f"{q}({poly_text([s, r])})"]
            ),
        ]
        answer = f"{_scale_text(k)}({poly_text([q, p])})({poly_text([s, r])})"
        prompt = (
            f"Factor {poly_text([k * c, k * b, k * a])} over the integers: pull out a common "
            "factor, find two numbers with product ac and sum b, split bx, group. Answer as a "
            "product of linear factors."
        )
        return self.make(difficulty, prompt, steps, answer)


_INEQUALITIES = ("<", "≤", ">", "≥")
_FLIPPED = {"<": ">", "≤": "≥", ">": "<", "≥": "≤"}
_INFINITY = {"∞", "+∞", "inf", "+inf", "infinity", "+infinity", "oo"}


def parse_half_line(text: str) -> tuple[Fraction, str] | None:
    """``(a, ∞)``, ``[a, ∞)``, ``(-∞, a)``, ``(-∞, a]``, ``x>a``, ``a≥x``... as (a, relation of x to a)."""
    s = squash(text).lower().replace("<=", "≤").replace(">=", "≥")
    if s[:1] in "([" and s[-1:] in ")]" and s.count(",") == 1:
        left, right = s[1:-1].split(",")
        if right in _INFINITY and s[-1] == ")" and (value := parse_rational(left)) is not None:
            return value, ">" if s[0] == "(" else "≥"
        if left in {"-" + i.lstrip("+") for i in _INFINITY} and s[0] == "(":
            value = parse_rational(right)
            return (value, "<" if s[-1] == ")" else "≤") if value is not None else None
        return None
    if m := re.fullmatch(r"x([<≤>≥])(.+)", s):
        value, relation = parse_rational(m.group(2)), m.group(1)
    elif m := re.fullmatch(r"(.+)([<≤>≥])x", s):
        value, relation = parse_rational(m.group(1)), _FLIPPED[m.group(2)]
    else:
        return None
    return (value, relation) if value is not None else None


class LinearInequality(_Algebra):
    name = "linear_inequality"
    tier = 3
    pattern = "comparison_and_ordering"
    prerequisites = ("linear_equation", "comparison")
    summary = "Solve a linear inequality; dividing by a negative number flips it. Interval answer."
    difficulty_doc = (
        "As linear_equation: coefficients up to 3+2*level, x on both sides from level 3, a "
        "product to distribute from level 6."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        relation = _INEQUALITIES[int(rng.integers(0, 4))]
        inequality, steps, a, b = _linear_problem(rng, difficulty, relation)
        bound = Fraction(b, a)
        final = _FLIPPED[relation] if a < 0 else relation
        if a != 1 or not steps:
            steps.append(f"x{final}{number_text(bound)}")
        value = number_text(bound)
        answer = {
            "<": f"(-∞, {value})",
            "≤": f"(-∞, {value}]",
            ">": f"({value}, ∞)",
            "≥": f"[{value}, ∞)",
        }[final]
        prompt = (
            f"Solve {inequality} for x: move x terms left and numbers right, then divide "
            "(flip the sign when dividing by a negative). Answer in interval notation with ∞, "
            "like (-∞, a] or (a, ∞), with an exact endpoint."
        )
        return self.make(difficulty, prompt, steps, answer, bound=str(bound), relation=final)

    def check_answer(self, problem: Problem, text: str) -> bool:
        return parse_half_line(text) == (Fraction(problem.meta["bound"]), problem.meta["relation"])


def _equation_text(row: list[int], unknowns: str) -> str:
    terms = [monomial_text(c, 1, v) for c, v in zip(row[:-1], unknowns) if c]
    return f"{signed_join(terms)}={row[-1]}"


def _eliminate(first: list[int], second: list[int], column: int) -> tuple[int, int, list[int]]:
    """Multipliers m, n > 0 first and ``m*second - n*first``, which lacks unknown ``column``."""
    g = gcd(first[column], second[column])
    m, n = first[column] // g, second[column] // g
    if m < 0:
        m, n = -m, -n
    return m, n, [m * u - n * v for u, v in zip(second, first)]


def _back_substitution(row: list[int], known: dict[str, int], unknowns: str, var: str) -> list[str]:
    """Put the known values into ``row``, then divide by the coefficient of ``var``."""
    coefficient = row[unknowns.index(var)]
    rest = row[-1] - sum(row[unknowns.index(v)] * value for v, value in known.items())
    steps = [f"{monomial_text(coefficient, 1, var)}={rest}"]
    if coefficient != 1:
        steps.append(f"{var}={rest // coefficient}")
    return steps


_FALLBACK_SYSTEMS = {
    2: ([[1, 1], [1, -1]], [1, 2]),
    3: ([[1, 1, 1], [1, -1, 2], [2, 1, -1]], [1, 2, 3]),
}


class _LinearSystem(AssignmentAnswer, _Algebra):
    """Solve n equations in n unknowns by elimination with integer multipliers."""

    pattern = "linear_algebra"
    unknowns: str

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n, coefficient_size, value_size = len(self.unknowns), *self.sizes(difficulty)

        def draw() -> tuple[list[list[int]], list[int]]:
            matrix = [[_nonzero(rng, coefficient_size) for _ in range(n)] for _ in range(n)]
            return matrix, [_draw(rng, value_size) for _ in range(n)]

        def rows(candidate: tuple[list[list[int]], list[int]]) -> list[list[int]]:
            matrix, solution = candidate
            return [r + [sum(c * v for c, v in zip(r, solution))] for r in matrix]

        fallback = _FALLBACK_SYSTEMS[n]
        matrix, solution = draw_until(
            draw, lambda c: self.elimination(rows(c)) is not None, fallback
        )
        equations = rows((matrix, solution))
        steps, triangle = self.elimination(equations)
        known: dict[str, int] = {}
        for i in reversed(range(n)):
            var, row = self.unknowns[i], triangle[i]
            if i < n - 1:
                steps += _back_substitution(row, known, self.unknowns, var)
            elif row[i] != 1:  # the last elimination step already shows this row
                steps.append(f"{var}={row[-1] // row[i]}")
            known[var] = solution[i]
        system = ", ".join(
            f"({i + 1}) {_equation_text(r, self.unknowns)}" for i, r in enumerate(equations)
        )
        answer = ", ".join(f"{v}={value}" for v, value in zip(self.unknowns, solution))
        prompt = (
            f"Solve by elimination: {system}. Eliminate with integer multiples (m×(j)-n×(i)), "
            f"then substitute back. Answer as {', '.join(f'{v}=...' for v in self.unknowns)}."
        )
        return self.make(
            difficulty, prompt, steps, answer, unknowns=self.unknowns, solution=solution
        )

    def sizes(self, difficulty: int) -> tuple[int, int]:
        raise NotImplementedError

    def elimination(self, equations: list[list[int]]) -> tuple[list[str], list[list[int]]] | None:
        """Steps and triangular rows (the first is equation (1)), or ``None`` on a zero pivot."""
        steps, labels, rows, triangle = [], list(range(1, len(equations) + 1)), equations, []
        next_label = len(equations) + 1
        for column in range(len(equations) - 1):
            pivot, rest, new_labels, new_rows = rows[0], rows[1:], [], []
            if pivot[column] == 0:
                return None
            triangle.append(pivot)
            for label, row in zip(labels[1:], rest):
                m, n, combined = _eliminate(pivot, row, column)
                if combined[column + 1] == 0 or row[column] == 0:
                    return None
                steps.append(
                    f"({next_label})={m}×({label})-{paren(n)}×({labels[0]}): "
                    f"{_equation_text(combined, self.unknowns)}"
                )
                new_labels.append(next_label)
                new_rows.append(combined)
                next_label += 1
            labels, rows = new_labels, new_rows
        triangle.append(rows[0])
        return steps, triangle


class LinearSystem2(_LinearSystem):
    name = "linear_system_2"
    tier = 3
    prerequisites = ("linear_equation",)
    unknowns = "xy"
    summary = "Two linear equations in x, y by elimination, then back substitution."
    difficulty_doc = "Coefficients up to 1+level//2 in size (never 0); solutions up to 2+level."

    def sizes(self, difficulty: int) -> tuple[int, int]:
        return 1 + difficulty // 2, 2 + difficulty


class LinearSystem3(_LinearSystem):
    name = "linear_system_3"
    tier = 4
    prerequisites = ("linear_system_2",)
    unknowns = "xyz"
    summary = "Three linear equations in x, y, z by Gaussian elimination, then back substitution."
    difficulty_doc = "Coefficients up to 1+level//3 in size (never 0); solutions up to 1+level//2."

    def sizes(self, difficulty: int) -> tuple[int, int]:
        return 1 + difficulty // 3, 1 + difficulty // 2


class AbsoluteValueEquation(RationalSetAnswer, _Algebra):
    name = "absolute_value_equation"
    tier = 3
    pattern = "logical_deduction"
    prerequisites = ("linear_equation",)
    summary = "Solve |ax+b|=c or |ax+b|=cx+d by cases, rejecting roots that fail the check."
    difficulty_doc = (
        "Levels 1-4: |ax+b|=c (c may be 0 or negative); levels 5-10: |ax+b|=cx+d, where each "
        "case's root is kept only if cx+d>=0 there. Coefficients up to 2+level in size."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        size = 2 + difficulty
        a, b = _nonzero(rng, 1 + difficulty // 2), _draw(rng, size)
        inside = poly_text([b, a])
        if difficulty <= 4:
            c, kind = 0, rng.random()
            d = abs(_nonzero(rng, size)) * (1 if kind < 0.7 else 0 if kind < 0.85 else -1)
        else:
            c = _nonzero(rng, 1 + difficulty // 2)
            if abs(c) == abs(a):
                c += 1 if c > 0 else -1
            d = _draw(rng, size)
        right = poly_text([d, c])
        steps, solutions = [], set()
        if c == 0 and d < 0:
            steps.append(f"{d}<0: no solution")
        for sign in (1, -1) if (c or d > 0) else (1,) if d == 0 else ():
            root = Fraction(sign * d - b, a - sign * c)
            case = right if sign == 1 else f"-({right})" if c else str(-d)
            steps.append(f"{inside}={case}: x={number_text(root)}")
            value = c * root + d
            if c:
                verdict = "keep" if value >= 0 else "reject"
                steps.append(f"{c}*{paren(root)}+{paren(d)}={number_text(value)}: {verdict}")
            if value >= 0:
                solutions.add(root)
        answer = ", ".join(number_text(v) for v in sorted(solutions)) or "none"
        prompt = (
            f"Solve |{inside}|={right}: split into the cases inside=right side and "
            "inside=-(right side), then check each root (the right side must be >= 0). Answer the "
            "solutions separated by commas in any order, or none."
        )
        return self.make(difficulty, prompt, steps, answer)
