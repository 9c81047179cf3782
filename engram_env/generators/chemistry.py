"""Chemistry: formulas, moles, balanced equations, solutions and gases.

Formulas are written plainly (``Ca3(PO4)2``: a count follows its element, a count after
parentheses multiplies the group). Prompts state every atomic mass they need (rounded values,
Cl=35.5), so answers are exact rationals; pH and gas-law answers are rounded as the prompt says.
Reactions come from families of real reaction types (synthesis, neutralization, combustion,
single and double replacement) built from ion tables and balanced by exact linear algebra.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import ClassVar

import numpy as np

from engram_env.generator import Generator
from engram_env.generators._common import chance, exact_text, rounded_text
from engram_env.problem import Problem
from engram_env.verifiers import (
    IntegerAnswer,
    IntegerListAnswer,
    QuantityAnswer,
    RoundedQuantityAnswer,
    SpacingFreeSteps,
)

_MASSES: dict[str, Fraction] = {
    "H": Fraction(1), "Li": Fraction(7), "C": Fraction(12), "N": Fraction(14), "O": Fraction(16),
    "F": Fraction(19), "Na": Fraction(23), "Mg": Fraction(24), "Al": Fraction(27), "Si": Fraction(28),
    "P": Fraction(31), "S": Fraction(32), "Cl": Fraction(71, 2), "K": Fraction(39), "Ca": Fraction(40),
    "Fe": Fraction(56), "Cu": Fraction(64), "Zn": Fraction(65), "Br": Fraction(80), "Ag": Fraction(108),
    "I": Fraction(127), "Ba": Fraction(137), "Pb": Fraction(207),
}
_ELEMENTS = list(_MASSES)

# A formula: a list of parts, each (elements with their counts, group multiplier, parenthesized).
Part = tuple[tuple[tuple[str, int], ...], int, bool]
Formula = list[Part]


def _formula_text(formula: Formula) -> str:
    out = []
    for elements, multiplier, grouped in formula:
        inner = "".join(e + (str(n) if n > 1 else "") for e, n in elements)
        out.append(f"({inner}){multiplier}" if grouped else inner)
    return "".join(out)


def _composition(formula: Formula) -> dict[str, int]:
    """Atoms per element, in order of first appearance."""
    counts: dict[str, int] = {}
    for elements, multiplier, _ in formula:
        for element, n in elements:
            counts[element] = counts.get(element, 0) + n * multiplier
    return counts


def _random_formula(rng: np.random.Generator, difficulty: int) -> Formula:
    """A (possibly hypothetical) formula of distinct elements, its size growing with difficulty.

    2 elements at level 1 up to 5 at level 10, counts up to 3+level (at most 9); from level 6
    one parenthesized pair with a multiplier of 2-3 (2-4 from level 9).
    """
    size = 2 + (difficulty - 1) // 3
    chosen = [_ELEMENTS[int(i)] for i in rng.choice(len(_ELEMENTS), size=size, replace=False)]
    counts = [int(rng.integers(1, min(9, 3 + difficulty) + 1)) for _ in chosen]
    formula: Formula = [(((e, n),), 1, False) for e, n in zip(chosen, counts)]
    if difficulty >= 6:
        start = int(rng.integers(0, size - 1))
        multiplier = int(rng.integers(2, 4 if difficulty <= 8 else 5))
        group = tuple(part[0][0] for part in formula[start:start + 2])
        formula[start:start + 2] = [(group, multiplier, True)]
    return formula


_GASES = ["H2", "N2", "O2", "F2", "Cl2", "CO", "CO2", "CH4", "NH3", "SO2", "NO2", "H2S", "HCl", "C2H4",
          "C2H6", "C3H8", "C4H10", "N2O"]


def _gas(rng: np.random.Generator) -> Formula:
    """A real gas from ``_GASES`` as a formula."""
    text = _GASES[int(rng.integers(len(_GASES)))]
    return [(((e, int(n or 1)),), 1, False) for e, n in re.findall(r"([A-Z][a-z]?)(\d*)", text)]


def _mass_legend(elements) -> str:
    return ", ".join(f"{e}={exact_text(_MASSES[e])}" for e in elements)


def _molar_mass_steps(formula: Formula) -> tuple[list[str], Fraction]:
    """One step per element (count×mass), then their sum."""
    composition = _composition(formula)
    terms = [n * _MASSES[e] for e, n in composition.items()]
    steps = [f"{e}: {n}×{exact_text(_MASSES[e])}={exact_text(t)}" for (e, n), t in zip(composition.items(), terms)]
    total = sum(terms, Fraction(0))
    if len(terms) > 1:
        steps.append("+".join(exact_text(t) for t in terms) + f"={exact_text(total)}")
    return steps, total


class _Chemistry(SpacingFreeSteps, QuantityAnswer, Generator):
    domain = "chemistry"


class AtomCount(SpacingFreeSteps, IntegerAnswer, Generator):
    name = "atom_count"
    domain = "chemistry"
    tier = 0
    pattern = "counting_and_enumeration"
    prerequisites = ("addition",)
    summary = "Count the atoms in a chemical formula, element by element."
    difficulty_doc = (
        "2 elements at level 1 up to 5 at level 10, counts up to 3+level; from level 6 a "
        "parenthesized group repeated 2-3 times (2-4 from level 9)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        formula = _random_formula(rng, difficulty)
        steps = []
        for elements, multiplier, _ in formula:
            for element, n in elements:
                repeated = "+".join([str(n)] * multiplier)
                steps.append(f"{element}: {repeated}={n * multiplier}" if multiplier > 1 else f"{element}: {n}")
        counts = list(_composition(formula).values())
        total = sum(counts)
        steps.append("+".join(map(str, counts)) + f"={total}")
        prompt = (
            f"How many atoms are in one unit of {_formula_text(formula)}? A count follows its element "
            "(none means 1); a count after parentheses repeats the group. Count each element in "
            "order, then add."
        )
        return self.make(difficulty, prompt, steps, str(total), composition=_composition(formula))


class MolarMass(_Chemistry):
    name = "molar_mass"
    tier = 2
    pattern = "formula_substitution"
    prerequisites = ("atom_count", "multiplication", "addition")
    summary = "Molar mass of a formula from stated atomic masses."
    difficulty_doc = "The formula grows as in atom_count: 2 elements at level 1 up to 5 with a group at level 10."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        formula = _random_formula(rng, difficulty)
        steps, total = _molar_mass_steps(formula)
        prompt = (
            f"Atomic masses in g/mol: {_mass_legend(_composition(formula))}. Find the molar mass of "
            f"{_formula_text(formula)}: count×mass for each element in order, then the sum. Answer "
            "exactly in g/mol."
        )
        return self.make(difficulty, prompt, steps, exact_text(total), value=str(total), unit="g/mol",
                         composition=_composition(formula))


class MoleMassConversion(_Chemistry):
    name = "mole_mass_conversion"
    tier = 3
    pattern = "dimensional_analysis"
    prerequisites = ("molar_mass", "division")
    summary = "Convert between grams and moles through the molar mass."
    difficulty_doc = (
        "Formulas as in molar_mass at level-2 (at least 1); amounts are whole moles at levels "
        "1-3, one decimal at 4-6, two decimals from 7. Mass to moles or moles to mass."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        formula = _random_formula(rng, max(1, difficulty - 2))
        steps, molar = _molar_mass_steps(formula)
        decimals = 0 if difficulty <= 3 else 1 if difficulty <= 6 else 2
        moles = Fraction(int(rng.integers(1, 10 ** (decimals + 1))), 10**decimals)
        mass = moles * molar
        text = _formula_text(formula)
        if chance(rng, 0.5):
            steps.append(f"n=m/M={exact_text(mass)}/{exact_text(molar)}={exact_text(moles)}")
            question, value, unit = f"How many moles are in {exact_text(mass)} g of {text}?", moles, "mol"
        else:
            steps.append(f"m=n×M={exact_text(moles)}×{exact_text(molar)}={exact_text(mass)}")
            question, value, unit = f"What is the mass of {exact_text(moles)} mol of {text}?", mass, "g"
        prompt = (
            f"Atomic masses in g/mol: {_mass_legend(_composition(formula))}. {question} First find the "
            f"molar mass M (count×mass per element, then the sum), then use n=m/M. Answer exactly in {unit}."
        )
        return self.make(difficulty, prompt, steps, exact_text(value), value=str(value), unit=unit,
                         composition=_composition(formula), moles=str(moles))


class Dilution(_Chemistry):
    name = "dilution"
    tier = 2
    pattern = "conservation_and_balance"
    prerequisites = ("multiplication", "division")
    summary = "Dilution keeps the moles of solute: C1×V1=C2×V2."
    difficulty_doc = (
        "Levels 1-2: find C2 or V2 with whole dilution factors; 3-6: any of the four, factors "
        "like 5/2; 7-10: concentrations with two or three decimals, and the volume of water to add."
    )

    _UNITS: ClassVar[dict[str, str]] = {"C1": "mol/L", "V1": "mL", "C2": "mol/L", "V2": "mL", "water": "mL"}

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        unknowns = ["C2", "V2"] if difficulty <= 2 else ["C1", "V1", "C2", "V2"]
        if difficulty >= 7:
            unknowns.append("water")
        unknown = unknowns[int(rng.integers(len(unknowns)))]
        # C2 and V1 are drawn and the factor is whole or half, so all four values are decimals.
        factor = Fraction(int(rng.integers(2, 11))) if difficulty <= 2 else \
            Fraction(int(rng.integers(3, 21)), int(rng.integers(1, 3)))
        c2 = Fraction(int(rng.integers(1, 10 * difficulty + 1)), 10 if difficulty <= 6 else 100)
        v1 = Fraction(10 * int(rng.integers(1, 5 * difficulty + 1)))
        c1, v2 = c2 * factor, v1 * factor
        values = {"C1": c1, "V1": v1, "C2": c2, "V2": v2}
        moles = c1 * v1
        if unknown in ("C1", "V1"):
            known, other = ("C2", "V2")
        else:
            known, other = ("C1", "V1")
        steps = [f"{known}×{other}={exact_text(values[known])}×{exact_text(values[other])}={exact_text(moles)}"]
        shown = [k for k in ("C1", "V1", "C2", "V2") if k != unknown]
        if unknown == "water":
            shown = ["C1", "V1", "C2"]
            steps.append(f"V2={exact_text(moles)}/{exact_text(c2)}={exact_text(v2)}")
            steps.append(f"V2-V1={exact_text(v2)}-{exact_text(v1)}={exact_text(v2 - v1)}")
            value = v2 - v1
            question = "How much water must be added to V1 to reach C2?"
        else:
            partner = {"C1": "V1", "V1": "C1", "C2": "V2", "V2": "C2"}[unknown]
            value = values[unknown]
            steps.append(f"{unknown}={exact_text(moles)}/{exact_text(values[partner])}={exact_text(value)}")
            question = f"Find {unknown}."
        given = ", ".join(f"{k}={exact_text(values[k])} {self._UNITS[k]}" for k in shown)
        prompt = (
            f"A solution of concentration C1 and volume V1 is diluted to concentration C2 and volume V2; "
            f"C1×V1=C2×V2. Given {given}. {question} Answer exactly in {self._UNITS[unknown]}."
        )
        return self.make(difficulty, prompt, steps, exact_text(value), value=str(value),
                         unit=self._UNITS[unknown], unknown=unknown, known={k: str(values[k]) for k in shown})


_ACIDS = {"HCl": 1, "HNO3": 1, "HBr": 1, "HI": 1, "H2SO4": 2}
_BASES = {"NaOH": 1, "KOH": 1, "LiOH": 1, "Ba(OH)2": 2, "Ca(OH)2": 2}


class StrongAcidPh(SpacingFreeSteps, RoundedQuantityAnswer, Generator):
    name = "strong_acid_ph"
    domain = "chemistry"
    tier = 3
    pattern = "approximation_and_numerical"
    prerequisites = ("powers", "subtraction")
    summary = "pH of a strong acid or base solution, fully dissociated, rounded to 2 decimals."
    difficulty_doc = (
        "Levels 1-2: a monoprotic acid at 10^-n mol/L (whole pH); 3-4: a×10^-n with a in 2-9; "
        "5-6: also H2SO4 (two H+ each); 7-10: also strong bases (pOH, then 14-pOH) and a with "
        "one decimal."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        acids = [k for k, v in _ACIDS.items() if v == 1 or difficulty >= 5]
        species = acids + (list(_BASES) if difficulty >= 7 else [])
        name = species[int(rng.integers(len(species)))]
        ions = _ACIDS.get(name) or _BASES[name]
        exponent = int(rng.integers(1, 6))
        if difficulty <= 2:
            mantissa = Fraction(1)
        elif difficulty <= 6:
            mantissa = Fraction(int(rng.integers(2, 10)))
        else:
            mantissa = Fraction(int(rng.integers(11, 100)), 10)
            if mantissa.denominator == 1:
                mantissa += Fraction(1, 10)
        ion = "[H+]" if name in _ACIDS else "[OH-]"
        conc = f"{exact_text(mantissa)}×10^-{exponent}"
        amount = ions * mantissa
        steps = [f"{ion}={ions}×{conc}={exact_text(amount)}×10^-{exponent}"]
        log = exponent - math.log10(amount)
        p = "pH" if name in _ACIDS else "pOH"
        steps.append(f"{p}=-log({exact_text(amount)}×10^-{exponent})={exponent}-log({exact_text(amount)})"
                     f"={rounded_text(log, 4)}")
        value = log
        if name in _BASES:
            value = 14 - log
            steps.append(f"pH=14-{rounded_text(log, 4)}={rounded_text(value, 4)}")
        prompt = (
            f"A solution of the strong {'acid' if name in _ACIDS else 'base'} {name} has concentration "
            f"{conc} mol/L; it dissociates fully ({ions} {ion[1:-1]} per formula unit). At 25 °C, "
            "pH=-log([H+]) and pH+pOH=14. Find the pH, showing steps to 4 decimals; answer rounded "
            "to 2 decimals."
        )
        return self.make(difficulty, prompt, steps, rounded_text(value, 2), exact=value, places=2,
                         unit="", species=name, ions=ions, mantissa=str(mantissa), exponent=exponent)


# -- reactions ----------------------------------------------------------------------------------

# An ion: formula text, charge, atoms, polyatomic (parenthesized when repeated).
Ion = tuple[str, int, tuple[tuple[str, int], ...], bool]


def _ion(text: str, charge: int, *atoms: tuple[str, int]) -> Ion:
    return text, charge, atoms or ((text, 1),), len(atoms) > 1 or any(n > 1 for _, n in atoms)


_CATIONS = {
    "H": _ion("H", 1), "Li": _ion("Li", 1), "Na": _ion("Na", 1), "K": _ion("K", 1), "Ag": _ion("Ag", 1),
    "NH4": _ion("NH4", 1, ("N", 1), ("H", 4)), "Mg": _ion("Mg", 2), "Ca": _ion("Ca", 2),
    "Ba": _ion("Ba", 2), "Zn": _ion("Zn", 2), "Cu": _ion("Cu", 2), "Pb": _ion("Pb", 2), "Fe": _ion("Fe", 3),
    "Al": _ion("Al", 3),
}
_ANIONS = {
    "Cl": _ion("Cl", -1), "Br": _ion("Br", -1), "I": _ion("I", -1), "F": _ion("F", -1), "O": _ion("O", -2),
    "S": _ion("S", -2), "N": _ion("N", -3), "OH": _ion("OH", -1, ("O", 1), ("H", 1)),
    "NO3": _ion("NO3", -1, ("N", 1), ("O", 3)), "SO4": _ion("SO4", -2, ("S", 1), ("O", 4)),
    "CO3": _ion("CO3", -2, ("C", 1), ("O", 3)), "PO4": _ion("PO4", -3, ("P", 1), ("O", 4)),
}
# A species: formula text and its atoms.
Species = tuple[str, dict[str, int]]


def _compound(cation: Ion, anion: Ion) -> Species:
    """The neutral compound of two ions, subscripts from the charges (``Al2(SO4)3``)."""
    g = math.gcd(cation[1], -anion[1])
    parts = []
    atoms: dict[str, int] = {}
    for (text, _, ion_atoms, poly), n in ((cation, -anion[1] // g), (anion, cation[1] // g)):
        parts.append(text if n == 1 else f"({text}){n}" if poly else f"{text}{n}")
        for element, count in ion_atoms:
            atoms[element] = atoms.get(element, 0) + count * n
    return "".join(parts), atoms


def _element(symbol: str, count: int = 1) -> Species:
    return (symbol + (str(count) if count > 1 else "")), {symbol: count}


_WATER: Species = ("H2O", {"H": 2, "O": 1})
_CO2: Species = ("CO2", {"C": 1, "O": 2})
_DIATOMIC = {"Cl": 2, "Br": 2, "I": 2, "F": 2, "O": 2, "N": 2, "S": 1}
_METALS = ["Li", "Na", "K", "Mg", "Ca", "Ba", "Zn", "Cu", "Fe", "Al"]
_REACTIVITY = ["Mg", "Al", "Zn", "Fe", "Pb", "Cu", "Ag"]  # each displaces the ones after it


def _synthesis(rng: np.random.Generator, difficulty: int) -> tuple[list[Species], list[Species]]:
    metal = _METALS[int(rng.integers(len(_METALS)))]
    nonmetal = list(_DIATOMIC)[int(rng.integers(len(_DIATOMIC)))]
    product = _compound(_CATIONS[metal], _ANIONS[nonmetal])
    return [_element(metal), _element(nonmetal, _DIATOMIC[nonmetal])], [product]


def _neutralization(rng: np.random.Generator, difficulty: int) -> tuple[list[Species], list[Species]]:
    anion = ["F", "Cl", "Br", "I", "NO3", "SO4", "CO3", "PO4"][int(rng.integers(8))]
    metal = ["Li", "Na", "K", "Mg", "Ca", "Ba", "Al", "Fe"][int(rng.integers(8))]
    acid = _compound(_CATIONS["H"], _ANIONS[anion])
    base = _compound(_CATIONS[metal], _ANIONS["OH"])
    return [acid, base], [_compound(_CATIONS[metal], _ANIONS[anion]), _WATER]


def _combustion(rng: np.random.Generator, difficulty: int) -> tuple[list[Species], list[Species]]:
    carbons = int(rng.integers(1, 4 + difficulty) if difficulty <= 6 else rng.integers(2, 4 + 2 * difficulty))
    hydrogens = 2 * int(rng.integers((carbons + 1) // 2 if carbons > 1 else 2, carbons + 2))  # CH4 .. CnH2n+2
    oxygens = int(rng.integers(0, min(carbons, 1 + difficulty // 3) + 1)) if difficulty >= 5 else 0
    atoms = {"C": carbons, "H": hydrogens, **({"O": oxygens} if oxygens else {})}
    text = "".join(e + (str(n) if n > 1 else "") for e, n in atoms.items())
    return [(text, atoms), _element("O", 2)], [_CO2, _WATER]


def _single_replacement(rng: np.random.Generator, difficulty: int) -> tuple[list[Species], list[Species]]:
    i, j = sorted(int(x) for x in rng.choice(len(_REACTIVITY), size=2, replace=False))
    strong, weak = _REACTIVITY[i], _REACTIVITY[j]
    anion = _ANIONS[["NO3", "SO4", "Cl", "Br", "I"][int(rng.integers(5))]]
    return ([_element(strong), _compound(_CATIONS[weak], anion)],
            [_compound(_CATIONS[strong], anion), _element(weak)])


def _double_replacement(rng: np.random.Generator, difficulty: int) -> tuple[list[Species], list[Species]]:
    cations = [k for k in _CATIONS if k != "H"]
    anions = [k for k in _ANIONS if k not in ("O", "S", "N")]
    a, b = (_CATIONS[cations[int(i)]] for i in rng.choice(len(cations), size=2, replace=False))
    x, y = (_ANIONS[anions[int(i)]] for i in rng.choice(len(anions), size=2, replace=False))
    return [_compound(a, x), _compound(b, y)], [_compound(a, y), _compound(b, x)]


_FAMILIES = {
    "synthesis": _synthesis, "neutralization": _neutralization, "combustion": _combustion,
    "single replacement": _single_replacement, "double replacement": _double_replacement,
}


def _families(difficulty: int) -> list[str]:
    """Reaction types by level: a sliding window from synthesis to double replacement."""
    if difficulty <= 2:
        return ["synthesis"]
    if difficulty <= 4:
        return ["synthesis", "neutralization", "combustion"]
    if difficulty <= 6:
        return ["neutralization", "combustion", "single replacement", "double replacement"]
    return ["combustion", "single replacement", "double replacement", "double replacement"]


def _balance(reactants: list[Species], products: list[Species]) -> list[int] | None:
    """The smallest positive integer coefficients, or None unless they are unique up to scale."""
    species = reactants + products
    elements = list(dict.fromkeys(e for _, atoms in species for e in atoms))
    rows = [[Fraction(atoms.get(e, 0) * (1 if k < len(reactants) else -1)) for k, (_, atoms) in enumerate(species)]
            for e in elements]
    pivots: list[int] = []
    r = 0
    for c in range(len(species)):
        pivot = next((i for i in range(r, len(rows)) if rows[i][c]), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        rows[r] = [v / rows[r][c] for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][c]:
                rows[i] = [a - rows[i][c] * b for a, b in zip(rows[i], rows[r])]
        pivots.append(c)
        r += 1
    free = [c for c in range(len(species)) if c not in pivots]
    if len(free) != 1:
        return None
    vector = [Fraction(0)] * len(species)
    vector[free[0]] = Fraction(1)
    for i, c in enumerate(pivots):
        vector[c] = -rows[i][free[0]]
    if any(v <= 0 for v in vector):
        return None
    scale = math.lcm(*(v.denominator for v in vector))
    integers = [int(v * scale) for v in vector]
    g = math.gcd(*integers)
    return [v // g for v in integers]


def _reaction(rng: np.random.Generator, difficulty: int) -> tuple[str, list[Species], list[Species], list[int]]:
    """A balanceable reaction of a type fitting the level, with its smallest coefficients."""
    families = _families(difficulty)
    for _ in range(100):
        family = families[int(rng.integers(len(families)))]
        reactants, products = _FAMILIES[family](rng, difficulty)
        names = [s for s, _ in reactants + products]
        if len(set(names)) != len(names):
            continue
        coefficients = _balance(reactants, products)
        if coefficients and (max(coefficients) > 1 or chance(rng, 0.25)):  # few already balanced
            return family, reactants, products, coefficients
    reactants, products = [_element("H", 2), _element("O", 2)], [_WATER]
    return "synthesis", reactants, products, [2, 1, 2]


def _side(species: list[Species], coefficients: list[int] | None = None) -> str:
    if coefficients is None:
        return " + ".join(s for s, _ in species)
    return " + ".join(f"{'' if c == 1 else c}{s}" for (s, _), c in zip(species, coefficients))


class EquationBalancing(SpacingFreeSteps, IntegerListAnswer, Generator):
    name = "equation_balancing"
    domain = "chemistry"
    tier = 4
    pattern = "construction_and_verification"
    prerequisites = ("atom_count", "linear_equation")
    summary = "Balance a chemical equation with the smallest whole coefficients, checked atom by atom."
    difficulty_doc = (
        "Levels 1-2: synthesis of a metal and a nonmetal; 3-4: also neutralization and "
        "hydrocarbon combustion; 5-6: neutralization, combustion (oxygen in the fuel, up to "
        "level+3 carbons), single and double replacement; 7-10: combustion (2 to 2×level+3 carbons), "
        "single and double replacement (double replacement twice as often)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        family, reactants, products, coefficients = _reaction(rng, difficulty)
        n = len(reactants)
        elements = list(dict.fromkeys(e for _, atoms in reactants + products for e in atoms))
        steps = []
        for element in elements:
            left = sum(c * atoms.get(element, 0) for c, (_, atoms) in zip(coefficients[:n], reactants))
            right = sum(c * atoms.get(element, 0) for c, (_, atoms) in zip(coefficients[n:], products))
            steps.append(f"{element}: {left}={right}")
        prompt = (
            f"Balance the {family} reaction {_side(reactants)} → {_side(products)}. Give the smallest "
            "positive whole coefficients in the order written, comma separated (write 1s), after "
            "checking each element's atom count on both sides."
        )
        return self.make(difficulty, prompt, steps, ", ".join(map(str, coefficients)),
                         reactants=[dict(a) for _, a in reactants], products=[dict(a) for _, a in products],
                         species=[s for s, _ in reactants + products])


class LimitingReagent(_Chemistry):
    name = "limiting_reagent"
    tier = 4
    pattern = "comparison_and_ordering"
    prerequisites = ("equation_balancing", "mole_mass_conversion")
    summary = "Which reactant runs out first, and how much product forms."
    difficulty_doc = (
        "Reactions as in equation_balancing at the same level; amounts in whole moles at levels "
        "1-3, one decimal at 4-7, and masses in grams (atomic masses given) from level 8."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        _, reactants, products, coefficients = _reaction(rng, difficulty)
        n = len(reactants)
        limiting = int(rng.integers(2))  # drawn first, so either reactant limits equally often
        decimals = 0 if difficulty <= 3 else 1
        extent = Fraction(int(rng.integers(1, 10 ** (decimals + 1))), 10**decimals)
        spare = extent * Fraction(int(rng.integers(11, 31)), 10)
        extents = [extent, spare] if limiting == 0 else [spare, extent]
        moles = [e * c for e, c in zip(extents, coefficients[:n])]
        target = int(rng.integers(len(products)))
        product, product_coefficient = products[target][0], coefficients[n + target]
        steps = []
        if difficulty >= 8:
            molar = [sum((_MASSES[e] * k for e, k in atoms.items()), Fraction(0)) for _, atoms in reactants]
            grams = [m * mm for m, mm in zip(moles, molar)]
            steps += [f"n({s})={exact_text(g)}/{exact_text(mm)}={exact_text(m)}"
                      for (s, _), g, mm, m in zip(reactants, grams, molar, moles)]
            elements = dict.fromkeys(e for _, atoms in reactants for e in atoms)
            given = (f"Atomic masses in g/mol: {_mass_legend(elements)}. You have "
                     + " and ".join(f"{exact_text(g)} g of {s}" for (s, _), g in zip(reactants, grams)) + ".")
        else:
            given = "You have " + " and ".join(f"{exact_text(m)} mol of {s}" for (s, _), m in zip(reactants, moles)) + "."
        steps += [f"{s}: {exact_text(m)}/{c}={exact_text(e)}" for (s, _), m, c, e in zip(reactants, moles, coefficients, extents)]
        steps.append(f"{reactants[limiting][0]} limits")
        value = extent * product_coefficient
        steps.append(f"{product}: {product_coefficient}×{exact_text(extent)}={exact_text(value)}")
        prompt = (
            f"Reaction: {_side(reactants, coefficients[:n])} → {_side(products, coefficients[n:])}. {given} "
            "Divide each reactant's moles by its coefficient; the smaller result limits. How many "
            f"moles of {product} form at most? Answer exactly in mol."
        )
        return self.make(difficulty, prompt, steps, exact_text(value), value=str(value), unit="mol",
                         moles=[str(m) for m in moles], coefficients=coefficients,
                         species=[s for s, _ in reactants + products], target=target)


_R = 8.314


class IdealGasLaw(SpacingFreeSteps, RoundedQuantityAnswer, Generator):
    name = "ideal_gas_law"
    domain = "chemistry"
    tier = 4
    pattern = "approximation_and_numerical"
    prerequisites = ("mole_mass_conversion", "temperature_conversion")
    summary = "The ideal gas law P×V=n×R×T solved for one quantity, rounded to 2 decimals."
    difficulty_doc = (
        "Levels 1-3: find P or V, temperature in K; 4-6: any of P, V, n, T; 7-10: temperature "
        "given in °C (and asked in °C when T is unknown); from level 9 the gas is given in grams "
        "of a real gas with stated atomic masses."
    )

    _UNITS: ClassVar[dict[str, str]] = {"P": "kPa", "V": "L", "n": "mol", "T": "K"}

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        unknowns = "PV" if difficulty <= 3 else "PVnT"
        unknown = unknowns[int(rng.integers(len(unknowns)))]
        n = Fraction(int(rng.integers(1, 50)), 10)
        kelvin = Fraction(int(rng.integers(200, 501)))
        volume = Fraction(int(rng.integers(1, 10 * difficulty + 1)))
        pressure = n * Fraction(str(_R)) * kelvin / volume
        if unknown != "P":  # a whole-number pressure near the consistent one keeps the unknown realistic
            pressure = Fraction(max(1, round(pressure)))
        celsius = difficulty >= 7
        shown = {"P": f"P={exact_text(pressure)} kPa", "V": f"V={exact_text(volume)} L",
                 "n": f"n={exact_text(n)} mol", "T": f"T={exact_text(kelvin - Fraction('273.15'))} °C"
                 if celsius else f"T={exact_text(kelvin)} K"}
        steps = []
        if celsius and unknown != "T":
            steps.append(f"T={exact_text(kelvin - Fraction('273.15'))}+273.15={exact_text(kelvin)} K")
        if difficulty >= 9 and unknown != "n":
            formula = _gas(rng)
            mass_steps, molar = _molar_mass_steps(formula)
            grams = n * molar
            shown["n"] = (f"{exact_text(grams)} g of {_formula_text(formula)} (atomic masses in g/mol: "
                          f"{_mass_legend(_composition(formula))})")
            steps += mass_steps + [f"n={exact_text(grams)}/{exact_text(molar)}={exact_text(n)}"]
        p, v, t, amount = float(pressure), float(volume), float(kelvin), float(n)
        value = {"P": amount * _R * t / v, "V": amount * _R * t / p, "n": p * v / (_R * t),
                 "T": p * v / (amount * _R)}[unknown]
        formula_text = {"P": "P=n×R×T/V", "V": "V=n×R×T/P", "n": "n=P×V/(R×T)", "T": "T=P×V/(n×R)"}[unknown]
        steps.append(f"{formula_text}={rounded_text(value, 4)}")
        unit = self._UNITS[unknown]
        if unknown == "T" and celsius:
            value -= 273.15
            steps.append(f"{rounded_text(value + 273.15, 4)}-273.15={rounded_text(value, 4)}")
            unit = "°C"
        given = "; ".join(shown[k] for k in "PVnT" if k != unknown)
        prompt = (
            f"Ideal gas: P×V=n×R×T with R=8.314 kPa×L/(mol×K), K=°C+273.15. Given {given}. Find "
            f"{unknown}, showing steps to 4 decimals; answer in {unit} rounded to 2 decimals."
        )
        return self.make(difficulty, prompt, steps, rounded_text(value, 2), exact=value, places=2,
                         unit=unit, unknown=unknown, known={k: str(v) for k, v in
                                                            {"P": pressure, "V": volume, "n": n, "T": kelvin}.items()
                                                            if k != unknown})
