"""Algebra generators: answers recomputed independently (sympy, plain Python), verifier tables."""

from __future__ import annotations

import operator
import re
from fractions import Fraction
from functools import cache

import pytest
import sympy

from engram_env.answers import parse_expression, parse_rational
from engram_env.registry import get_generator

x = sympy.Symbol("x")
SEEDS, LEVELS = range(20), range(1, 11)
GARBAGE = [
    "",
    " ",
    "abc",
    "x^99999",
    "__import__('os')",
    "1/0",
    "[[",
    "(",
    "∞",
    "x=",
    "=",
    "λ",
    "9" * 300,
    "(-∞, )",
    "x=1, x=",
    "2x+",
    "((x+1)",
]


@cache
def problems(name: str) -> list:
    generator = get_generator(name)
    return [generator.problem(seed, level) for level in LEVELS for seed in SEEDS]


def grade(name: str, problem, text: str) -> bool:
    return get_generator(name).check_answer(problem, text)


def expr(text: str, variables: str = "x") -> sympy.Expr:
    parsed = parse_expression(text, variables)
    assert parsed is not None, text
    return parsed.doit()


def prompt_part(problem, pattern: str) -> tuple[str, ...]:
    m = re.search(pattern, problem.prompt)
    assert m, (pattern, problem.prompt)
    return m.groups()


def value(text: str, **variables: Fraction) -> Fraction:
    """Exact value of generated arithmetic text (``3x^2-(1/2)x``) at the given variables.

    A test-only evaluator, much faster than sympy: integers become Fractions, ``^`` becomes
    ``**`` and implicit products get their ``*``. Only our own generated text is evaluated.
    """
    s = text.replace("^", "**")
    s = re.sub(r"(?<=[\d)a-z])(?=[a-z(])", "*", s)
    s = re.sub(r"\d+", lambda m: f"F({m.group()})", s)
    return eval(s, {"__builtins__": {}, "F": Fraction}, dict(variables))


def same_polynomial(a: str, b: str, degree: int = 12) -> bool:
    """Two polynomials in x of degree <= ``degree`` agree at degree+1 points, hence everywhere."""
    return all(value(a, x=Fraction(t)) == value(b, x=Fraction(t)) for t in range(-6, degree - 5))


def answer_set(text: str) -> set[Fraction]:
    return set() if text == "none" else {Fraction(v) for v in text.split(", ")}


def arithmetic_holds(step: str) -> bool:
    """A step ``<arithmetic>=<number>`` whose two sides agree."""
    left, _, right = step.rpartition("=")
    return value(left) == value(right)


# -- answers recomputed ------------------------------------------------------------------------


def test_polynomial_evaluation():
    for p in problems("polynomial_evaluation"):
        total = sum(c * p.meta["x"] ** k for k, c in enumerate(p.meta["coefficients"]))
        ((poly, at),) = [prompt_part(p, r"f\(x\)=(\S+) at x=(-?\d+):")]
        assert int(p.answer) == total == globals()["value"](poly, x=Fraction(int(at)))
        assert all(arithmetic_holds(s) for s in p.steps)


def test_combine_like_terms():
    for p in problems("combine_like_terms"):
        total = " + ".join(f"({c})*x^{k}" for c, k in p.meta["terms"])
        (original,) = prompt_part(p, r"Simplify (\S+) by")
        assert same_polynomial(original, total) and same_polynomial(p.answer, total)
        powers = re.findall(r"x(?:\^(\d+))?", p.answer)
        assert len(powers) == len(set(powers))  # like terms combined


def test_exponent_rules():
    positive = sympy.Symbol("x", positive=True)
    for p in problems("exponent_rules"):
        (chain,) = prompt_part(p, r"Simplify (\S+) \(x is not 0\)")
        n = p.meta["exponent"]
        assert sympy.simplify(expr(chain).subs(x, positive) - positive**n) == 0
        assert p.answer == (f"x^{n}" if n >= 0 else f"x^({n})")
        assert p.steps[-1].endswith("=" + p.answer)


@pytest.mark.parametrize("name", ["expand_binomials", "polynomial_multiplication"])
def test_products(name):
    for p in problems(name):
        f, g = (
            " + ".join(f"({c})*x^{k}" for k, c in enumerate(meta))
            for meta in (p.meta["p"], p.meta["q"])
        )
        (left, right) = prompt_part(p, r"Expand \((\S+)\)\((\S+)\):")
        assert same_polynomial(f"({left})({right})", f"({f})({g})")
        assert same_polynomial(p.answer, f"({f})({g})")
        assert p.steps[-1].endswith("=" + p.answer)


