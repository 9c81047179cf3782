"""Physics generators: answers recomputed from the prompt alone, steps checked, verifiers graded."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
import pytest
import sympy

from engram_env.registry import get_generator

CASES = [(seed, difficulty) for seed in range(20) for difficulty in range(1, 11)]
NUMBER = r"-?\d+(?:\.\d+)?"


def problems(task: str):
    generator = get_generator(task)
    return generator, [generator.problem(seed, difficulty) for seed, difficulty in CASES]


def givens(prompt: str) -> dict[str, Fraction]:
    """``name=value`` pairs of the prompt's ``Given ...`` part."""
    part = prompt.split("Given ")[1].split(", find")[0]
    return {k: Fraction(v) for k, v in re.findall(rf"\b(\w+)=({NUMBER})", part)}


def solve_for(equation: sympy.Expr, unknown: str, known: dict[str, Fraction]) -> Fraction:
    symbol = sympy.Symbol(unknown)
    values = {sympy.Symbol(k): sympy.Rational(v.numerator, v.denominator) for k, v in known.items()}
    roots = sympy.solve(equation.subs(values), symbol)
    assert len(roots) == 1
    return Fraction(str(roots[0]))


def test_ohms_law():
    g, ps = problems("ohms_law")
    V, I, R = sympy.symbols("V I R")
    for p in ps:
        known = {}
        for name, value, unit in re.findall(rf"\b([VIR])=({NUMBER}) (V|A|mA|ohm|kohm)\b", p.prompt):
            scale = {"mA": Fraction(1, 1000), "kohm": Fraction(1000)}.get(unit, Fraction(1))
            known[name] = Fraction(value) * scale
        unknown = re.search(r"find ([VIR])\.", p.prompt).group(1)
        assert Fraction(p.meta["value"]) == solve_for(V - I * R, unknown, known)
        assert g.check_answer(p, f"{p.answer} {p.meta['unit']}")
        given = p.prompt.split("Given ")[1]
        assert ("mA" in given or "kohm" in given) == (p.difficulty >= 6)


def test_kinematics_velocity():
    _, ps = problems("kinematics_velocity")
    v, u, a, t = sympy.symbols("v u a t")
    for p in ps:
        unknown = re.search(r"find (\w)\.", p.prompt).group(1)
        value = solve_for(v - u - a * t, unknown, givens(p.prompt))
        assert Fraction(p.answer) == value
        assert p.steps[-1].endswith(f"={p.answer}")


def test_kinematics_displacement():
    _, ps = problems("kinematics_displacement")
    s, u, a, t = sympy.symbols("s u a t")
    for p in ps:
        unknown = re.search(r"find (\w)\.", p.prompt).group(1)
        value = solve_for(s - u * t - a * t**2 / 2, unknown, givens(p.prompt))
        assert Fraction(p.answer) == value


def test_newton_second_law():
    _, ps = problems("newton_second_law")
    for p in ps:
        if "single force" in p.prompt:
            F, m, a = sympy.symbols("F m a")
            unknown = re.search(r"Find (\w)\.", p.prompt).group(1)
            known = {k: Fraction(v) for k, v in re.findall(rf"\b([Fma])=({NUMBER})", p.prompt)}
            assert Fraction(p.answer) == solve_for(F - m * a, unknown, known)
            continue
        mass = Fraction(re.search(r"A (\d+) kg", p.prompt).group(1))
        forces = [int(f) * (1 if side == "right" else -1)
                  for f, side in re.findall(r"(\d+) N to the (right|left)", p.prompt)]
        assert 2 <= len(forces) <= 1 + p.difficulty // 2
        assert Fraction(p.answer) == Fraction(sum(forces)) / mass
        assert p.steps[0].endswith(f"={sum(forces)}")


class _Resistance:
    """A resistance value with ``+`` for series and ``|`` for parallel (test-side arithmetic)."""

    def __init__(self, value):
        self.value = Fraction(value)

    def __add__(self, other):
        return _Resistance(self.value + other.value)

    def __or__(self, other):
        return _Resistance(1 / (1 / self.value + 1 / other.value))


def network_value(text: str) -> Fraction:
    expression = re.sub(r"(\d+)", r"Z(\1)", text.replace("||", "|"))
    assert re.fullmatch(r"[Z()\d+| ]+", expression)
    return eval(expression, {"Z": _Resistance, "__builtins__": {}}).value  # test-only, on generator output


def test_resistor_network():
    _, ps = problems("resistor_network")
    for p in ps:
        text = re.search(r"resistance of (.+), combining", p.prompt).group(1)
        assert Fraction(p.answer) == network_value(text)
        assert len(re.findall(r"\d+", text)) == 2 + (p.difficulty - 1) * 7 // 9
        assert p.steps[-1].endswith(f"={p.answer}")


def test_circuit_power():
    _, ps = problems("circuit_power")
    for p in ps:
        voltage = Fraction(re.search(r"A (\d+) V battery", p.prompt).group(1))
        resistance = network_value(re.search(r"the network (.+)\. Reduce", p.prompt).group(1))
        assert Fraction(p.answer) == voltage**2 / resistance
        assert Fraction(p.steps[-2].rpartition("=")[2]) == voltage / resistance  # the current


