"""Calculus: derivatives, integrals, limits, series, ODEs and transforms of simple functions.

Every function here is a polynomial (or a sum of textbook functions with known rules), held as
integer or ``Fraction`` coefficients, so samples are built as text without sympy; sympy only
grades the answers, which can be written in many equivalent forms.
"""

from __future__ import annotations

from fractions import Fraction
from math import factorial

import numpy as np

from engram_env.answers import parse_expression
from engram_env.generator import Generator
from engram_env.generators._common import (
    chance,
    exact_text,
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
    ExpressionAnswer,
    IntegerAnswer,
    RationalAnswer,
    SpacingFreeSteps,
    squash,
)


class _Calculus(SpacingFreeSteps, Generator):
    domain = "calculus"


def _nonzero(rng: np.random.Generator, size: int) -> int:
    """A uniform integer in ``-size..size`` other than 0."""
    value = int(rng.integers(1, size + 1))
    return -value if chance(rng, 0.5) else value


def _polynomial(
    rng: np.random.Generator, degree: int, size: int, terms: int | None = None
) -> list[int]:
    """A polynomial of exactly ``degree`` with coefficients up to ``size``; with ``terms``, only
    that many nonzero terms (the leading one included)."""
    coefficients = [int(rng.integers(-size, size + 1)) for _ in range(degree)] + [
        _nonzero(rng, size)
    ]
    if terms is not None and terms <= degree:
        kept = set(rng.choice(degree, size=terms - 1, replace=False).tolist())
        coefficients = [
            c if k in kept else 0 for k, c in enumerate(coefficients[:-1])
        ] + coefficients[-1:]
    return coefficients


def _derivative(coefficients: list) -> list:
    return [k * c for k, c in enumerate(coefficients)][1:] or [0]


def _poly_add(p: list, q: list, sign: int = 1) -> list:
    """Coefficients of p + sign*q."""
    width = max(len(p), len(q))
    return [a + sign * b for a, b in zip(p + [0] * (width - len(p)), q + [0] * (width - len(q)))]


def _antiderivative(coefficients: list) -> list[Fraction]:
    return [Fraction(0)] + [Fraction(c, k + 1) for k, c in enumerate(coefficients)]


def _power_rule_steps(coefficients: list, step) -> list[str]:
    """One step per nonzero term, highest power first: ``step(term) -> result`` as text."""
    return [step(c, k) for k, c in reversed(list(enumerate(coefficients))) if c]


# -- derivatives --------------------------------------------------------------------------------