def test_function_composition():
    for p in problems("function_composition"):
        value = p.meta["x"]
        for f in reversed(p.meta["functions"]):
            value = sum(c * value**k for k, c in enumerate(f))
        assert int(p.answer) == value
        assert p.steps[-1].endswith(f"={value}")


def test_linear_equation():
    for p in problems("linear_equation"):
        (equation,) = prompt_part(p, r"Solve for x: (\S+)\. Move")
        left, right = equation.split("=")
        (solution,) = sympy.solve(sympy.Eq(expr(left), expr(right)), x)
        assert Fraction(p.answer) == Fraction(str(solution))
        assert p.steps[-1] in (f"x={p.answer}",) or p.steps[-1].endswith(f"={p.answer}")


def test_quadratic_roots():
    for p in problems("quadratic_roots"):
        (poly,) = prompt_part(p, r"Solve (\S+)=0 with")
        roots = sorted(answer_set(p.answer))
        lead = (
            value(poly, x=Fraction(1))
            - 2 * value(poly, x=Fraction(0))
            + value(poly, x=Fraction(-1))
        ) / 2
        double = roots * (3 - len(roots))  # a double root counts twice
        assert same_polynomial(poly, f"{lead}*(x-({double[0]}))*(x-({double[1]}))", 2)
        assert all(
            arithmetic_holds(s.removeprefix("x=").removeprefix("D=").removeprefix("√D="))
            for s in p.steps
            if "√D=" not in s
        )


def test_exact_logarithm():
    for p in problems("exact_logarithm"):
        base, argument = prompt_part(p, r"log_(\d+)\(([\d/]+)\)")
        value = Fraction(p.answer)
        # base^(num/den) = argument  <=>  base^num = argument^den
        assert Fraction(int(base)) ** value.numerator == Fraction(argument) ** value.denominator


def test_line_through_points():
    for p in problems("line_through_points"):
        x1, y1, x2, y2 = map(int, prompt_part(p, r"\((-?\d+), (-?\d+)\) and \((-?\d+), (-?\d+)\)"))
        line = p.answer.removeprefix("y=")
        assert value(line, x=Fraction(x1)) == y1 and value(line, x=Fraction(x2)) == y2
        assert "^" not in line


def test_factor_quadratic():
    for p in problems("factor_quadratic"):
        (poly,) = prompt_part(p, r"Factor (\S+) over")
        assert same_polynomial(p.answer, poly, 2)
        assert re.fullmatch(r"-?\d*\(-?\d*x[+-]\d+\)\(-?\d*x[+-]\d+\)", p.answer), p.answer


def _interval(text: str) -> sympy.Interval:
    m = re.fullmatch(r"([\[(])(-∞|-?[\d/]+), (∞|-?[\d/]+)([\])])", text)
    assert m, text
    low = -sympy.oo if m.group(2) == "-∞" else sympy.Rational(m.group(2))
    high = sympy.oo if m.group(3) == "∞" else sympy.Rational(m.group(3))
    return sympy.Interval(low, high, left_open=m.group(1) == "(", right_open=m.group(4) == ")")


def test_linear_inequality():
    """The original inequality holds exactly on the answer interval (probed around its end)."""
    relations = {"<": operator.lt, "≤": operator.le, ">": operator.gt, "≥": operator.ge}
    for p in problems("linear_inequality"):
        (inequality,) = prompt_part(p, r"Solve (\S+) for x:")
        left, relation, right = re.split(r"([<≤>≥])", inequality)
        slope, intercept = (
            Fraction(str(c)) for c in sympy.Poly(expr(left) - expr(right), x).all_coeffs()
        )
        interval = _interval(p.answer)
        end = interval.inf if interval.inf.is_finite else interval.sup
        for probe in (
            end,
            end - sympy.Rational(1, 1000),
            end + sympy.Rational(1, 1000),
            end - 99,
            end + 99,
        ):
            holds = relations[relation](slope * Fraction(str(probe)) + intercept, 0)
            assert holds == interval.contains(probe), (p.prompt, p.answer, probe)


@pytest.mark.parametrize("name", ["linear_system_2", "linear_system_3"])
def test_linear_systems(name):
    for p in problems(name):
        names = p.meta["unknowns"]
        equations = re.findall(r"\(\d\) ([^,]+?=-?\d+)", p.prompt)
        assert len(equations) == len(names)
        zero = {v: Fraction(0) for v in names}
        matrix, rhs = [], []
        for equation in equations:
            left, right = equation.split("=")
            constant = value(left, **zero)
            matrix.append([value(left, **{**zero, v: Fraction(1)}) - constant for v in names])
            rhs.append(int(right) - constant)
        solution = sympy.Matrix(matrix).LUsolve(sympy.Matrix(rhs))
        answer = dict(part.split("=") for part in p.answer.split(", "))
        assert [Fraction(answer[v]) for v in names] == [Fraction(str(s)) for s in solution]
        point = {v: Fraction(answer[v]) for v in names}
        for step in p.steps:  # every step is an equation that the solution satisfies
            left, right = step.split(": ")[-1].split("=")
            assert value(left, **point) == value(right, **point), step