def test_momentum_collision():
    _, ps = problems("momentum_collision")
    v1, v2 = sympy.symbols("v1 v2")
    for p in ps:
        (m1, u1), (m2, u2) = [(int(m), int(u)) for m, u in
                              re.findall(r"\((\d+) kg\) (?:moves )?at (-?\d+) m/s", p.prompt)]
        assert u1 > u2  # body 1 catches up, so they do collide
        momentum = sympy.Eq(m1 * v1 + m2 * v2, m1 * u1 + m2 * u2)
        energy_before = sympy.Rational(m1 * u1**2 + m2 * u2**2, 2)
        if "stick together" in p.prompt:
            expected = sympy.solve([momentum, sympy.Eq(v1, v2)], [v1, v2], dict=True)[0][v1]
        elif "elastic" in p.prompt:
            energy = sympy.Eq((m1 * v1**2 + m2 * v2**2) / 2, energy_before)
            roots = sympy.solve([momentum, energy], [v1, v2], dict=True)
            expected = next(r[v1] for r in roots if r[v1] != u1 or r[v2] != u2)
        else:
            known_v1 = int(re.search(r"body 1 moves at (-?\d+) m/s", p.prompt).group(1))
            expected = sympy.solve(momentum.subs(v1, known_v1), v2)[0]
            energy_after = sympy.Rational(m1 * known_v1**2, 2) + m2 * expected**2 / 2
            assert energy_after <= energy_before and expected >= known_v1  # physically possible
        assert Fraction(p.answer) == Fraction(str(expected))


def test_projectile_range():
    _, ps = problems("projectile_range")
    for p in ps:
        speed, angle = (int(x) for x in re.search(r"at (\d+) m/s, (\d+)°", p.prompt).groups())
        height = re.search(r"from (\d+) m above", p.prompt)
        h = int(height.group(1)) if height else 0
        vx, vy = speed * np.cos(np.deg2rad(angle)), speed * np.sin(np.deg2rad(angle))
        landing = max(np.roots([-9.8 / 2, vy, h]).real)  # y(t) = h + vy t - g t^2 / 2 = 0
        if "peak height" in p.prompt:
            expected = h + vy**2 / (2 * 9.8)
        elif "time of flight" in p.prompt:
            expected = landing
        else:
            expected = vx * landing
        assert abs(float(p.answer) - expected) <= 0.005 + 1e-9
        assert re.fullmatch(r"-?\d+\.\d\d", p.answer)


def test_energy_conservation():
    _, ps = problems("energy_conservation")
    v, h = sympy.symbols("v h", positive=True)
    for p in ps:
        m = int(re.search(r"A (\d+) kg", p.prompt).group(1))
        h1 = sympy.Rational(re.search(r"h1=([\d.]+) m", p.prompt).group(1))
        u = int(re.search(r"with speed (\d+) m/s", p.prompt).group(1))
        lost = int(re.search(r"W=(\d+) J", p.prompt).group(1)) if "Friction" in p.prompt else 0
        before = sympy.Rational(m * u * u, 2) + m * 10 * h1 - lost
        if "Find its height" in p.prompt:
            speed = int(re.search(r"its speed is (\d+) m/s", p.prompt).group(1))
            expected = sympy.solve(sympy.Eq(before, m * speed**2 / sympy.Integer(2) + m * 10 * h), h)[0]
        else:
            h2 = int(re.search(r"height h2=(\d+) m", p.prompt).group(1))
            expected = sympy.solve(sympy.Eq(before, m * v**2 / 2 + m * 10 * h2), v)[0]
        assert Fraction(p.answer) == Fraction(str(expected))


@pytest.mark.parametrize("task, difficulty", [("ohms_law", 4), ("kinematics_velocity", 8), ("resistor_network", 6)])
def test_exact_answer_forms(task, difficulty):
    g = get_generator(task)
    p = next(q for q in (g.problem(s, difficulty) for s in range(500))
             if "/" in q.answer or "." in q.answer)
    value, unit = Fraction(p.meta["value"]), p.meta["unit"]
    good = [p.answer, f"{p.answer} {unit}", f"{p.answer}{unit}", f"{value.numerator}/{value.denominator}",
            f"{5 * value.numerator}/{5 * value.denominator} {unit}"]
    for text in good:
        assert g.check_answer(p, text), text
    bad = [f"{float(value):.1f}" if value.denominator > 10 else f"{value + Fraction(1, 10)}", str(value + 1),
           str(-value), f"{p.answer} kg", f"{p.answer} m{unit}", "", unit, "1e", "1/0"]
    for text in bad:
        assert not g.check_answer(p, text), text


def test_rounded_answer_forms():
    g = get_generator("projectile_range")
    p = g.problem(4, 5)
    exact = float(p.meta["exact"])
    good = [p.answer, f"{p.answer} {p.meta['unit']}", f"{exact:.3f}", f"{exact:.5f}"]
    for text in good:
        assert g.check_answer(p, text), text
    bad = [f"{exact + 0.01:.2f}", f"{exact - 0.01:.2f}", f"{exact:.0f}", f"{math.floor(exact * 10) / 10 - 0.1:.1f}",
           f"{p.answer} s" if p.meta["unit"] == "m" else f"{p.answer} m", "", "abc", f"-{p.answer}", "1/2"]
    for text in bad:
        assert not g.check_answer(p, text), text


def test_signed_answers():
    g = get_generator("momentum_collision")
    p = next(q for q in (g.problem(s, 6) for s in range(500)) if q.answer.startswith("-"))
    assert g.check_answer(p, p.answer) and g.check_answer(p, f"{p.answer} m/s")
    assert not g.check_answer(p, p.answer[1:])
