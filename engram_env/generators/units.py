"""Units: conversions by conversion factors and dimensional analysis in SI base units.

Conversions are exact (powers of ten, 60, 3600, 273.15), so answers are exact rationals and the
verifier takes any equivalent form, with or without the stated unit. Dimensional tasks write a
unit as a product of SI base units with integer exponents, ``kg*m^2*s^-2``; their verifier
parses any spelling of the same product (``kg*m^2/s^2``, ``kg m^2 s^-2``).
"""

from __future__ import annotations

import itertools
import re
from fractions import Fraction
from functools import cache
from typing import ClassVar

import numpy as np

from engram_env.generator import Generator
from engram_env.generators._common import chance, draw_digits, exact_text, fraction_text
from engram_env.problem import Problem
from engram_env.verifiers import CaseInsensitiveAnswer, QuantityAnswer, SpacingFreeSteps


class _Units(SpacingFreeSteps, QuantityAnswer, Generator):
    domain = "units"


def _decimal_value(rng: np.random.Generator, digits: int, decimals: int) -> Fraction:
    """A positive value with ``digits`` significant digits, ``decimals`` of them after the point."""
    return Fraction(draw_digits(rng, digits, allow_zero=False), 10**decimals)


def _scale_text(value: Fraction, factor: Fraction) -> str:
    """``value×factor`` written as a product, or as a division when ``factor`` is ``1/n``."""
    if factor.denominator == 1:
        return f"{exact_text(value)}×{factor.numerator}"
    if factor.numerator == 1:
        return f"{exact_text(value)}/{factor.denominator}"
    return f"{exact_text(value)}×{fraction_text(factor)}"


_PREFIXES = {"G": 9, "M": 6, "k": 3, "h": 2, "": 0, "d": -1, "c": -2, "m": -3, "μ": -6, "n": -9}


