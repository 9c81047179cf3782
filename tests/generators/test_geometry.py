"""Geometry generators: answers recomputed from the prompt alone, steps checked, verifiers graded."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import pytest
import sympy

from engram_env.registry import get_generator

CASES = [(seed, difficulty) for seed in range(20) for difficulty in range(1, 11)]
NUMBER = r"-?\d+(?:\.\d+)?"


def problems(task: str):
    generator = get_generator(task)
    return generator, [generator.problem(seed, difficulty) for seed, difficulty in CASES]


def numbers(text: str) -> list[Fraction]:
    return [Fraction(x) for x in re.findall(NUMBER, text)]


def points(text: str) -> list[tuple[Fraction, ...]]:
    return [tuple(Fraction(c) for c in group.split(", "))
            for group in re.findall(r"\((-?[\d./]+(?:, -?[\d./]+)+)\)", text)]


def evaluate(expression: str) -> Fraction:
    """An arithmetic expression (×, /, ^, √ of a perfect square) evaluated exactly."""
    expression = re.sub(r"√(\d+)", lambda m: str(math.isqrt(int(m.group(1)))) if math.isqrt(
        int(m.group(1))) ** 2 == int(m.group(1)) else "nan", expression)
    expression = expression.replace("×", "*").replace("^", "**")
    expression = re.sub(r"\d+(?:\.\d+)?", lambda m: f"F('{m.group(0)}')", expression)
    return eval(expression, {"F": Fraction, "__builtins__": {}})  # test-only, on generator output


def holds(equation: str) -> bool:
    """Whether an arithmetic step ``a+b=c`` is exactly true."""
    values = [evaluate(side) for side in equation.split("=")]
    return all(v == values[0] for v in values[1:])


def test_perimeter():
    _, ps = problems("perimeter")
    for p in ps:
        if p.prompt.startswith("A rectangle"):
            length, width = numbers(p.prompt)[:2]
            expected = 2 * (length + width)
        else:
            expected = sum(numbers(p.prompt.split(". ")[0]))
        assert Fraction(p.answer) == expected
        assert all(holds(step) for step in p.steps)
        assert p.steps[-1].endswith(f"={p.answer}")


def test_missing_angle():
    _, ps = problems("missing_angle")
    sides = {"triangle": 3, "quadrilateral": 4, "pentagon": 5, "hexagon": 6}
    for p in ps:
        shape = re.search(r"of a (\w+)", p.prompt).group(1)
        known = [int(x) for x in re.findall(r"(\d+)°", p.prompt.split("sum to")[1])[1:]]
        expected = (sides[shape] - 2) * 180 - sum(known)
        assert len(known) == sides[shape] - 1 and int(p.answer) == expected > 0
        assert all(holds(step) for step in p.steps)


def test_polygon_angle_sum():
    _, ps = problems("polygon_angle_sum")
    for p in ps:
        question = p.prompt.split("360°. ")[1]
        if "How many sides" in question:
            total = int(re.search(r"sum to (\d+)°", question).group(1))
            assert int(p.answer) == total // 180 + 2 and total % 180 == 0
            continue
        n = int(re.search(r"with (\d+) sides", question).group(1))
        if "exterior" in question:
            expected = Fraction(360, n)
        elif "regular" in question:
            expected = Fraction((n - 2) * 180, n)
        else:
            expected = Fraction((n - 2) * 180)
        assert Fraction(p.answer) == expected
        assert all(holds(step.removeprefix("n-2=")) for step in p.steps)


def test_shape_area():
    _, ps = problems("shape_area")
    for p in ps:
        values = numbers(p.prompt.split("Find")[0])
        shape = p.prompt.split()[1]
        expected = {"rectangle": lambda v: v[0] * v[1], "parallelogram": lambda v: v[0] * v[1],
                    "triangle": lambda v: v[0] * v[1] / 2,
                    "trapezoid": lambda v: (v[0] + v[1]) * v[2] / 2}[shape](values)
        assert Fraction(p.answer) == expected
        assert all(holds(step) for step in p.steps)


def test_pythagorean_triple():
    _, ps = problems("pythagorean_triple")
    for p in ps:
        x, y = (int(v) for v in re.findall(r"\d+", p.prompt.split("whole number. ")[1]))
        answer = int(p.answer)
        if "legs" in p.prompt:
            assert answer**2 == x * x + y * y
        else:
            assert answer**2 == x * x - y * y
        assert all(holds(step) for step in p.steps)


def circle_expected(prompt: str) -> sympy.Expr:
    size = int(re.search(r"(?:radius|diameter) (\d+)", prompt).group(1))
    r = sympy.Rational(size, 2) if "diameter" in prompt else sympy.Integer(size)
    angle = re.search(r"angle of (\d+)°", prompt)
    share = sympy.Rational(int(angle.group(1)), 360) if angle else 1
    if "circumference" in prompt or "arc length" in prompt:
        return 2 * sympy.pi * r * share
    return sympy.pi * r**2 * share


def test_circle_measure():
    g, ps = problems("circle_measure")
    for p in ps:
        expected = circle_expected(p.prompt)
        assert g.check_answer(p, str(expected).replace("**", "^"))
        assert g.check_answer(p, f"{sympy.nsimplify(expected / sympy.pi)}*pi")
        assert not g.check_answer(p, f"{sympy.nsimplify(expected / sympy.pi) + 1}π")
        assert "π" in p.steps[-1] and p.steps[-1].endswith(p.answer)


def test_line_slope():
    _, ps = problems("line_slope")
    for p in ps:
        (x1, y1), (x2, y2) = points(p.prompt)
        assert Fraction(p.answer) == (y2 - y1) / (x2 - x1)
        assert p.steps[-1].endswith(f"={p.answer}")


def test_point_distance():
    _, ps = problems("point_distance")
    for p in ps:
        start, end = points(p.prompt)
        squared = sum((b - a) ** 2 for a, b in zip(start, end))
        expected = sympy.sqrt(int(squared))
        m = re.fullmatch(r"(\d*)√(\d+)", p.answer)
        if m:
            coefficient, radicand = int(m.group(1) or 1), int(m.group(2))
            assert all(e == 1 for e in sympy.factorint(radicand).values())  # square-free
            assert coefficient * sympy.sqrt(radicand) == expected
        else:
            assert sympy.Integer(int(p.answer)) == expected
        assert len(start) == (2 if p.difficulty <= 6 else 3)


def test_solid_volume():
    g, ps = problems("solid_volume")
    for p in ps:
        kind = p.prompt.split()[1]
        values = [int(v) for v in re.findall(r"(\d+) cm", p.prompt)]
        if kind == "box":
            expected = sympy.Integer(values[0] * values[1] * values[2])
        else:
            r = sympy.Rational(values[0], 2) if "diameter" in p.prompt else sympy.Integer(values[0])
            if kind in ("cylinder", "cone"):
                expected = sympy.pi * r**2 * values[1] / (3 if kind == "cone" else 1)
            else:
                expected = sympy.Rational(4 if kind == "sphere" else 2, 3) * sympy.pi * r**3
        assert g.check_answer(p, str(expected).replace("**", "^"))
        assert not g.check_answer(p, str(expected * 2).replace("**", "^"))


def _segments_cross(p, q, r, s) -> bool:
    def orient(a, b, c):
        v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return (v > 0) - (v < 0)
    return orient(p, q, r) * orient(p, q, s) < 0 and orient(r, s, p) * orient(r, s, q) < 0


def test_shoelace_area():
    _, ps = problems("shoelace_area")
    for p in ps:
        vertices = points(p.prompt.split(" in this order")[0])
        assert len(vertices) == 3 + (p.difficulty - 1) * 5 // 9
        assert Fraction(p.answer) == abs(Fraction(sympy.Polygon(*vertices).area))
        edges = list(zip(vertices, vertices[1:] + vertices[:1]))
        for i in range(len(edges)):
            for j in range(i + 2, len(edges)):
                if (i, j) != (0, len(edges) - 1):
                    assert not _segments_cross(*edges[i], *edges[j]), p.prompt  # simple polygon
        terms = [int(step.rpartition("=")[2]) for step in p.steps[:-2]]
        assert all(holds(step) for step in p.steps[:-2])
        assert p.steps[-2] == f"sum={sum(terms)}"


def test_line_intersection():
    g, ps = problems("line_intersection")
    x, y = sympy.symbols("x y")
    for p in ps:
        equations = re.findall(r"(-?\d*x[+-]\d*y=-?\d+)", p.prompt)
        assert len(equations) == 2
        system = []
        for eq in equations:
            left, right = eq.split("=")
            left = re.sub(r"(\d)([xy])", r"\1*\2", left)
            system.append(sympy.Eq(sympy.sympify(left), sympy.Integer(right)))
        solution = sympy.solve(system, [x, y], dict=True)[0]
        assert g.check_answer(p, f"({solution[x]}, {solution[y]})")
        if p.difficulty <= 5:
            assert solution[x].is_integer and solution[y].is_integer


@pytest.mark.parametrize("task, seed, difficulty, text, expected", [
    ("perimeter", 0, 1, None, True),
    ("line_slope", 1, 5, "garbage", False),
    ("line_slope", 1, 5, "", False),
])
def test_reference_and_garbage(task, seed, difficulty, text, expected):
    g = get_generator(task)
    p = g.problem(seed, difficulty)
    assert g.check_answer(p, p.answer if text is None else text) is expected


def _find(task: str, predicate, difficulty: int = 5):
    g = get_generator(task)
    return g, next(p for p in (g.problem(s, difficulty) for s in range(2000)) if predicate(p))


def test_quantity_verifier_forms():
    g, p = _find("shape_area", lambda p: p.answer.endswith(".5"))
    value = Fraction(p.answer)
    for text in (p.answer, f"{p.answer} cm^2", f"{p.answer}cm^2", f"{value.numerator}/{value.denominator}",
                 f"{2 * value.numerator}/{2 * value.denominator}", f" {p.answer} "):
        assert g.check_answer(p, text), text
    for text in (str(value + 1), str(value - Fraction(1, 2)), f"{p.answer} cm", f"{p.answer} m^2",
                 str(int(value)), f"-{p.answer}", "", "cm^2", "1/0", "abc"):
        assert not g.check_answer(p, text), text


def test_angle_verifier_accepts_degree_sign():
    g, p = _find("missing_angle", lambda p: True)
    assert g.check_answer(p, p.answer + "°") and g.check_answer(p, p.answer + " °")
    assert not g.check_answer(p, str(int(p.answer) + 1)) and not g.check_answer(p, p.answer + " cm")


def test_pi_verifier_forms():
    g, p = _find("circle_measure", lambda p: p.answer.endswith("/4") and p.meta["unit"] == "cm^2")
    coefficient = Fraction(p.meta["value"])
    good = [p.answer, f"{coefficient.numerator}/{coefficient.denominator}π",
            f"({coefficient.numerator}/{coefficient.denominator})*pi", f"{float(coefficient)}π",
            f"{coefficient.numerator}*π/{coefficient.denominator} cm^2", f"π*{float(coefficient)}"]
    for text in good:
        assert g.check_answer(p, text), text
    bad = [f"{float(coefficient) * 3.14159:.2f}", f"{coefficient.numerator}π", f"-{p.answer}",
           f"{coefficient.numerator}/{coefficient.denominator}", f"{p.answer} cm", "π^π^π^π", "x", "",
           "__import__('os')", "9" * 300]
    for text in bad:
        assert not g.check_answer(p, text), text


def test_radical_verifier_forms():
    g, p = _find("point_distance", lambda p: "√" in p.answer and p.answer[0] != "√")
    s, f = p.meta["coefficient"], p.meta["radicand"]
    for text in (p.answer, f"{s}*√{f}", f"{s} √{f}", f"{s}√({f})", f"{s}sqrt({f})"):
        assert g.check_answer(p, text), text
    for text in (f"√{s * s * f}", f"{s + 1}√{f}", f"{s}√{f + 1}", f"{s * (f ** 0.5):.3f}", "", "√", "abc"):
        assert not g.check_answer(p, text), text
    g, p = _find("point_distance", lambda p: "√" not in p.answer, difficulty=1)
    assert g.check_answer(p, p.answer) and g.check_answer(p, f"+{p.answer}")
    assert not g.check_answer(p, f"√{int(p.answer) ** 2}") and not g.check_answer(p, f"{p.answer}.5")


def test_point_verifier_forms():
    g, p = _find("line_intersection", lambda p: "/" in p.answer, difficulty=8)
    x, y = Fraction(p.meta["x"]), Fraction(p.meta["y"])
    for text in (p.answer, f"({x},{y})", f"( {x} , {y} )", f"({2 * x.numerator}/{2 * x.denominator}, {y})"):
        assert g.check_answer(p, text), text
    for text in (f"({y}, {x})", f"{x}, {y}", f"({x}, {y + 1})", f"({x})", f"({x}, {y}, 0)", "", "()", "(a, b)"):
        assert not g.check_answer(p, text), text


def test_steps_are_checked_spacing_free():
    g = get_generator("shoelace_area")
    p = g.problem(3, 4)
    assert g.check_step(p, 0, " ".join(p.steps[0]))
    assert not g.check_step(p, 0, p.steps[0] + "0")
