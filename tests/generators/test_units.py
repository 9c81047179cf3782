"""Units generators: answers recomputed from the prompt alone, steps checked, verifiers graded."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
import sympy

from engram_env.registry import get_generator

CASES = [(seed, difficulty) for seed in range(20) for difficulty in range(1, 11)]
PREFIX = {"G": Fraction(10**9), "M": Fraction(10**6), "k": Fraction(1000), "h": Fraction(100), "": Fraction(1),
          "d": Fraction(1, 10), "c": Fraction(1, 100), "m": Fraction(1, 1000), "μ": Fraction(1, 10**6),
          "n": Fraction(1, 10**9)}
SECONDS = {"week": 7 * 24 * 3600, "d": 24 * 3600, "h": 3600, "min": 60, "s": 1}


def problems(task: str):
    generator = get_generator(task)
    return generator, [generator.problem(seed, difficulty) for seed, difficulty in CASES]


def size(unit: str) -> Fraction:
    """Size of a simple or compound unit in SI (length m, mass kg, volume m^3, time s)."""
    if "/" in unit:
        top, bottom = unit.split("/")
        power = int(bottom.split("^")[1]) if bottom.startswith(("s^", "h^", "min^")) else 1
        return size(top) / size(bottom.split("^")[0] if power > 1 else bottom) ** power
    if unit in SECONDS:
        return Fraction(SECONDS[unit])
    if unit.endswith("L"):
        return PREFIX[unit[:-1]] / 1000
    if unit.endswith(("m^2", "m^3")):
        return PREFIX[unit[:-3]] ** int(unit[-1])
    if unit.endswith("g"):
        return PREFIX[unit[:-1]] / 1000
    return PREFIX[unit[:-1]]


def test_metric_conversion():
    _, ps = problems("metric_conversion")
    for p in ps:
        value, source, target = re.search(r"Convert ([\d.]+) (\S+) to (\S+) \(", p.prompt).groups()
        expected = Fraction(value) * size(source) / size(target)
        assert Fraction(p.answer) == expected and source != target
        left, right = p.steps[1].split("=")
        a, b = re.split(r"[×/]", left)
        assert (Fraction(a) * Fraction(b) if "×" in left else Fraction(a) / Fraction(b)) == Fraction(right)


def test_time_conversion():
    _, ps = problems("time_conversion")
    for p in ps:
        duration, target = re.search(r"Convert (.+) to (\w+):", p.prompt).groups()
        parts = re.findall(r"(\d+) (week|d|h|min|s)\b", duration)
        expected = Fraction(sum(int(a) * SECONDS[u] for a, u in parts), SECONDS[target])
        assert int(p.answer) == expected
        if len(parts) > 1:
            terms, total = p.steps[-1].split("=")
            assert sum(map(int, terms.split("+"))) == int(total) == expected


def to_celsius(value: Fraction, unit: str) -> Fraction:
    return {"°C": value, "°F": (value - 32) * Fraction(5, 9), "K": value - Fraction("273.15")}[unit]


def test_temperature_conversion():
    g, ps = problems("temperature_conversion")
    for p in ps:
        value, source, target = re.search(r"Convert (-?[\d.]+) (°C|°F|K) to (°C|°F|K)\.", p.prompt).groups()
        celsius = to_celsius(Fraction(value), source)
        expected = {"°C": celsius, "°F": celsius * Fraction(9, 5) + 32, "K": celsius + Fraction("273.15")}[target]
        assert Fraction(p.answer) == expected
        assert g.check_answer(p, f"{expected.numerator}/{expected.denominator} {target}")
        if p.difficulty <= 2:  # whole degrees (kelvin values end in .15)
            assert (expected - (Fraction("273.15") if target == "K" else 0)).denominator == 1


def test_compound_unit_conversion():
    _, ps = problems("compound_unit_conversion")
    for p in ps:
        value, source, target = re.search(r"Convert ([\d.]+) (\S+) to (\S+): ", p.prompt).groups()
        expected = Fraction(value) * size(source) / size(target)
        assert Fraction(p.answer) == expected
        if p.difficulty <= 3:
            assert expected.denominator == 1
        assert p.steps[-1].endswith(f"={p.answer} {target}")


BASE = sympy.symbols("kg m s A K", positive=True)
BASE_NAMES = {str(b): b for b in BASE}


def unit_expr(text: str) -> sympy.Expr:
    """``kg*m^2*s^-2`` as a sympy product of positive symbols."""
    return sympy.sympify(text.replace("^", "**"), locals=BASE_NAMES)


def legend(prompt: str) -> dict[str, sympy.Expr]:
    return {symbol: unit_expr(unit) for symbol, unit in
            re.findall(r"(\w) \([a-z ]+\) in ([\w*^-]+)", prompt.split(". ")[0])}


def term_units(term: str, units: dict[str, sympy.Expr]) -> sympy.Expr:
    term = re.sub(r"^\d+(/\d+)?×", "", term.strip())  # dimensionless coefficient
    expression = re.sub(r"([A-Za-z])", r"Q_\1", term.replace("×", "*").replace("^", "**"))
    return sympy.sympify(expression, locals={f"Q_{s}": u for s, u in units.items()})


def test_dimensional_consistency():
    g, ps = problems("dimensional_consistency")
    for p in ps:
        units = legend(p.prompt)
        equation = re.search(r"Is (.+) dimensionally consistent", p.prompt).group(1)
        lhs, rhs = equation.split(" = ")
        reference = term_units(lhs, units)
        consistent = all(sympy.simplify(term_units(t, units) / reference) == 1 for t in rhs.split(" + "))
        assert p.answer == ("yes" if consistent else "no")
        assert len(rhs.split(" + ")) == (1 if p.difficulty <= 5 else 2 if p.difficulty <= 8 else 3)
        for step in p.steps[:-1]:  # each term's stated units are right
            term, unit = step.split(": ")
            assert sympy.simplify(term_units(term, units) / unit_expr(unit)) == 1
    answers = [g.problem(seed, d).answer for seed in range(200) for d in (1, 10)]
    assert 0.4 <= answers.count("yes") / len(answers) <= 0.6


def test_derive_units():
    _, ps = problems("derive_units")
    for p in ps:
        units = legend(p.prompt)
        definition = re.search(r"Let Q = (\S+)\.", p.prompt).group(1)
        expected = term_units(definition, units)
        assert sympy.simplify(unit_expr(p.answer) / expected) == 1
        assert len(units) == 2 + (p.difficulty - 1) * 4 // 9
        assert p.steps[-1] == f"Q: {p.answer}"


@pytest.mark.parametrize("text, ok", [
    ("kg*m^2*s^-3", True), ("kg*m^2/s^3", True), ("kg m^2 s^-3", True), ("m^2*kg*s^-3", True),
    ("kg * m^2 / s^3", True), ("kg*m*m/s^3", True), ("kg*m^2/(s^2*s)", True),
    ("kg*m^2*s^-2", False), ("kg*m^2*s^3", False), ("kg*m^-2*s^-3", False), ("W", False),
    ("J/s", False), ("kgm^2s^-3", False), ("kg*m^2*s^-3*", False), ("", False), ("kg*(m", False),
    ("kg^99999999999*m", False),
])
def test_unit_answer_forms(text, ok):
    g = get_generator("derive_units")
    p = next(q for q in (g.problem(s, 3) for s in range(2000)) if q.answer == "kg*m^2*s^-3")
    assert g.check_answer(p, text) is ok


@pytest.mark.parametrize("text, ok", [
    ("yes", True), ("Yes", True), (" YES ", True), ("no", False), ("y", False), ("", False), ("yes no", False),
])
def test_yes_no_answer(text, ok):
    g = get_generator("dimensional_consistency")
    p = next(q for q in (g.problem(s, 4) for s in range(100)) if q.answer == "yes")
    assert g.check_answer(p, text) is ok


def test_exact_quantity_answers():
    g = get_generator("temperature_conversion")
    p = next(q for q in (g.problem(s, 8) for s in range(500)) if "/" in q.answer)
    value = Fraction(p.meta["value"])
    unit = p.meta["unit"]
    for text in (p.answer, f"{p.answer} {unit}", f"{p.answer}{unit}", f"{3 * value.numerator}/{3 * value.denominator}"):
        assert g.check_answer(p, text), text
    for text in (f"{float(value):.2f}", f"{float(value):.6f}", f"{value + 1}", f"-{p.answer}",
                 f"{p.answer} °X", f"{p.answer} F", "", "nan"):
        assert not g.check_answer(p, text), text
    g = get_generator("compound_unit_conversion")
    p = g.problem(0, 1)
    assert g.check_answer(p, f"{p.answer} {p.meta['unit']}") and g.check_answer(p, f"{p.answer}.0")
    assert not g.check_answer(p, f"{p.answer} {p.meta['source']}") and not g.check_answer(p, str(int(p.answer) + 1))