def test_absolute_value_equation():
    """Brute force over the roots of inside = +-right, kept when |inside| = right holds exactly."""
    for p in problems("absolute_value_equation"):
        inside, right = prompt_part(p, r"Solve \|(\S+)\|=(\S+): split")
        found = set()
        for sign in (1, -1):
            at_zero = value(inside, x=Fraction(0)) - sign * value(right, x=Fraction(0))
            slope = value(inside, x=Fraction(1)) - sign * value(right, x=Fraction(1)) - at_zero
            if slope:
                root = -at_zero / slope
                if abs(value(inside, x=root)) == value(right, x=root):
                    found.add(root)
        assert answer_set(p.answer) == found, p


# -- verifiers ---------------------------------------------------------------------------------


def first(name: str, condition) -> object:
    return next(p for p in problems(name) if condition(p))


def test_every_checker_survives_garbage():
    names = [
        "polynomial_evaluation",
        "combine_like_terms",
        "exponent_rules",
        "expand_binomials",
        "polynomial_multiplication",
        "function_composition",
        "linear_equation",
        "quadratic_roots",
        "exact_logarithm",
        "line_through_points",
        "factor_quadratic",
        "linear_inequality",
        "linear_system_2",
        "linear_system_3",
        "absolute_value_equation",
    ]
    for name in names:
        p = problems(name)[-1]
        for text in GARBAGE:
            assert grade(name, p, text) is False, (name, text)


def test_linear_equation_answers():
    p = first("linear_equation", lambda p: Fraction(p.answer).denominator in (2, 4, 5))
    value = Fraction(p.answer)
    for text in [p.answer, f"x={p.answer}", f" x = {p.answer} ", str(float(value))]:
        assert grade("linear_equation", p, text), text
    unreduced = f"{value.numerator * 2}/{value.denominator * 2}"
    for text in [unreduced, fractionally_off(value), str(-value), "x", "", "0.3333"]:
        assert not grade("linear_equation", p, text), text


def fractionally_off(value: Fraction) -> str:
    return f"{value.numerator + 1}/{value.denominator}"


def test_quadratic_roots_answers():
    p = first("quadratic_roots", lambda p: ", " in p.answer and "/" not in p.answer)
    low, high = p.answer.split(", ")
    for text in [
        p.answer,
        f"{high}, {low}",
        f"{{{low}, {high}}}",
        f"x={low}, x={high}",
        f"{high},{low}",
    ]:
        assert grade("quadratic_roots", p, text), text
    for text in [
        low,
        f"{low}, {high}, {high}",
        f"{low}, {int(high) + 1}",
        f"{-int(low)}, {high}",
        "",
    ]:
        assert not grade("quadratic_roots", p, text), text
    double = first("quadratic_roots", lambda p: ", " not in p.answer)
    assert grade("quadratic_roots", double, double.answer)
    assert not grade("quadratic_roots", double, f"{double.answer}, 0") or double.answer == "0"


def test_expanded_answers():
    p = first("expand_binomials", lambda p: p.answer.count("x") == 2 and p.answer[-1] != "x")
    terms = re.findall(r"[+-]?[^+-]+", p.answer)
    shuffled = "+".join(reversed(terms)).replace("+-", "-")
    assert grade("expand_binomials", p, shuffled) and grade(
        "expand_binomials", p, " ".join(p.answer)
    )
    (left, right) = prompt_part(p, r"Expand \((\S+)\)\((\S+)\):")
    assert not grade("expand_binomials", p, f"({left})({right})")  # not expanded
    assert not grade("expand_binomials", p, p.steps[-1].split("=")[0])  # like terms not combined
    assert not grade("expand_binomials", p, p.answer[:-1] + str(int(p.answer[-1]) % 9 + 1))


def test_exponent_answers():
    p = first("exponent_rules", lambda p: p.meta["exponent"] < -1)
    n = -p.meta["exponent"]
    for text in [f"x^(-{n})", f"x^-{n}", f"1/x^{n}", f"x ^ ( -{n} )"]:
        assert grade("exponent_rules", p, text), text
    for text in [f"x^{n}", f"x^(-{n + 1})", f"x^(-{n})*x", "x"]:
        assert not grade("exponent_rules", p, text), text


