"""Geometry: perimeters, angles, areas, volumes and coordinate geometry, one formula per step.

Lengths are whole numbers (or simple fractions) so every answer is exact: areas and volumes of
round shapes keep π symbolic (``49π/4``), distances are given in simplest radical form
(``5√2``). Verifiers accept every equivalent exact form and the stated unit, nothing rounded.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import ClassVar

import numpy as np

from engram_env.answers import parse_expression, parse_int, parse_rational
from engram_env.generator import Generator
from engram_env.generators._common import chance, draw_digits, exact_text, fraction_text
from engram_env.problem import Problem
from engram_env.verifiers import QuantityAnswer, SpacingFreeSteps, squash, strip_unit


class _Geometry(SpacingFreeSteps, QuantityAnswer, Generator):
    domain = "geometry"


def _num(value: Fraction | int) -> str:
    """A number inside a step: negative values and fractions in parentheses, ``(-3)``, ``(2/3)``."""
    text = exact_text(Fraction(value)) if isinstance(value, Fraction) else str(value)
    return f"({text})" if text.startswith("-") or "/" in text else text


def _pi_text(coefficient: Fraction) -> str:
    """``coefficient·π`` written ``π``, ``14π`` or ``49π/4``."""
    num, den = coefficient.numerator, coefficient.denominator
    head = "π" if num == 1 else "-π" if num == -1 else f"{num}π"
    return head if den == 1 else f"{head}/{den}"


def _running_sum(terms: list[int], start: int | None = None) -> tuple[list[str], int]:
    """Steps ``a+b=s``, ``s+c=t``, ... (or ``start-a=...`` when ``start`` is given)."""
    steps = []
    total = terms[0] if start is None else start
    for term in terms[1:] if start is None else terms:
        new = total + term if start is None else total - term
        steps.append(f"{total}{'+' if start is None else '-'}{term}={new}")
        total = new
    return steps, total


class Perimeter(_Geometry):
    name = "perimeter"
    tier = 0
    pattern = "formula_substitution"
    prerequisites = ("addition",)
    summary = "Perimeter of a rectangle or polygon: add the sides one at a time."
    difficulty_doc = (
        "Levels 1-3: a rectangle; 4-6: a rectangle, triangle or quadrilateral; 7-10: a polygon "
        "of up to difficulty-2 sides. Sides have 1 (levels 1-3) to 4 (level 10) digits."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        digits = 1 + (difficulty - 1) // 3
        if difficulty <= 3 or chance(rng, 0.25):
            length, width = draw_digits(rng, digits, allow_zero=False), draw_digits(rng, digits, allow_zero=False)
            sides = [length, width, length, width]
            shape = f"A rectangle is {length} cm long and {width} cm wide."
        else:
            n = int(rng.integers(3, 5 if difficulty <= 6 else difficulty - 1))
            sides = [draw_digits(rng, digits, allow_zero=False) for _ in range(n)]
            shape = f"A polygon has sides {', '.join(f'{s} cm' for s in sides)}."
        steps, total = _running_sum(sides)
        prompt = (
            f"{shape} Find its perimeter, adding the sides one at a time in order (a rectangle: "
            "length, width, length, width). Answer as a number in cm."
        )
        return self.make(difficulty, prompt, steps, str(total), value=str(total), unit="cm", sides=sides)


class MissingAngle(_Geometry):
    name = "missing_angle"
    tier = 0
    pattern = "geometric_computation"
    prerequisites = ("subtraction",)
    summary = "The unknown interior angle of a polygon whose angle sum is given."
    difficulty_doc = (
        "Levels 1-5: a triangle (angles multiples of 10 at level 1, of 5 at level 2, any whole "
        "number from 3); 6-8: a quadrilateral; 9-10: a pentagon or hexagon."
    )

    _SHAPES: ClassVar[dict[int, tuple[str, int]]] = {3: ("triangle", 180), 4: ("quadrilateral", 360), 5: ("pentagon", 540), 6: ("hexagon", 720)}

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = 3 if difficulty <= 5 else 4 if difficulty <= 8 else int(rng.integers(5, 7))
        shape, total = self._SHAPES[n]
        unit = 10 if difficulty == 1 else 5 if difficulty == 2 else 1
        cuts = np.sort(rng.choice(np.arange(1, total // unit), size=n - 1, replace=False))
        angles = [int(x) * unit for x in np.diff(np.concatenate(([0], cuts, [total // unit])))]
        known, answer = angles[:-1], angles[-1]
        steps, _ = _running_sum(known, start=total)
        prompt = (
            f"The interior angles of a {shape} sum to {total}°. {n - 1} of them are "
            f"{', '.join(f'{a}°' for a in known)}. Find the remaining angle by subtracting the "
            "known angles one at a time. Answer as a number of degrees."
        )
        return self.make(difficulty, prompt, steps, str(answer), value=str(answer), unit="°",
                         total=total, known=known)


class PolygonAngleSum(_Geometry):
    name = "polygon_angle_sum"
    tier = 1
    pattern = "formula_substitution"
    prerequisites = ("multiplication", "division", "subtraction")
    summary = "Polygon angles: the interior sum (n-2)×180, a regular polygon's angles, or n."
    difficulty_doc = (
        "Levels 1-3: the interior angle sum of an n-gon, n up to 6+4×level; 4-6: also one "
        "interior or exterior angle of a regular n-gon (exact fractions) or n from the sum, n up "
        "to 50×(level-3); 7-10: the same with n from 100×(level-6) to 200×(level-6)+100."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        if difficulty <= 3:
            n, kinds = int(rng.integers(3, 7 + 4 * difficulty)), ["sum"]
        else:
            low, high = (3, 50 * (difficulty - 3)) if difficulty <= 6 else \
                (100 * (difficulty - 6), 200 * (difficulty - 6) + 100)
            n, kinds = int(rng.integers(low, high + 1)), ["sum", "regular", "exterior", "sides"]
        kind = kinds[int(rng.integers(len(kinds)))]
        total = (n - 2) * 180
        rule = "The interior angles of an n-sided polygon sum to (n-2)×180°; its exterior angles to 360°."
        if kind == "exterior":
            value = Fraction(360, n)
            prompt = (f"{rule} Find one exterior angle of a regular polygon with {n} sides (exact: an "
                      "integer, a terminating decimal or a fraction). Answer as a number of degrees.")
            return self.make(difficulty, prompt, [f"360/{n}={exact_text(value)}"], exact_text(value),
                             value=str(value), unit="°", kind=kind, n=n, total=360)
        if kind == "sides":
            steps = [f"{total}/180={n - 2}", f"n={n - 2}+2={n}"]
            prompt = f"{rule} A polygon's interior angles sum to {total}°. How many sides has it?"
            return self.make(difficulty, prompt, steps, str(n), value=str(n), unit="sides",
                             kind=kind, n=n, total=total)
        steps = [f"n-2={n}-2={n - 2}", f"{n - 2}×180={total}"]
        if kind == "sum":
            question = f"Find the sum of the interior angles of a polygon with {n} sides."
            value = Fraction(total)
        else:
            value = Fraction(total, n)
            steps.append(f"{total}/{n}={exact_text(value)}")
            question = (
                f"Find one interior angle of a regular polygon with {n} sides (exact: an "
                "integer, a terminating decimal or a fraction)."
            )
        prompt = f"{rule} {question} Answer as a number of degrees."
        return self.make(difficulty, prompt, steps, exact_text(value), value=str(value), unit="°",
                         kind=kind, n=n, total=total)


class ShapeArea(_Geometry):
    name = "shape_area"
    tier = 1
    pattern = "formula_substitution"
    prerequisites = ("multiplication", "division")
    summary = "Area of a rectangle, triangle, parallelogram or trapezoid from its formula."
    difficulty_doc = (
        "Lengths have 1 (levels 1-3) to 4 (level 10) digits. Level 1: rectangles; 2: also "
        "triangles; 3-4: also parallelograms; 5-10: also trapezoids."
    )

    _FORMULAS: ClassVar[dict[str, str]] = {
        "rectangle": "A=length×width",
        "triangle": "A=base×height/2",
        "parallelogram": "A=base×height",
        "trapezoid": "A=(a+b)×height/2",
    }

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        shapes = list(self._FORMULAS)[: 1 if difficulty == 1 else 2 if difficulty == 2 else 3 if difficulty <= 4 else 4]
        shape = shapes[int(rng.integers(len(shapes)))]
        digits = 1 + (difficulty - 1) // 3
        x, y, z = (draw_digits(rng, digits, allow_zero=False) for _ in range(3))
        if shape == "rectangle":
            given, steps, area = f"length {x} cm and width {y} cm", [f"{x}×{y}={x * y}"], Fraction(x * y)
        elif shape == "parallelogram":
            given, steps, area = f"base {x} cm and height {y} cm", [f"{x}×{y}={x * y}"], Fraction(x * y)
        elif shape == "triangle":
            area = Fraction(x * y, 2)
            given, steps = f"base {x} cm and height {y} cm", [f"{x}×{y}={x * y}", f"{x * y}/2={exact_text(area)}"]
        else:
            area = Fraction((x + y) * z, 2)
            given = f"parallel sides a={x} cm and b={y} cm and height {z} cm"
            steps = [f"{x}+{y}={x + y}", f"{x + y}×{z}={(x + y) * z}", f"{(x + y) * z}/2={exact_text(area)}"]
        prompt = (
            f"A {shape} has {given}. Find its area ({self._FORMULAS[shape]}). Answer as an exact "
            "number in cm^2."
        )
        return self.make(difficulty, prompt, steps, exact_text(area), value=str(area), unit="cm^2",
                         shape=shape, lengths=[x, y, z])


class PythagoreanTriple(_Geometry):
    name = "pythagorean_triple"
    tier = 2
    pattern = "geometric_computation"
    prerequisites = ("powers", "addition", "subtraction")
    summary = "The missing side of a right triangle whose sides are a Pythagorean triple."
    difficulty_doc = (
        "Sides are k×(m^2-n^2, 2mn, m^2+n^2) with m up to level+2 and k from 1+level//2 to "
        "2×level; levels 1-3 ask for the hypotenuse, higher levels for either leg half the time."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        for _ in range(50):
            m = int(rng.integers(2, difficulty + 3))
            n = int(rng.integers(1, m))
            if (m - n) % 2 == 1 and math.gcd(m, n) == 1:
                break
        else:
            m, n = 2, 1
        k = int(rng.integers(1 + difficulty // 2, 2 * difficulty + 1))
        legs = [k * (m * m - n * n), k * 2 * m * n]
        if chance(rng, 0.5):
            legs.reverse()
        (a, b), c = legs, k * (m * m + n * n)
        rule = "In a right triangle a^2+b^2=c^2 (c the hypotenuse); the answer is a whole number."
        if difficulty <= 3 or chance(rng, 0.5):
            steps = [f"{a}^2={a * a}", f"{b}^2={b * b}", f"{a * a}+{b * b}={c * c}", f"√{c * c}={c}"]
            prompt = f"{rule} The legs are {a} and {b}. Find the hypotenuse."
            answer = c
        else:
            steps = [f"{c}^2={c * c}", f"{a}^2={a * a}", f"{c * c}-{a * a}={b * b}", f"√{b * b}={b}"]
            prompt = f"{rule} The hypotenuse is {c} and one leg is {a}. Find the other leg."
            answer = b
        return self.make(difficulty, prompt, steps, str(answer), value=str(answer), unit="",
                         a=a, b=b, c=c)


_DECIMAL = re.compile(r"(\d+)\.(\d+)")


class _SymbolicPiAnswer:
    """An exact answer ``meta["value"]×π^meta["pi_power"]``: any sympy-equivalent exact form.

    ``49π/4``, ``12.25π``, ``(49/4)*pi`` and ``49 π/4 cm^2`` are the same answer; a decimal
    approximation of π is not exact and is wrong. Decimals are read as exact fractions first.
    """

    def check_answer(self, problem: Problem, text: str) -> bool:
        import sympy

        text = strip_unit(text, problem.meta.get("unit", "")).replace("pi", "π")
        text = _DECIMAL.sub(lambda m: f"({m.group(1)}{m.group(2)}/1{'0' * len(m.group(2))})", text)
        expr = parse_expression(text, variables="")
        if expr is None or expr.free_symbols or expr.has(sympy.Float):
            return False
        expected = sympy.Rational(problem.meta["value"]) * sympy.pi ** int(problem.meta["pi_power"])
        try:
            return bool(sympy.simplify(expr - expected) == 0)
        except Exception:  # noqa: BLE001 - sympy may fail on odd but parseable input: not correct
            return False


class CircleMeasure(_SymbolicPiAnswer, _Geometry):
    name = "circle_measure"
    tier = 2
    pattern = "formula_substitution"
    prerequisites = ("multiplication", "powers", "fraction_addition")
    summary = "Circumference, area, arc length or sector area of a circle, π kept symbolic."
    difficulty_doc = (
        "Levels 1-2: circumference or area from a one-digit radius; 3-5: radius or diameter up "
        "to 2 digits (halves appear); 6-10: also arcs and sectors with angles in steps of 15°, "
        "radius up to 3 digits from level 8."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        kinds = ["circumference", "area"] + (["arc length", "sector area"] * 2 if difficulty >= 6 else [])
        kind = kinds[int(rng.integers(len(kinds)))]
        digits = 1 if difficulty <= 2 else 2 if difficulty <= 7 else 3
        size = draw_digits(rng, digits, allow_zero=False)
        by_diameter = difficulty >= 3 and chance(rng, 0.5)
        r = Fraction(size, 2) if by_diameter else Fraction(size)
        steps = [f"r={size}/2={exact_text(r)}"] if by_diameter else []
        given = f"diameter {size} cm" if by_diameter else f"radius {size} cm"
        if kind in ("circumference", "arc length"):
            coefficient, formula, unit = 2 * r, "C=2×π×r", "cm"
            steps.append(f"C=2×π×{exact_text(r)}={_pi_text(coefficient)}")
        else:
            coefficient, formula, unit = r * r, "A=π×r^2", "cm^2"
            steps.append(f"A=π×{exact_text(r)}^2={_pi_text(coefficient)}")
        if kind in ("arc length", "sector area"):
            angle = 15 * int(rng.integers(1, 24))
            share = Fraction(angle, 360)
            steps.append(f"{angle}/360={fraction_text(share)}")
            steps.append(f"{fraction_text(share)}×{_pi_text(coefficient)}={_pi_text(coefficient * share)}")
            coefficient *= share
            given += f" and a central angle of {angle}°"
            formula += ", times angle/360"
        prompt = (
            f"A circle has {given}. Find the {kind} ({formula}). Keep π symbolic and exact "
            f"(like 12π or 49π/4). Answer in {unit}."
        )
        return self.make(difficulty, prompt, steps, _pi_text(coefficient), value=str(coefficient),
                         pi_power=1, unit=unit, kind=kind, radius=str(r),
                         angle=angle if kind in ("arc length", "sector area") else 360)


def _coordinate(rng: np.random.Generator, difficulty: int) -> Fraction:
    """A coordinate whose size and kind grow with difficulty (whole, signed, then fractions)."""
    if difficulty <= 2:
        return Fraction(int(rng.integers(0, 10)))
    if difficulty <= 7:
        bound = 20 if difficulty <= 5 else 99
        return Fraction(int(rng.integers(-bound, bound + 1)))
    return Fraction(int(rng.integers(-30, 31)), int(rng.integers(1, difficulty - 5)))


def _point_text(point: tuple[Fraction, ...]) -> str:
    return "(" + ", ".join(exact_text(c) for c in point) + ")"


class LineSlope(_Geometry):
    name = "line_slope"
    tier = 2
    pattern = "geometric_computation"
    prerequisites = ("subtraction", "division", "fraction_addition")
    summary = "Slope of the line through two points: rise over run."
    difficulty_doc = (
        "Levels 1-2: coordinates 0..9; 3-5: -20..20; 6-7: -99..99; 8-10: fractions with "
        "denominators up to level-6."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        x1, y1, y2 = (_coordinate(rng, difficulty) for _ in range(3))
        x2 = x1
        for _ in range(50):
            x2 = _coordinate(rng, difficulty)
            if x2 != x1:
                break
        else:
            x2 = x1 + 1
        rise, run = y2 - y1, x2 - x1
        slope = rise / run
        steps = [
            f"rise={_num(y2)}-{_num(y1)}={exact_text(rise)}",
            f"run={_num(x2)}-{_num(x1)}={exact_text(run)}",
            f"slope={_num(rise)}/{_num(run)}={fraction_text(slope)}",
        ]
        prompt = (
            f"Find the slope of the line through {_point_text((x1, y1))} and {_point_text((x2, y2))}"
            " (rise/run, second point minus first). Answer exactly, as an integer or a fraction."
        )
        return self.make(difficulty, prompt, steps, fraction_text(slope), value=str(slope), unit="",
                         p1=[str(x1), str(y1)], p2=[str(x2), str(y2)])


def _radical(n: int) -> tuple[int, int]:
    """``√n`` as ``(s, f)`` with ``n = s^2×f`` and ``f`` square-free."""
    s, f, d = 1, n, 2
    while d * d <= f:
        while f % (d * d) == 0:
            f //= d * d
            s *= d
        d += 1
    return s, f


def _radical_text(s: int, f: int) -> str:
    if f == 1:
        return str(s)
    return f"{'' if s == 1 else s}√{f}"


_RADICAL = re.compile(r"(\d*)\*?√\(?(\d+)\)?")


class PointDistance(_Geometry):
    name = "point_distance"
    tier = 3
    pattern = "geometric_computation"
    prerequisites = ("pythagorean_triple", "subtraction", "powers")
    summary = "Distance between two points in simplest radical form."
    difficulty_doc = (
        "Levels 1-2: plane points 0..20 whose distance is a whole number; 3-6: plane points, "
        "coordinates up to ±(10×level); 7-10: points in space, coordinates up to ±(10×level)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        bound = 10 * difficulty
        dims = 2 if difficulty <= 6 else 3
        start = [int(rng.integers(-bound, bound + 1)) if difficulty >= 3 else int(rng.integers(0, 11))
                 for _ in range(dims)]
        if difficulty <= 2:
            a, b = [(3, 4), (6, 8), (5, 12), (4, 3), (8, 6), (12, 5)][int(rng.integers(6))]
            end = [start[0] + a, start[1] + b]
        else:
            end = [int(rng.integers(-bound, bound + 1)) for _ in range(dims)]
        if end == start:
            end[0] += 1
        deltas = [q - p for p, q in zip(start, end)]
        names = "xyz"[:dims]
        steps = [f"{c}:{_num(q)}-{_num(p)}={d}" for c, p, q, d in zip(names, start, end, deltas)]
        squared = sum(d * d for d in deltas)
        steps.append("+".join(f"{_num(d)}^2" for d in deltas) + "=" + "+".join(str(d * d) for d in deltas)
                     + f"={squared}")
        s, f = _radical(squared)
        steps.append(f"√{squared}={_radical_text(s, f)}")
        prompt = (
            f"Find the distance between {_point_text(tuple(start))} and {_point_text(tuple(end))}. "
            "Answer exactly in simplest radical form a√b (b square-free), or as an integer."
        )
        return self.make(difficulty, prompt, steps, _radical_text(s, f), start=start, end=end,
                         coefficient=s, radicand=f)

    def check_answer(self, problem: Problem, text: str) -> bool:
        text = squash(text).replace("sqrt", "√")
        expected = (problem.meta["coefficient"], problem.meta["radicand"])
        if expected[1] == 1:
            return parse_int(text) == expected[0]
        m = _RADICAL.fullmatch(text)
        return bool(m) and (int(m.group(1) or 1), int(m.group(2))) == expected


class SolidVolume(_SymbolicPiAnswer, _Geometry):
    name = "solid_volume"
    tier = 3
    pattern = "formula_substitution"
    prerequisites = ("shape_area", "circle_measure")
    summary = "Volume of a box, cylinder, cone or sphere, π kept symbolic."
    difficulty_doc = (
        "Levels 1-2: boxes and cylinders with one-digit sizes; 3-5: also cones, sizes up to 2 "
        "digits; 6-10: also spheres and hemispheres, diameters given half the time, sizes up "
        "to 2 digits (3 from level 9)."
    )

    _FORMULAS: ClassVar[dict[str, str]] = {
        "box": "V=l×w×h",
        "cylinder": "V=π×r^2×h",
        "cone": "V=π×r^2×h/3",
        "sphere": "V=4/3×π×r^3",
        "hemisphere": "V=2/3×π×r^3",
    }

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        kinds = list(self._FORMULAS)[: 2 if difficulty <= 2 else 3 if difficulty <= 5 else 5]
        kind = kinds[int(rng.integers(len(kinds)))]
        digits = 1 if difficulty <= 2 else 2 if difficulty <= 8 else 3
        a, b, c = (draw_digits(rng, digits, allow_zero=False) for _ in range(3))
        if kind == "box":
            value, power = Fraction(a * b * c), 0
            steps = [f"{a}×{b}={a * b}", f"{a * b}×{c}={a * b * c}"]
            return self._finish(difficulty, kind, f"length {a} cm, width {b} cm and height {c} cm",
                                steps, value, power)
        by_diameter = difficulty >= 6 and chance(rng, 0.5)
        r = Fraction(a, 2) if by_diameter else Fraction(a)
        steps = [f"r={a}/2={exact_text(r)}"] if by_diameter else []
        given = f"{'diameter' if by_diameter else 'radius'} {a} cm"
        if kind in ("cylinder", "cone"):
            given += f" and height {b} cm"
            steps.append(f"r^2={exact_text(r * r)}")
            value = r * r * b
            steps.append(f"π×{exact_text(r * r)}×{b}={_pi_text(value)}")
            if kind == "cone":
                value /= 3
                steps.append(f"{_pi_text(value * 3)}/3={_pi_text(value)}")
        else:
            share = Fraction(4 if kind == "sphere" else 2, 3)
            value = share * r**3
            steps += [f"r^3={exact_text(r**3)}", f"{fraction_text(share)}×π×{exact_text(r**3)}={_pi_text(value)}"]
        return self._finish(difficulty, kind, given, steps, value, 1)

    def _finish(self, difficulty: int, kind: str, given: str, steps: list[str], value: Fraction,
                power: int) -> Problem:
        prompt = (
            f"A {kind} has {given}. Find its volume ({self._FORMULAS[kind]}). Answer exactly in "
            "cm^3, keeping π symbolic (like 12π or 49π/3)."
        )
        answer = _pi_text(value) if power else exact_text(value)
        return self.make(difficulty, prompt, steps, answer, value=str(value), pi_power=power,
                         unit="cm^3", kind=kind)


class ShoelaceArea(_Geometry):
    name = "shoelace_area"
    tier = 4
    pattern = "geometric_computation"
    prerequisites = ("shape_area", "multiplication", "subtraction")
    summary = "Area of a simple polygon from its vertices by the shoelace formula."
    difficulty_doc = (
        "3 vertices at level 1 up to 8 at level 10; coordinates 0..5+5×level, negative ones "
        "from level 4."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = 3 + (difficulty - 1) * 5 // 9
        high = 5 + 5 * difficulty
        low = -high if difficulty >= 4 else 0
        points = [(0, 0), (high, 0), (0, high)][:n]
        for _ in range(100):
            cloud = rng.integers(low, high + 1, size=(n, 2))
            center = cloud.mean(axis=0)
            angles = np.arctan2(cloud[:, 1] - center[1], cloud[:, 0] - center[0])
            if len(set(np.round(angles, 9))) == n and len({tuple(p) for p in cloud.tolist()}) == n:
                points = [tuple(map(int, p)) for p in cloud[np.argsort(angles)]]
                if _cross_sum(points) != 0:
                    break
        if chance(rng, 0.5):
            points.reverse()
        shift = int(rng.integers(n))
        points = points[shift:] + points[:shift]
        steps, total = [], 0
        for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]):
            term = x1 * y2 - x2 * y1
            total += term
            steps.append(f"{_num(x1)}×{_num(y2)}-{_num(x2)}×{_num(y1)}={term}")
        area = Fraction(abs(total), 2)
        steps += [f"sum={total}", f"|{total}|/2={exact_text(area)}"]
        prompt = (
            f"A polygon has vertices {', '.join(_point_text(p) for p in points)} in this order. "
            "Find its area by the shoelace formula: for each edge (x1, y1)→(x2, y2), in order and "
            "closing back to the first vertex, x1×y2-x2×y1; area=|sum|/2. Answer exactly."
        )
        return self.make(difficulty, prompt, steps, exact_text(area), value=str(area), unit="",
                         points=[list(p) for p in points])


def _cross_sum(points: list[tuple[int, int]]) -> int:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]))


def _linear_text(a: int, b: int, c: int) -> str:
    """``2x-y=7`` from coefficients (none of them zero)."""
    head = "x" if a == 1 else "-x" if a == -1 else f"{a}x"
    tail = "+y" if b == 1 else "-y" if b == -1 else f"{b:+d}y"
    return f"{head}{tail}={c}"


class LineIntersection(SpacingFreeSteps, Generator):
    name = "line_intersection"
    domain = "geometry"
    tier = 4
    pattern = "linear_algebra"
    prerequisites = ("linear_equation", "line_slope", "multiplication")
    summary = "Intersection point of two lines by Cramer's rule."
    difficulty_doc = (
        "Coefficients up to ±(2+2×level), positive only at levels 1-2; the point is whole at "
        "levels 1-5 and generally fractional from level 6."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        bound = 2 + 2 * difficulty
        values = [v for v in range(-bound, bound + 1) if v] if difficulty >= 3 else list(range(1, bound + 1))
        for _ in range(100):
            a1, b1, a2, b2 = (int(v) for v in rng.choice(values, size=4))
            det = a1 * b2 - a2 * b1
            if det:
                break
        else:
            a1, b1, a2, b2, det = 1, 1, 1, -1, -2
        if difficulty <= 5:
            x, y = (int(rng.integers(-bound, bound + 1)) for _ in range(2))
            c1, c2 = a1 * x + b1 * y, a2 * x + b2 * y
        else:
            c1, c2 = (int(rng.integers(-3 * bound, 3 * bound + 1)) for _ in range(2))
        dx, dy = c1 * b2 - c2 * b1, a1 * c2 - a2 * c1
        x, y = Fraction(dx, det), Fraction(dy, det)
        steps = [
            f"D={_num(a1)}×{_num(b2)}-{_num(a2)}×{_num(b1)}={det}",
            f"Dx={_num(c1)}×{_num(b2)}-{_num(c2)}×{_num(b1)}={dx}",
            f"Dy={_num(a1)}×{_num(c2)}-{_num(a2)}×{_num(c1)}={dy}",
            f"x={dx}/{_num(det)}={fraction_text(x)}",
            f"y={dy}/{_num(det)}={fraction_text(y)}",
        ]
        prompt = (
            f"Find where the lines {_linear_text(a1, b1, c1)} and {_linear_text(a2, b2, c2)} meet, "
            "by Cramer's rule (D=a1×b2-a2×b1, Dx=c1×b2-c2×b1, Dy=a1×c2-a2×c1). Answer as (x, y) "
            "with exact values (integers or fractions)."
        )
        return self.make(difficulty, prompt, steps, f"({fraction_text(x)}, {fraction_text(y)})",
                         x=str(x), y=str(y), lines=[[a1, b1, c1], [a2, b2, c2]])

    def check_answer(self, problem: Problem, text: str) -> bool:
        text = squash(text)
        if not (text.startswith("(") and text.endswith(")")) or text.count(",") != 1:
            return False
        x, y = (parse_rational(part) for part in text[1:-1].split(","))
        return x == Fraction(problem.meta["x"]) and y == Fraction(problem.meta["y"])