class MetricConversion(_Units):
    name = "metric_conversion"
    tier = 1
    pattern = "dimensional_analysis"
    prerequisites = ("multiplication", "division")
    summary = "Convert between metric prefixes (km, cm, mg, mL, ...) by a power of ten."
    difficulty_doc = (
        "Levels 1-3: prefixes k, c, m and whole values; 4-6: also h and d, values with one "
        "decimal; 7-8: also M, G, μ, n, two decimals; 9-10: areas and volumes (cm^2, mm^3, "
        "...), where the length factor is squared or cubed."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        if difficulty <= 3:
            prefixes, decimals = ["k", "", "c", "m"], 0
        elif difficulty <= 6:
            prefixes, decimals = ["k", "h", "", "d", "c", "m"], 1
        else:
            prefixes, decimals = list(_PREFIXES), 2
        base, power = ["m", "g", "L"][int(rng.integers(3))], 1
        if difficulty >= 9:
            base, power = "m", int(rng.integers(2, 4))
            prefixes = ["k", "", "d", "c", "m"]
        for _ in range(50):
            source, target = (prefixes[i] for i in rng.choice(len(prefixes), size=2, replace=False))
            if abs(_PREFIXES[source] - _PREFIXES[target]) * power <= 12:
                break
        else:
            source, target = "", "c"
        exponent = (_PREFIXES[source] - _PREFIXES[target]) * power
        factor = Fraction(10) ** exponent
        value = _decimal_value(rng, 1 + (difficulty + 1) // 3, decimals)
        suffix = f"^{power}" if power > 1 else ""
        source_unit, target_unit = f"{source}{base}{suffix}", f"{target}{base}{suffix}"
        result = value * factor
        steps = [f"1 {source_unit}={exact_text(factor)} {target_unit}",
                 f"{_scale_text(value, factor)}={exact_text(result)}"]
        prompt = (
            f"Convert {exact_text(value)} {source_unit} to {target_unit} (state the factor, then "
            f"scale). Answer as an exact number in {target_unit}."
        )
        return self.make(difficulty, prompt, steps, exact_text(result), value=str(result),
                         unit=target_unit, source=source_unit, amount=str(value), exponent=exponent)


_TIME_UNITS = {"week": 604800, "d": 86400, "h": 3600, "min": 60, "s": 1}
_TIME_LIMITS = {"week": 9, "d": 6, "h": 23, "min": 59, "s": 59}


class TimeConversion(_Units):
    name = "time_conversion"
    tier = 1
    pattern = "dimensional_analysis"
    prerequisites = ("multiplication", "addition")
    summary = "Convert a duration such as 2 h 15 min 30 s into one smaller unit."
    difficulty_doc = (
        "Levels 1-2: one unit (h or min) into a smaller one; 3-5: h and min; 6-8: h, min and s "
        "into seconds; 9: days, h, min, s; 10: weeks too."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        if difficulty <= 2:
            parts = [["h", "min"][int(rng.integers(2))]]
            target = "s" if parts[0] == "min" or chance(rng, 0.5) else "min"
        elif difficulty <= 5:
            parts, target = ["h", "min"], ["min", "s"][int(rng.integers(2))]
        else:
            parts = ["week", "d", "h", "min", "s"][max(0, 10 - difficulty) if difficulty >= 9 else 2:]
            target = "s"
        amounts = [int(rng.integers(1, _TIME_LIMITS[u] + 1)) for u in parts]
        if difficulty <= 2:
            amounts = [int(rng.integers(2, 10 * difficulty + 1))]
        factors = [_TIME_UNITS[u] // _TIME_UNITS[target] for u in parts]
        terms = [a * f for a, f in zip(amounts, factors)]
        steps = [f"{a} {u}={a}×{f}={t} {target}" for a, u, f, t in zip(amounts, parts, factors, terms)
                 if u != target]
        if len(terms) > 1:
            steps.append("+".join(map(str, terms)) + f"={sum(terms)}")
        duration = " ".join(f"{a} {u}" for a, u in zip(amounts, parts))
        prompt = (
            "1 week=7 d, 1 d=24 h, 1 h=60 min, 1 min=60 s. "
            f"Convert {duration} to {target}: convert each part, then add. Answer as a whole number "
            f"of {target}."
        )
        total = sum(terms)
        return self.make(difficulty, prompt, steps, str(total), value=str(total), unit=target,
                         parts=dict(zip(parts, amounts)))


_ABSOLUTE_ZERO = Fraction("273.15")


class TemperatureConversion(_Units):
    name = "temperature_conversion"
    tier = 2
    pattern = "formula_substitution"
    prerequisites = ("multiplication", "fraction_addition")
    summary = "Convert temperatures between °C, °F and K exactly."
    difficulty_doc = (
        "Levels 1-2: °C and °F, °C and K, Celsius values multiples of 5, so answers are whole "
        "degrees (kelvins end in .15); 3-6: any whole input; 7-10: inputs with one decimal, and "
        "°F to K and back (two formulas)."
    )

    _PAIRS: ClassVar[list[tuple[str, str]]] = [("°C", "°F"), ("°F", "°C"), ("°C", "K"), ("K", "°C"), ("°F", "K"), ("K", "°F")]

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        pairs = self._PAIRS[: 4 if difficulty <= 6 else 6]
        source, target = pairs[int(rng.integers(len(pairs)))]
        if difficulty <= 2:  # pick the Celsius value first so every answer is whole
            celsius = Fraction(5 * int(rng.integers(-20, 41)))
            value = {"°C": celsius, "°F": celsius * 9 / 5 + 32, "K": celsius + _ABSOLUTE_ZERO}[source]
        elif difficulty <= 6:
            value = Fraction(int(rng.integers(-100, 401 if source == "K" else 301)))
            if source == "K":
                value = abs(value)
        else:
            value = Fraction(int(rng.integers(1, 5000)), 10) * (1 if source == "K" or chance(rng, 0.7) else -1)
            if value.denominator == 1:
                value += Fraction(1, 10)
        steps, current, unit = [], value, source
        for step_target in (["°C", target] if "°C" not in (source, target) else [target]):
            current, text = _temperature_step(current, unit, step_target)
            steps += text
            unit = step_target
        prompt = (
            "°F=°C×9/5+32, °C=(°F-32)×5/9, K=°C+273.15. "
            f"Convert {exact_text(value)} {source} to {target}. Answer exactly in {target} "
            "(an integer, a terminating decimal or a fraction)."
        )
        return self.make(difficulty, prompt, steps, exact_text(current), value=str(current),
                         unit=target, source=source, amount=str(value))


def _temperature_step(value: Fraction, source: str, target: str) -> tuple[Fraction, list[str]]:
    """One formula between °C and another scale, with its steps."""
    v = exact_text(value)
    if (source, target) == ("°C", "°F"):
        scaled = value * 9 / 5
        return scaled + 32, [f"{v}×9/5={exact_text(scaled)}", f"{exact_text(scaled)}+32={exact_text(scaled + 32)}"]
    if (source, target) == ("°F", "°C"):
        shifted = value - 32
        return shifted * 5 / 9, [f"{v}-32={exact_text(shifted)}",
                                 f"{exact_text(shifted)}×5/9={exact_text(shifted * 5 / 9)}"]
    if (source, target) == ("°C", "K"):
        return value + _ABSOLUTE_ZERO, [f"{v}+273.15={exact_text(value + _ABSOLUTE_ZERO)}"]
    return value - _ABSOLUTE_ZERO, [f"{v}-273.15={exact_text(value - _ABSOLUTE_ZERO)}"]


# Each family: units with their size in one reference unit of that family.
_LENGTH = {"km": Fraction(1000), "m": Fraction(1), "cm": Fraction(1, 100), "mm": Fraction(1, 1000)}
_TIME = {"h": Fraction(3600), "min": Fraction(60), "s": Fraction(1)}
_MASS = {"kg": Fraction(1000), "g": Fraction(1), "mg": Fraction(1, 1000)}
_VOLUME = {"m^3": Fraction(1000), "L": Fraction(1), "mL": Fraction(1, 1000), "cm^3": Fraction(1, 1000)}
_COMPOUNDS = [(_LENGTH, _TIME, 1), (_MASS, _VOLUME, 1), (_VOLUME, _TIME, 1), (_LENGTH, _TIME, 2)]


class CompoundUnitConversion(_Units):
    name = "compound_unit_conversion"
    tier = 3
    pattern = "dimensional_analysis"
    prerequisites = ("metric_conversion", "time_conversion", "fraction_addition")
    summary = "Convert a rate such as km/h to m/s, numerator and denominator one at a time."
    difficulty_doc = (
        "Levels 1-3: km/h and m/s with whole answers; 4-6: speeds, densities and flow rates "
        "with whole inputs (answers may be fractions); 7-10: also accelerations (time squared), "
        "inputs with 1-2 decimals and both units converted."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        if difficulty <= 3:
            (top_a, top_b), (bottom_a, bottom_b), power = [(("km", "m"), ("h", "s"), 1),
                                                            (("m", "km"), ("s", "h"), 1)][int(rng.integers(2))]
            tops, bottoms = _LENGTH, _TIME
            step = 18 if top_a == "km" else 5
            value = Fraction(step * int(rng.integers(1, 10 * difficulty + 1)))
        else:
            families = _COMPOUNDS[: 3 if difficulty <= 6 else 4]
            tops, bottoms, power = families[int(rng.integers(len(families)))]
            both = difficulty >= 7  # from level 7 both units change
            top_a, top_b = (list(tops)[i] for i in rng.choice(len(tops), size=2, replace=not both))
            bottom_a, bottom_b = (list(bottoms)[i] for i in rng.choice(len(bottoms), size=2, replace=not both))
            if (top_a, bottom_a) == (top_b, bottom_b):
                bottom_b = next(u for u in bottoms if u != bottom_a)
            decimals = 0 if difficulty <= 6 else 1 + (difficulty >= 9)
            value = _decimal_value(rng, 2 + (difficulty >= 7), decimals)
            if decimals and value.denominator == 1:
                value += Fraction(1, 10**decimals)
        steps, current = [], value
        if top_a != top_b:
            factor = tops[top_a] / tops[top_b]
            steps.append(f"{_scale_text(current, factor)}={exact_text(current * factor)} {_rate_unit(top_b, bottom_a, power)}")
            current *= factor
        if bottom_a != bottom_b:
            factor = (bottoms[bottom_b] / bottoms[bottom_a]) ** power
            steps.append(f"{_scale_text(current, factor)}={exact_text(current * factor)} {_rate_unit(top_b, bottom_b, power)}")
            current *= factor
        source, target = _rate_unit(top_a, bottom_a, power), _rate_unit(top_b, bottom_b, power)
        prompt = (
            "1 km=1000 m, 1 m=100 cm, 1 cm=10 mm; 1 h=60 min, 1 min=60 s; 1 kg=1000 g, 1 g=1000 mg; "
            "1 m^3=1000 L, 1 L=1000 mL, 1 mL=1 cm^3. "
            f"Convert {exact_text(value)} {source} to {target}: first the numerator unit, then the "
            f"denominator. Answer exactly in {target} (an integer, a terminating decimal or a fraction)."
        )
        return self.make(difficulty, prompt, steps, exact_text(current), value=str(current),
                         unit=target, source=source, amount=str(value))


def _rate_unit(top: str, bottom: str, power: int) -> str:
    return f"{top}/{bottom}" + (f"^{power}" if power > 1 else "")


# -- dimensional analysis ---------------------------------------------------------------------

_BASE_UNITS = ("kg", "m", "s", "A", "K")
# symbol: (name, exponents of kg, m, s, A, K)
_QUANTITIES: dict[str, tuple[str, tuple[int, ...]]] = {
    "m": ("mass", (1, 0, 0, 0, 0)),
    "x": ("distance", (0, 1, 0, 0, 0)),
    "t": ("time", (0, 0, 1, 0, 0)),
    "v": ("velocity", (0, 1, -1, 0, 0)),
    "a": ("acceleration", (0, 1, -2, 0, 0)),
    "F": ("force", (1, 1, -2, 0, 0)),
    "E": ("energy", (1, 2, -2, 0, 0)),
    "P": ("power", (1, 2, -3, 0, 0)),
    "p": ("pressure", (1, -1, -2, 0, 0)),
    "S": ("area", (0, 2, 0, 0, 0)),
    "V": ("volume", (0, 3, 0, 0, 0)),
    "D": ("density", (1, -3, 0, 0, 0)),
    "f": ("frequency", (0, 0, -1, 0, 0)),
    "k": ("spring constant", (1, 0, -2, 0, 0)),
    "q": ("charge", (0, 0, 1, 1, 0)),
    "I": ("current", (0, 0, 0, 1, 0)),
    "U": ("voltage", (1, 2, -3, -1, 0)),
    "R": ("resistance", (1, 2, -3, -2, 0)),
    "T": ("temperature", (0, 0, 0, 0, 1)),
    "c": ("specific heat", (0, 2, -2, 0, -1)),
}

Monomial = tuple[tuple[str, int], ...]


def _dims(monomial: Monomial) -> tuple[int, ...]:
    total = [0] * len(_BASE_UNITS)
    for symbol, power in monomial:
        for i, e in enumerate(_QUANTITIES[symbol][1]):
            total[i] += power * e
    return tuple(total)


def _unit_text(dims: tuple[int, ...]) -> str:
    """``kg*m^2*s^-2``; ``1`` when dimensionless."""
    parts = [u if e == 1 else f"{u}^{e}" for u, e in zip(_BASE_UNITS, dims) if e]
    return "*".join(parts) or "1"


def _monomial_text(monomial: Monomial) -> str:
    """``m×v^2/t``: positive powers first, then each negative power as a division."""
    top = [s if p == 1 else f"{s}^{p}" for s, p in monomial if p > 0]
    bottom = [s if p == -1 else f"{s}^{-p}" for s, p in monomial if p < 0]
    return "×".join(top or ["1"]) + "".join(f"/{b}" for b in bottom)


def _legend(symbols: list[str]) -> str:
    return "; ".join(f"{s} ({_QUANTITIES[s][0]}) in {_unit_text(_QUANTITIES[s][1])}"
                     for s in sorted(set(symbols)))


@cache
def _monomials_by_dims() -> dict[tuple[int, ...], list[Monomial]]:
    """Every product of 1-3 distinct quantities (powers -1, 1, 2; 3 factors: -1, 1), by dimension."""
    index: dict[tuple[int, ...], list[Monomial]] = {}
    symbols = list(_QUANTITIES)
    for size, powers in ((1, (-1, 1, 2)), (2, (-1, 1, 2)), (3, (-1, 1))):
        for group in itertools.combinations(symbols, size):
            for exps in itertools.product(powers, repeat=size):
                if all(e < 0 for e in exps):
                    continue  # a pure quotient like 1/(x×t) reads badly
                monomial = tuple(zip(group, exps))
                index.setdefault(_dims(monomial), []).append(monomial)
    return index


_MAX_SYMBOLS = 8


class DimensionalConsistency(CaseInsensitiveAnswer, SpacingFreeSteps, Generator):
    name = "dimensional_consistency"
    domain = "units"
    tier = 4
    pattern = "dimensional_analysis"
    prerequisites = ("derive_units", "compound_unit_conversion")
    summary = "Decide whether an equation between physical quantities is dimensionally consistent."
    difficulty_doc = (
        "Levels 1-5: one quantity equals one product of 1-2 (from level 3: 1-3) quantities; "
        "6-8: a product equals a sum of two products; 9-10: a product of 1-2 quantities equals a "
        "sum of three (at most 8 distinct quantities). Inconsistent "
        "equations differ from a consistent one by one exponent or one quantity."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        consistent = chance(rng, 0.5)
        terms_wanted = 1 if difficulty <= 5 else 2 if difficulty <= 8 else 3
        max_factors = 2 if difficulty <= 2 or terms_wanted == 3 else 3
        index = _monomials_by_dims()
        keys = list(index)
        lhs = (("E", 1),)
        rhs = [(("m", 1), ("v", 2)), (("F", 1), ("x", 1)), (("P", 1), ("t", 1))][:terms_wanted]
        for _ in range(200):
            if difficulty <= 5:
                symbol = list(_QUANTITIES)[int(rng.integers(len(_QUANTITIES)))]
                lhs = ((symbol, 1),)
            else:
                candidates = [m for m in index[keys[int(rng.integers(len(keys)))]] if len(m) <= max_factors]
                if not candidates:
                    continue
                lhs = candidates[int(rng.integers(len(candidates)))]
            pool = [m for m in index[_dims(lhs)]
                    if len(m) <= max_factors and not {s for s, _ in m} & {s for s, _ in lhs}]
            if len(pool) >= terms_wanted:
                picks = rng.choice(len(pool), size=terms_wanted, replace=False)
                drawn = [pool[int(i)] for i in picks]
                if len({s for m in (lhs, *drawn) for s, _ in m}) <= _MAX_SYMBOLS:  # bounds the prompt
                    rhs = drawn
                    break
        if not consistent:
            wrong = int(rng.integers(terms_wanted))
            rhs[wrong] = _perturb(rng, rhs[wrong])
        coefficients = ["", "2×", "1/2×", "3×", "4×"]
        rhs_text = " + ".join(coefficients[int(rng.integers(5))] + _monomial_text(m) for m in rhs)
        equation = f"{_monomial_text(lhs)} = {rhs_text}"
        symbols = [s for m in (lhs, *rhs) for s, _ in m]
        target = _dims(lhs)
        steps = [f"{_monomial_text(m)}: {_unit_text(_dims(m))}" for m in (lhs, *rhs)]
        mismatched = [m for m in rhs if _dims(m) != target]
        steps.append("all terms match" if not mismatched
                     else f"{_monomial_text(mismatched[0])} differs from {_monomial_text(lhs)}")
        prompt = (
            f"Quantities: {_legend(symbols)}. Is {equation} dimensionally consistent (every term "
            "with the same SI base units; numbers are dimensionless)? Give each term's base units, "
            "then answer yes or no."
        )
        answer = "yes" if not mismatched else "no"
        return self.make(difficulty, prompt, steps, answer, lhs=[list(f) for f in lhs],
                         rhs=[[list(f) for f in m] for m in rhs])


def _perturb(rng: np.random.Generator, monomial: Monomial) -> Monomial:
    """A monomial of a different dimension: one exponent moved by ±1 or one quantity swapped."""
    target = _dims(monomial)
    for _ in range(50):
        factors = list(monomial)
        i = int(rng.integers(len(factors)))
        symbol, power = factors[i]
        if chance(rng, 0.5):
            power += 1 if chance(rng, 0.5) else -1
            if power == 0:
                continue
        else:
            used = {s for s, _ in factors}
            symbol = [s for s in _QUANTITIES if s not in used][int(rng.integers(len(_QUANTITIES) - len(used)))]
        factors[i] = (symbol, power)
        if _dims(tuple(factors)) != target:
            return tuple(factors)
    return monomial + (("t", 1),)


_UNIT_TOKEN = re.compile(r"kg|m|s|A|K|1|\*|/|\(|\)|\^-?\d+")
_OPERATOR_SPACING = re.compile(r"\s*([*/()^])\s*")


def parse_units(text: str) -> tuple[int, ...] | None:
    """Base-unit exponents of ``kg*m^2/s^2``-like text (``*``, blanks, ``/``, parentheses), or None."""
    text = text.strip()
    if not text or len(text) > 200:
        return None
    text = "*".join(_OPERATOR_SPACING.sub(r"\1", text).split())  # a blank between factors is a product
    tokens, position = [], 0
    while position < len(text):
        m = _UNIT_TOKEN.match(text, position)
        if not m:
            return None
        tokens.append(m.group(0))
        position = m.end()
    result, rest = _parse_product(tokens)
    return result if result is not None and not rest else None


def _parse_product(tokens: list[str]) -> tuple[tuple[int, ...] | None, list[str]]:
    """A product of factors (``/`` divides by the next factor only), and the tokens after it."""
    total = [0] * len(_BASE_UNITS)
    sign, expect_factor = 1, True
    while tokens:
        token = tokens[0]
        if token in ("*", "/"):
            if expect_factor:
                return None, tokens
            sign, expect_factor, tokens = (1 if token == "*" else -1), True, tokens[1:]
            continue
        if token == ")":
            break
        if not expect_factor:
            return None, tokens  # two factors with nothing between them: "ms" is not m*s
        if token == "(":
            inner, tokens = _parse_product(tokens[1:])
            if inner is None or not tokens or tokens[0] != ")":
                return None, tokens
            factor, tokens = list(inner), tokens[1:]
        elif token in _BASE_UNITS or token == "1":
            factor = [int(token == u) for u in _BASE_UNITS]
            tokens = tokens[1:]
        else:
            return None, tokens
        power = 1
        if tokens and tokens[0].startswith("^"):
            power, tokens = int(tokens[0][1:]), tokens[1:]
        total = [t + sign * power * f for t, f in zip(total, factor)]
        sign, expect_factor = 1, False
    return (None if expect_factor else tuple(total)), tokens


class DeriveUnits(SpacingFreeSteps, Generator):
    name = "derive_units"
    domain = "units"
    tier = 4
    pattern = "dimensional_analysis"
    prerequisites = ("compound_unit_conversion", "powers")
    summary = "The SI base units of a quantity defined as a product of powers of known quantities."
    difficulty_doc = (
        "The product has 2 factors at level 1 up to 6 at level 10; exponents are ±1 at levels "
        "1-2, up to ±2 at 3-6 and up to ±3 from 7."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        size = 2 + (difficulty - 1) * 4 // 9
        top = 1 if difficulty <= 2 else 2 if difficulty <= 6 else 3
        powers = [p for p in range(-top, top + 1) if p]
        symbols = list(_QUANTITIES)
        monomial: Monomial = (("m", 1), ("v", 2))
        for _ in range(50):
            chosen = rng.choice(len(symbols), size=size, replace=False)
            exps = [int(powers[int(i)]) for i in rng.integers(len(powers), size=size)]
            exps[0] = abs(exps[0])  # lead with a positive power so the product reads naturally
            candidate = tuple(sorted(((symbols[int(c)], e) for c, e in zip(chosen, exps)), key=lambda f: f[1] < 0))
            if any(_dims(candidate)):
                monomial = candidate
                break
        steps = [f"{s if p == 1 else f'{s}^{p}'}: {_unit_text(_dims(((s, p),)))}" for s, p in monomial]
        result = _unit_text(_dims(monomial))
        steps.append(f"Q: {result}")
        prompt = (
            f"Quantities: {_legend([s for s, _ in monomial])}. Let Q = {_monomial_text(monomial)}. "
            "Write the base units of each factor with its power, then give the SI base units of Q "
            "as a product of kg, m, s, A, K with integer exponents (like kg*m^2*s^-2)."
        )
        return self.make(difficulty, prompt, steps, result, factors=[list(f) for f in monomial],
                         dims=list(_dims(monomial)))

    def check_answer(self, problem: Problem, text: str) -> bool:
        return parse_units(text) == tuple(problem.meta["dims"])