def test_factor_answers():
    p = first(
        "factor_quadratic",
        lambda p: (
            p.answer.startswith("(")
            and p.answer.count("(") == 2
            and len(set(p.answer.split(")("))) == 2
        ),
    )
    a, b = p.answer[1:-1].split(")(")
    assert grade("factor_quadratic", p, f"({b})({a})") and grade(
        "factor_quadratic", p, f"({b})*({a})"
    )
    (poly,) = prompt_part(p, r"Factor (\S+) over")
    assert not grade("factor_quadratic", p, poly)  # expanded is not factored
    assert not grade("factor_quadratic", p, f"({a})({b})+1")
    assert grade("factor_quadratic", p, f"2({a})({b})/2")  # odd but a correct factorization
    assert not grade(
        "factor_quadratic", p, f"({sympy.expand(2 * expr(a))})({b})/2"
    )  # 2x+2 is not coprime
    assert not grade("factor_quadratic", p, f"({a})({sympy.expand(expr(b) + 1)})")


def test_inequality_answers():
    p = first("linear_inequality", lambda p: p.meta["relation"] == "≤")
    bound = p.meta["bound"]
    for text in [
        p.answer,
        f"x≤{bound}",
        f"x<={bound}",
        f"{bound}>=x",
        f"(-∞,{bound}]",
        f"(-inf, {bound}]",
    ]:
        assert grade("linear_inequality", p, text), text
    for text in [
        f"(-∞, {bound})",
        f"[{bound}, ∞)",
        f"x<{bound}",
        f"x≥{bound}",
        f"[-∞, {bound}]",
        f"(-∞, {Fraction(bound) + 1}]",
    ]:
        assert not grade("linear_inequality", p, text), text


def test_system_answers():
    p = problems("linear_system_3")[-1]
    values = dict(part.split("=") for part in p.answer.split(", "))
    assert grade("linear_system_3", p, f"z={values['z']}, x={values['x']}, y={values['y']}")
    assert grade("linear_system_3", p, f"({values['x']}, {values['y']}, {values['z']})")
    assert (
        not grade("linear_system_3", p, f"({values['y']}, {values['x']}, {values['z']})")
        or values["x"] == values["y"]
    )
    assert not grade("linear_system_3", p, f"x={values['x']}, y={values['y']}")
    assert not grade(
        "linear_system_3", p, f"x={values['x']}, y={values['y']}, z={int(values['z']) + 1}"
    )
    assert not grade(
        "linear_system_3", p, f"x={values['x']}, x={values['x']}, y={values['y']}, z={values['z']}"
    )


def test_absolute_value_answers():
    none = first("absolute_value_equation", lambda p: p.answer == "none")
    assert grade("absolute_value_equation", none, "none") and grade(
        "absolute_value_equation", none, "∅"
    )
    assert not grade("absolute_value_equation", none, "0")
    two = first("absolute_value_equation", lambda p: ", " in p.answer)
    low, high = two.answer.split(", ")
    assert grade("absolute_value_equation", two, f"{high}, {low}")
    assert not grade("absolute_value_equation", two, low) and not grade(
        "absolute_value_equation", two, "none"
    )


def test_line_and_polynomial_answers():
    p = first("line_through_points", lambda p: "/" not in p.answer and "x" in p.answer)
    line = expr(p.answer.removeprefix("y="))
    slope, intercept = line.coeff(x, 1), line.subs(x, 0)
    assert grade("line_through_points", p, f"y = {intercept} + {slope}*x")
    assert grade(
        "line_through_points",
        p,
        f"{slope}(x+1){'+' if intercept - slope >= 0 else ''}{intercept - slope}",
    )
    assert not grade("line_through_points", p, f"y={slope}x+{intercept + 1}")
    assert not grade("line_through_points", p, f"y={-slope}x+{intercept}") or slope == 0
    q = problems("polynomial_evaluation")[-1]
    assert grade("polynomial_evaluation", q, f" {q.answer} ") and not grade(
        "polynomial_evaluation", q, str(int(q.answer) + 1)
    )


def test_parse_rational_of_log_answers():
    p = first("exact_logarithm", lambda p: "/" in p.answer)
    value = Fraction(p.answer)
    assert grade("exact_logarithm", p, p.answer) and parse_rational(p.answer) == value
    assert not grade("exact_logarithm", p, f"{value.numerator * 3}/{value.denominator * 3}")
    assert not grade("exact_logarithm", p, str(1 / value))