class PolynomialDerivative(ExpressionAnswer, _Calculus):
    name = "polynomial_derivative"
    tier = 2
    pattern = "symbolic_manipulation"
    prerequisites = ("polynomial_evaluation", "multiplication")
    summary = "Differentiate a polynomial with the power rule, one term per step."
    difficulty_doc = (
        "Degree 1 + (level+1)//2 (2..6) with 2 + level//3 nonzero terms; coefficients up to "
        "2 + level in size."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        degree = 1 + (difficulty + 1) // 2
        f = _polynomial(rng, degree, 2 + difficulty, terms=2 + difficulty // 3)
        steps = _power_rule_steps(
            f, lambda c, k: f"d/dx({monomial_text(c, k)})={monomial_text(c * k, k - 1) if k else 0}"
        )
        prompt = (
            f"Differentiate f(x)={poly_text(f)} with the power rule, one term per step "
            "(d/dx(term)=result). Answer f'(x)."
        )
        return self.make(difficulty, prompt, steps, poly_text(_derivative(f)), f=f)


class ProductRule(ExpressionAnswer, _Calculus):
    name = "product_rule"
    tier = 3
    pattern = "symbolic_manipulation"
    prerequisites = ("polynomial_derivative", "polynomial_multiplication")
    summary = "Differentiate a product of two polynomials with (uv)'=u'v+uv'."
    difficulty_doc = (
        "u and v have degree 1 (levels 1-3), up to 2 (4-7) or up to 3 (8-10); coefficients up "
        "to 2 + level//2 in size."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        top, size = 1 + (difficulty >= 4) + (difficulty >= 8), 2 + difficulty // 2
        u = _polynomial(rng, int(rng.integers(1, top + 1)), size)
        v = _polynomial(rng, top, size)
        du, dv = _derivative(u), _derivative(v)
        first, second = poly_mul(du, v), poly_mul(u, dv)
        total = _poly_add(first, second)
        steps = [
            f"u'={poly_text(du)}",
            f"v'={poly_text(dv)}",
            f"u'v=({poly_text(du)})({poly_text(v)})={poly_text(first)}",
            f"uv'=({poly_text(u)})({poly_text(dv)})={poly_text(second)}",
            f"u'v+uv'={poly_text(total)}",
        ]
        prompt = (
            f"Differentiate f(x)=({poly_text(u)})({poly_text(v)}) with the product rule "
            "(uv)'=u'v+uv': u', v', then u'v and uv' expanded, then their sum. Answer f'(x)."
        )
        return self.make(difficulty, prompt, steps, poly_text(total), u=u, v=v)


def _substitute(coefficients: list[int], inner: str) -> str:
    """A polynomial in u with u replaced by ``(inner)``: ``3(x^2+1)^4-2(x^2+1)``."""
    terms = []
    for k, c in reversed(list(enumerate(coefficients))):
        if not c:
            continue
        if k == 0:
            terms.append(str(c))
            continue
        head = "" if c == 1 else "-" if c == -1 else str(c)
        terms.append(f"{head}({inner}){'' if k == 1 else f'^{k}'}")
    return signed_join(terms)


class ChainRule(ExpressionAnswer, _Calculus):
    name = "chain_rule"
    tier = 4
    pattern = "symbolic_manipulation"
    prerequisites = ("product_rule",)
    summary = "Differentiate a polynomial of a polynomial, y=f(u(x)), with dy/dx=dy/du*du/dx."
    difficulty_doc = (
        "Levels 1-3: (ax+b)^n; 4-6: (quadratic)^n; 7-10: a two-term polynomial in a quadratic. "
        "Exponents up to 2 + level//2 (at most 7), coefficients up to 1 + level//2."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        size, top = 1 + difficulty // 2, min(2 + difficulty // 2, 7)
        inner = _polynomial(rng, 1 if difficulty <= 3 else 2, size)
        n = int(rng.integers(2, top + 1))
        outer = [0] * n + [1]
        if difficulty >= 7:
            outer[-1] = _nonzero(rng, size)
            outer[int(rng.integers(1, n))] = _nonzero(rng, size)
        u_text, du = poly_text(inner), _derivative(inner)
        d_outer = _derivative(outer)
        result = _substitute(d_outer, u_text)
        answer = (
            f"({result})*({poly_text(du)})"
            if sum(map(bool, d_outer)) > 1
            else f"{result}*({poly_text(du)})"
        )
        steps = [f"u={u_text}", f"u'={poly_text(du)}", f"dy/du={poly_text(d_outer, 'u')}"]
        prompt = (
            f"Differentiate y={_substitute(outer, u_text)} with the chain rule: u, u'=du/dx, "
            "dy/du, then dy/dx=dy/du*u' with u put back. Answer dy/dx (any equivalent form)."
        )
        return self.make(difficulty, prompt, steps, answer, inner=inner, outer=outer)


class QuotientRule(ExpressionAnswer, _Calculus):
    name = "quotient_rule"
    tier = 4
    pattern = "symbolic_manipulation"
    prerequisites = ("product_rule",)
    summary = "Differentiate p/q with (p/q)'=(p'q-pq')/q^2, numerator expanded."
    difficulty_doc = (
        "p and q are linear (levels 1-3), p quadratic from level 4, both quadratic from level 7; "
        "coefficients up to 1 + level//2 in size."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        size = 1 + difficulty // 2
        p = _polynomial(rng, 1 + (difficulty >= 4), size)
        q = _polynomial(rng, 1 + (difficulty >= 7), size)
        dp, dq = _derivative(p), _derivative(q)
        if not any(_poly_add(poly_mul(dp, q), poly_mul(p, dq), -1)):
            p[0] += 1  # p was a multiple of q (derivative 0); now the numerator is -q'
        first, second = poly_mul(dp, q), poly_mul(p, dq)
        numerator = _poly_add(first, second, -1)
        steps = [
            f"p'={poly_text(dp)}",
            f"q'={poly_text(dq)}",
            f"p'q={poly_text(first)}",
            f"pq'={poly_text(second)}",
            f"p'q-pq'={poly_text(numerator)}",
        ]
        prompt = (
            f"Differentiate f(x)=({poly_text(p)})/({poly_text(q)}) with the quotient rule "
            "(p/q)'=(p'q-pq')/q^2: p', q', p'q and pq' expanded, then the numerator. Answer f'(x) "
            "(any equivalent form)."
        )
        return self.make(
            difficulty, prompt, steps, f"({poly_text(numerator)})/({poly_text(q)})^2", p=p, q=q
        )


class TangentLine(ExpressionAnswer, _Calculus):
    name = "tangent_line"
    tier = 4
    pattern = "formula_substitution"
    prerequisites = ("polynomial_derivative", "line_through_points")
    summary = "The tangent line y=f(a)+f'(a)(x-a) to a polynomial at x=a, as y=mx+b."
    difficulty_doc = (
        "Degree 2 (levels 1-3), 3 (4-7) or 4 (8-10); coefficients up to 2 + level//2 and the "
        "point up to 1 + level//2 in size."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        f = _polynomial(rng, 2 + (difficulty >= 4) + (difficulty >= 8), 2 + difficulty // 2)
        a = int(rng.integers(-1 - difficulty // 2, 2 + difficulty // 2))
        df = _derivative(f)
        value, slope = poly_eval(f, a), poly_eval(df, a)
        steps = [
            f"f({a})={value}",
            f"f'(x)={poly_text(df)}",
            f"f'({a})={slope}",
            f"y={signed_join([f'{slope}({poly_text([-a, 1])})', str(value)])}",
        ]
        prompt = (
            f"Find the tangent line to f(x)={poly_text(f)} at x={a}: f(a), f'(x), f'(a), then "
            "y=f'(a)(x-a)+f(a). Answer in the form y=mx+b."
        )
        return self.make(difficulty, prompt, steps, f"y={poly_text([value - slope * a, slope])}")


class CubicOptimization(IntegerAnswer, _Calculus):
    name = "cubic_optimization"
    tier = 4
    pattern = "optimization"
    prerequisites = ("polynomial_derivative", "quadratic_roots")
    summary = "Maximum or minimum of a cubic on a closed interval: critical points and endpoints."
    difficulty_doc = (
        "Critical points up to 1 + level//2 in size, leading coefficient up to 1 + level//4 "
        "(doubled when needed for integer coefficients), constant up to 5 + level."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        size = 1 + difficulty // 2
        r1 = int(rng.integers(-size, size))
        r2 = int(rng.integers(r1 + 1, size + 1))
        a = _nonzero(rng, 1 + difficulty // 4)
        if a * (r1 + r2) % 2:
            a *= 2
        # f'(x) = 3a(x-r1)(x-r2), so f = a x^3 - (3a/2)(r1+r2) x^2 + 3a r1 r2 x + e.
        f = [
            int(rng.integers(-5 - difficulty, 6 + difficulty)),
            3 * a * r1 * r2,
            -3 * a * (r1 + r2) // 2,
            a,
        ]
        low = int(rng.integers(r1 - 2, r1 + 1))
        high = int(rng.integers(max(low + 1, r2 - 1), r2 + 3))
        goal = "maximum" if chance(rng, 0.5) else "minimum"
        inside = [r for r in (r1, r2) if low <= r <= high]
        candidates = sorted({low, high, *inside})
        values = {x: poly_eval(f, x) for x in candidates}
        best = (max if goal == "maximum" else min)(values.values())
        steps = [
            f"f'(x)={poly_text(_derivative(f))}",
            f"f'(x)=0: x={r1}, x={r2}",
            *(f"f({x})={v}" for x, v in values.items()),
            f"{goal[:3]}={best}",
        ]
        prompt = (
            f"Find the {goal} value of f(x)={poly_text(f)} on [{low}, {high}]: f'(x), its roots, "
            "then f at the roots inside the interval and at both endpoints (in increasing x). "
            "Answer an integer."
        )
        return self.make(difficulty, prompt, steps, str(best), f=f, interval=[low, high], goal=goal)


# -- integrals -----------------------------------------------------------------------------------


class AntiderivativeAnswer:
    """Any antiderivative of ``meta["f"]`` is correct, with or without ``+C``."""

    def check_answer(self, problem: Problem, text: str) -> bool:
        import sympy

        text = squash(text)
        for tail in ("+C", "+c"):
            text = text.removesuffix(tail)
        got = parse_expression(text.removeprefix("F(x)="))
        if got is None:
            return False
        x = sympy.Symbol("x")
        integrand = sum(sympy.Rational(c) * x**k for k, c in enumerate(problem.meta["f"]))
        return sympy.expand(sympy.diff(got.doit(), x) - integrand) == 0


class PolynomialAntiderivative(AntiderivativeAnswer, _Calculus):
    name = "polynomial_antiderivative"
    tier = 3
    pattern = "symbolic_manipulation"
    prerequisites = ("polynomial_derivative", "fraction_addition")
    summary = "Indefinite integral of a polynomial, term by term: x^n -> x^(n+1)/(n+1)."
    difficulty_doc = (
        "Degree 1 + level//2 (1..6) with 2 + level//3 terms, coefficients up to 2 + level; up to "
        "level 4 every result coefficient is an integer, above that fractions appear."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        f = _polynomial(rng, 1 + difficulty // 2, 2 + difficulty, terms=2 + difficulty // 3)
        if difficulty <= 4:
            f = [c * (k + 1) for k, c in enumerate(f)]
        big_f = _antiderivative(f)
        steps = _power_rule_steps(
            f, lambda c, k: f"∫{monomial_text(c, k)}dx={monomial_text(Fraction(c, k + 1), k + 1)}"
        )
        prompt = (
            f"Find ∫({poly_text(f)})dx term by term (∫term dx=result), one step per term. Answer "
            "F(x)+C with exact fractions."
        )
        return self.make(difficulty, prompt, steps, f"{poly_text(big_f)}+C", f=f)


class DefiniteIntegral(RationalAnswer, _Calculus):
    name = "definite_integral"
    tier = 3
    pattern = "formula_substitution"
    prerequisites = ("polynomial_antiderivative",)
    summary = "A definite integral of a polynomial by the fundamental theorem: F(b)-F(a)."
    difficulty_doc = (
        "Degree 1 (levels 1-2), up to 2 (3-5), up to 3 (6-10); coefficients up to 2 + level//2; "
        "bounds up to 1 + level//2 in size (non-negative at levels 1-3)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        top = 1 + (difficulty >= 3) + (difficulty >= 6)
        f = _polynomial(rng, int(rng.integers(1, top + 1)), 2 + difficulty // 2)
        bound = 1 + difficulty // 2
        low = int(rng.integers(-bound if difficulty > 3 else 0, bound))
        high = int(rng.integers(low + 1, bound + 2))
        big_f = _antiderivative(f)
        at_high, at_low = poly_eval(big_f, high), poly_eval(big_f, low)
        steps = [
            f"F(x)={poly_text(big_f)}",
            f"F({high})={number_text(at_high)}",
            f"F({low})={number_text(at_low)}",
            f"F({high})-F({low})={number_text(at_high - at_low)}",
        ]
        prompt = (
            f"Compute the integral of f(x)={poly_text(f)} from x={low} to x={high}: an "
            "antiderivative F, F at both bounds, their difference. Answer the exact value "
            "(integer or fraction)."
        )
        return self.make(
            difficulty, prompt, steps, number_text(at_high - at_low), f=f, bounds=[low, high]
        )


_RIEMANN_POINTS = {"left": Fraction(0), "right": Fraction(1), "midpoint": Fraction(1, 2)}


class RiemannSum(RationalAnswer, _Calculus):
    name = "riemann_sum"
    tier = 3
    pattern = "approximation_and_numerical"
    prerequisites = ("polynomial_evaluation", "fraction_addition")
    summary = "Approximate an integral by a left, right or midpoint Riemann sum with n strips."
    difficulty_doc = (
        "n = 2 + level//2 strips (2..7); the polynomial has degree up to 1 + level//4 and "
        "coefficients up to 2 + level//3; the interval length is a multiple of n up to level 3."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = 2 + difficulty // 2
        f = _polynomial(rng, int(rng.integers(1, 2 + difficulty // 4)), 2 + difficulty // 3)
        low = int(rng.integers(-difficulty // 2, 2))
        width = (
            n * int(rng.integers(1, 3))
            if difficulty <= 3
            else int(rng.integers(1, 2 + difficulty // 2))
        )
        high = low + width
        rule = ("left", "right", "midpoint")[int(rng.integers(0, 3))]
        dx = Fraction(width, n)
        points = [low + (i + _RIEMANN_POINTS[rule]) * dx for i in range(n)]
        values = [poly_eval(f, x) for x in points]
        total = dx * sum(values)
        steps = [
            f"h=({high}-{paren(low)})/{n}={number_text(dx)}",
            *(f"f({number_text(x)})={number_text(v)}" for x, v in zip(points, values)),
            f"{paren(dx)}*({signed_join([number_text(v) for v in values])})={number_text(total)}",
        ]
        prompt = (
            f"Approximate the integral of f(x)={poly_text(f)} from x={low} to x={high} by the "
            f"{rule} Riemann sum with n={n} equal strips of width h: h, f at each sample point, "
            "then "
            "h*(sum). Answer the exact value of the sum (integer or fraction)."
        )
        return self.make(
            difficulty, prompt, steps, number_text(total), f=f, bounds=[low, high], n=n, rule=rule
        )


class RationalLimit(RationalAnswer, _Calculus):
    name = "rational_limit"
    tier = 4
    pattern = "symbolic_manipulation"
    prerequisites = ("factor_quadratic", "polynomial_evaluation")
    summary = "A 0/0 limit of a rational function at x=a: factor out (x-a), cancel, substitute."
    difficulty_doc = (
        "The cofactors of (x-a) are linear (levels 1-4), then one (5-7) or both (8-10) "
        "quadratic; coefficients up to 1 + level//2 and a up to 1 + level//3 in size."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        size, a = 1 + difficulty // 2, _nonzero(rng, 1 + difficulty // 3)
        top = _polynomial(rng, 1 + (difficulty >= 5), size)
        bottom = _polynomial(rng, 1 + (difficulty >= 8), size)
        if poly_eval(bottom, a) == 0:
            bottom[0] += 1
        factor = poly_text([-a, 1])
        p, q = poly_mul([-a, 1], top), poly_mul([-a, 1], bottom)
        value = Fraction(poly_eval(top, a), poly_eval(bottom, a))
        steps = [
            f"p({a})=0, q({a})=0",
            f"{poly_text(p)}=({factor})({poly_text(top)})",
            f"{poly_text(q)}=({factor})({poly_text(bottom)})",
            (
                f"({poly_text(top)})/({poly_text(bottom)}) at x={a}: "
                f"{poly_eval(top, a)}/{paren(poly_eval(bottom, a))}={number_text(value)}"
            ),
        ]
        prompt = (
            f"Find the limit of p(x)/q(x)=({poly_text(p)})/({poly_text(q)}) as x→{a}: check "
            f"0/0, factor ({factor}) out of both, cancel and substitute. Answer the exact value."
        )
        return self.make(difficulty, prompt, steps, number_text(value), top=top, bottom=bottom, a=a)


# -- differential equations, series, transforms -------------------------------------------------

_EULER_STEPS = (Fraction(1), Fraction(1, 2), Fraction(1, 10))


class EulerMethod(RationalAnswer, _Calculus):
    name = "euler_method"
    tier = 3
    pattern = "differential_equations"
    prerequisites = ("polynomial_evaluation", "fraction_addition")
    summary = "Euler's method for y'=py+qx+r: y(x+h)=y(x)+h*f(x,y), one step per line."
    difficulty_doc = (
        "1 + level//2 steps (1..6); h=1 up to level 3, then 1, 0.5 or 0.1; coefficients up to "
        "1 + level//3 in size."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        size = 1 + difficulty // 3
        p, q, r = (
            _nonzero(rng, size),
            int(rng.integers(-size, size + 1)),
            int(rng.integers(-size, size + 1)),
        )
        h = _EULER_STEPS[0] if difficulty <= 3 else _EULER_STEPS[int(rng.integers(0, 3))]
        x, y = Fraction(int(rng.integers(-1, 2))), Fraction(int(rng.integers(-3, 4)))
        start, steps = (x, y), []
        for _ in range(1 + difficulty // 2):
            slope = p * y + q * x + r
            following = y + h * slope
            steps.append(
                f"y({exact_text(x + h)})={exact_text(y)}+{exact_text(h)}*({exact_text(slope)})"
                f"={exact_text(following)}"
            )
            x, y = x + h, following
        rhs = signed_join(
            [
                monomial_text(p, 1, "y"),
                *([monomial_text(q, 1)] if q else []),
                *([str(r)] if r else []),
            ]
        )
        prompt = (
            f"Use Euler's method with step h={exact_text(h)} on y'={rhs}, "
            f"y({exact_text(start[0])})={exact_text(start[1])} to estimate y({exact_text(x)}): "
            "y(x+h)=y(x)+h*f(x,y), one step "
            "per line. Answer the exact value (decimal or fraction)."
        )
        return self.make(difficulty, prompt, steps, exact_text(y))


def _term_text(coefficient: int, body: str) -> str:
    """``coefficient`` times a function's text: ``3sin(2t)``, ``-e^x``, ``sin(t)``."""
    return f"{'' if coefficient == 1 else '-' if coefficient == -1 else coefficient}{body}"


def _taylor_family(kind: int, a: int) -> tuple[str, list[int]]:
    """Text of f(x) and the k-th derivatives f^(k)(0) for k = 0..9."""
    ax = monomial_text(a, 1)
    one_minus = f"1{'-' if a > 0 else '+'}{monomial_text(abs(a), 1)}"
    one_plus = f"1{'+' if a > 0 else '-'}{monomial_text(abs(a), 1)}"
    if kind == 0:
        return f"e^({ax})" if a != 1 else "e^x", [a**k for k in range(10)]
    if kind == 1:
        return f"sin({ax})", [a**k * (0, 1, 0, -1)[k % 4] for k in range(10)]
    if kind == 2:
        return f"cos({ax})", [a**k * (1, 0, -1, 0)[k % 4] for k in range(10)]
    if kind == 3:
        return f"1/({one_minus})", [factorial(k) * a**k for k in range(10)]
    if kind == 4:
        return f"1/({one_minus})^2", [factorial(k + 1) * a**k for k in range(10)]
    return f"ln({one_plus})", [0] + [
        (-1) ** (k + 1) * factorial(k - 1) * a**k for k in range(1, 10)
    ]


class TaylorPolynomial(ExpressionAnswer, _Calculus):
    name = "taylor_polynomial"
    tier = 4
    pattern = "series_and_convergence"
    prerequisites = ("polynomial_derivative", "powers")
    summary = "The Maclaurin polynomial of c*f(ax) for e^x, sin, cos, 1/(1-x), 1/(1-x)^2, ln(1+x)."
    difficulty_doc = (
        "Degree 2..2+level//2, |a| up to 1 + level//3 (a=1 at levels 1-2), c up to 1+level//2 "
        "in size."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        kind = int(rng.integers(0, 6))
        a = 1 if difficulty <= 2 else _nonzero(rng, 1 + difficulty // 3)
        c = _nonzero(rng, 1 + difficulty // 2)
        n = int(rng.integers(2, 3 + difficulty // 2))
        text, derivatives = _taylor_family(kind, a)
        coefficients = [Fraction(c * derivatives[k], factorial(k)) for k in range(n + 1)]
        steps = [
            f"f^({k})(0)/{k}!={c * derivatives[k]}/{factorial(k)}={number_text(coefficients[k])}"
            for k in range(n + 1)
        ]
        prompt = (
            f"Find the Taylor polynomial of degree {n} about x=0 of f(x)={_term_text(c, text)}: "
            "for k=0..n the coefficient f^(k)(0)/k!. Answer the polynomial."
        )
        return self.make(
            difficulty, prompt, steps, poly_text(coefficients), kind=kind, a=a, c=c, n=n
        )


class ExponentialGrowth(RationalAnswer, _Calculus):
    name = "exponential_growth"
    tier = 4
    pattern = "differential_equations"
    prerequisites = ("exact_logarithm", "powers")
    summary = "y'=ky from two values: y=y(0)e^(kt), so y(t)=y(0)*(y(T)/y(0))^(t/T)."
    difficulty_doc = (
        "Growth factors up to 2 + level//3; decay (factors 1/s) from level 4; times that are "
        "fractions of T (square and cube roots of the factor) at levels 5-6, always from 7."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        s = Fraction(int(rng.integers(2, 3 + difficulty // 3)))
        if difficulty >= 4 and chance(rng, 0.4):
            s = 1 / s
        root = 1 if difficulty <= 4 else int(rng.choice([1, 2, 3] if difficulty <= 6 else [2, 3]))
        ratio = s**root
        power = int(rng.integers(1, 2 + difficulty // 2))
        if power == root:
            power += 1
        start = int(rng.integers(1, 4 + difficulty)) * ratio.denominator
        span = root * int(rng.integers(1, 3))
        later = span * power // root
        value = start * s**power
        k_span, k_later = monomial_text(span, 1, "k"), monomial_text(later, 1, "k")
        exponent = Fraction(power, root)
        steps = [
            f"y(t)={start}e^(kt)",
            f"e^({k_span})={number_text(start * ratio)}/{start}={number_text(ratio)}",
            f"e^({k_later})=({number_text(ratio)})^({number_text(exponent)})={number_text(s**power)}",
            f"y({later})={start}*{paren(s**power)}={number_text(value)}",
        ]
        prompt = (
            f"y'=ky with y(0)={start} and y({span})={number_text(start * ratio)}. Solve it "
            f"(y=y(0)e^(kt)) and find y({later}) exactly, using e^(kt) as a power of e^({k_span})."
            " Answer an integer or a fraction."
        )
        return self.make(difficulty, prompt, steps, number_text(value))


def _laplace_term(rng: np.random.Generator, kind: int, size: int) -> tuple[str, str]:
    """A random term of f(t) of the given kind and its transform, as text."""
    c = _nonzero(rng, size)
    if kind == 0:
        n = int(rng.integers(0, 2 + size // 2))
        numerator = c * factorial(n)
        return monomial_text(c, n, "t"), f"{numerator}/s{'' if n == 0 else f'^{n + 1}'}"
    if kind == 1:
        a = _nonzero(rng, size)
        return _term_text(c, f"e^({monomial_text(a, 1, 't')})"), f"{c}/({poly_text([-a, 1], 's')})"
    b = int(rng.integers(1, size + 1))
    bt = monomial_text(b, 1, "t")
    if kind == 2:
        return _term_text(c, f"sin({bt})"), f"{c * b}/(s^2+{b * b})"
    return _term_text(c, f"cos({bt})"), f"{monomial_text(c, 1, 's')}/(s^2+{b * b})"


class LaplaceTransform(ExpressionAnswer, _Calculus):
    name = "laplace_transform"
    tier = 4
    pattern = "transform_methods"
    prerequisites = ("polynomial_antiderivative", "exponential_growth")
    summary = "Laplace transform of a sum of t^n, e^(at), sin(bt), cos(bt) terms, term by term."
    difficulty_doc = (
        "1 + level//3 terms (1..4) of distinct kinds; coefficients, rates and powers grow with "
        "the level (up to 1 + level//2)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        size = 1 + difficulty // 2
        kinds = rng.choice(4, size=1 + difficulty // 3, replace=False).tolist()
        terms = [_laplace_term(rng, kind, size) for kind in kinds]
        steps = [f"L{{{t}}}={transform}" for t, transform in terms]
        prompt = (
            f"Find the Laplace transform F(s) of f(t)={signed_join([t for t, _ in terms])} term by "
            "term: L{t^n}=n!/s^(n+1), L{e^(at)}=1/(s-a), L{sin(bt)}=b/(s^2+b^2), "
            "L{cos(bt)}=s/(s^2+b^2). Answer F(s)."
        )
        return self.make(
            difficulty, prompt, steps, signed_join([tr for _, tr in terms]), variables="s"
        )
