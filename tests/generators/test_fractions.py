"""Arithmetic generators of fractions.py: answers recomputed independently (Fraction, Decimal,
Python's own evaluator, long division), traces checked, verifiers tested against equivalent
forms and near misses (unreduced fractions and decimals are wrong where lowest terms are asked)."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from engram_env.registry import get_generator

SEEDS, LEVELS = range(20), range(1, 11)


def problems(task: str):
    g = get_generator(task)
    return [g.problem(seed, d) for seed in SEEDS for d in LEVELS]


def first(task: str, predicate=lambda p: True, difficulty: int = 6):
    g = get_generator(task)
    return next(p for p in (g.problem(s, difficulty) for s in range(500)) if predicate(p))


def evaluate(expression: str) -> Fraction:
    """Python's own precedence rules over exact rationals (``×`` -> ``*``, ``^`` -> ``**``)."""
    code = re.sub(r"\d+", lambda m: f"Fraction({m.group()})", expression)
    code = code.replace("×", "*").replace("^", "**")
    return eval(code, {"Fraction": Fraction})  # the text is digits, operators and parentheses only


def lowest_terms(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def test_rounding():
    for p in problems("rounding"):
        number, place = Decimal(p.meta["number"]), p.meta["place"]
        expected = number.quantize(Decimal(1).scaleb(-place), rounding=ROUND_HALF_UP)
        assert Decimal(p.answer) == expected and p.meta["number"] in p.prompt
        if place > 0:
            assert len(p.answer.split(".")[1]) == place


def test_powers():
    for p in problems("powers"):
        b, e = p.meta["base"], p.meta["exponent"]
        assert int(p.answer) == b**e and f"{b}^{e}" in p.prompt
        for step in p.steps:
            k, x, y, product = (int(v) for v in re.fullmatch(rf"{b}\^(\d+)=(\d+)×(\d+)=(\d+)", step).groups())
            assert x * y == product == b**k
        assert p.steps[-1].startswith(f"{b}^{e}=")
        assert len(p.steps) <= 2 * e.bit_length()  # squaring, not repeated multiplication


def test_fraction_addition():
    for p in problems("fraction_addition"):
        terms = [Fraction(n, d) for n, d in p.meta["fractions"]]
        total = sum(t if s == "+" else -t for s, t in zip(p.meta["signs"], terms))
        assert p.answer == lowest_terms(total)
        assert evaluate(p.prompt.split()[1].rstrip(".")) == total
        lcd = math.lcm(*(d for _, d in p.meta["fractions"]))
        assert p.steps[0].endswith(f"={lcd}")


def test_simplify_fraction():
    for p in problems("simplify_fraction"):
        value = Fraction(p.meta["numerator"], p.meta["denominator"])
        assert p.answer == lowest_terms(value) and "/" in p.answer
        g = math.gcd(p.meta["numerator"], p.meta["denominator"])
        assert p.steps[-1] == f"{p.meta['denominator']}/{g}={value.denominator}"


@pytest.mark.parametrize("task", ["fraction_multiplication", "fraction_division"])
def test_fraction_products(task):
    for p in problems(task):
        values = [Fraction(n, d) for n, d in p.meta["fractions"]]
        if task == "fraction_division":
            expected = values[0] / values[1] * math.prod(values[2:])
        else:
            expected = math.prod(values)
        assert p.answer == lowest_terms(expected)
        shown = p.prompt.split()[1].rstrip(".")
        assert evaluate(shown) == expected


def test_decimal_to_fraction():
    for p in problems("decimal_to_fraction"):
        value = Fraction(Decimal(p.meta["decimal"]))
        assert p.answer == lowest_terms(value) and value.denominator > 1
        assert p.steps[0].startswith(f"{p.meta['decimal']}=")


def test_order_of_operations():
    for p in problems("order_of_operations"):
        expression = p.meta["expression"]
        value = evaluate(expression)
        assert value.denominator == 1 and int(p.answer) == value
        for before, after in zip([expression, *p.steps], [*p.steps, p.answer]):
            assert evaluate(after) == value  # each rewrite keeps the value
            assert len(re.findall(r"[-+×/^]", after)) == len(re.findall(r"[-+×/^]", before)) - 1
            assert not re.search(r"(^|[-+×/^(])-", after)  # no negative intermediate
        assert len(re.findall(r"[-+×/^]", expression)) == 2 + (p.difficulty - 1) * 5 // 9


def long_division(value: Fraction, digits: int) -> str:
    whole, rest = divmod(value.numerator, value.denominator)
    out = []
    for _ in range(digits):
        digit, rest = divmod(rest * 10, value.denominator)
        out.append(str(digit))
    return f"{whole}." + "".join(out)


def test_repeating_decimal():
    for p in problems("repeating_decimal"):
        whole, lead, block = re.fullmatch(r"(\d+)\.(\d*)\((\d+)\)", p.meta["decimal"]).groups()
        value = Fraction(p.answer)
        expansion = f"{whole}.{lead}" + block * (40 // len(block))
        assert long_division(value, len(expansion.split(".")[1])) == expansion
        assert p.answer == lowest_terms(value)


def test_egyptian_fraction():
    for p in problems("egyptian_fraction"):
        target = Fraction(re.search(r"Write (\d+/\d+) as", p.prompt).group(1))
        denominators = [int(d) for d in re.findall(r"1/(\d+)", p.answer)]
        assert denominators == p.meta["denominators"] and len(set(denominators)) == len(denominators)
        assert sum(Fraction(1, d) for d in denominators) == target
        rest = target
        for d in denominators:  # greedy: the largest unit fraction that fits, each time
            assert Fraction(1, d) <= rest < Fraction(1, d - 1) if d > 1 else True
            rest -= Fraction(1, d)
        assert p.steps[-1].endswith("=0") and len(p.steps) == len(denominators)


@pytest.mark.parametrize("text, ok", [
    ("59/20", True), (" 59 / 20 ", True), ("x=59/20", True),
    ("118/40", False), ("2.95", False), ("-59/20", False), ("59/-20", False), ("20/59", False),
    ("2 19/20", False), ("", False), ("59/0", False),
])
def test_lowest_terms_fraction_answers(text, ok):
    g = get_generator("fraction_addition")
    p = first("fraction_addition", lambda p: p.answer == "59/20", difficulty=1)
    assert g.check_answer(p, text) is ok


def test_lowest_terms_integer_answers():
    g = get_generator("fraction_multiplication")
    p = first("fraction_multiplication", lambda p: "/" not in p.answer, difficulty=3)
    n = int(p.answer)
    assert g.check_answer(p, str(n)) and g.check_answer(p, f" {n} ")
    for bad in (f"{n}/1", f"{2 * n}/2", f"{n}.0", str(n + 1), str(-n) if n else "1"):
        assert not g.check_answer(p, bad), bad


def test_decimal_is_not_an_answer_to_decimal_to_fraction():
    g = get_generator("decimal_to_fraction")
    p = first("decimal_to_fraction")
    n, d = (int(v) for v in p.answer.split("/"))
    assert g.check_answer(p, p.answer)
    for bad in (p.meta["decimal"], f"{n * 3}/{d * 3}", f"{n}/{d + 1}"):
        assert not g.check_answer(p, bad), bad


def test_rounding_answers():
    g = get_generator("rounding")
    p = first("rounding", lambda p: p.meta["place"] == 2)
    value = Decimal(p.answer)
    assert g.check_answer(p, p.answer) and g.check_answer(p, p.answer + "0")
    for bad in (str(value + Decimal("0.01")), str(value - Decimal("0.01")), p.meta["number"], ""):
        assert not g.check_answer(p, bad), bad


def test_integer_answers():
    g = get_generator("order_of_operations")
    p = first("order_of_operations", lambda p: int(p.answer) > 1)
    n = int(p.answer)
    assert g.check_answer(p, str(n)) and g.check_answer(p, f"+{n}")
    for bad in (str(n + 1), str(n - 1), f"{n}.0", f"-{n}", p.meta["expression"], ""):
        assert not g.check_answer(p, bad), bad


def test_egyptian_answers():
    g = get_generator("egyptian_fraction")
    p = first("egyptian_fraction", lambda p: len(p.meta["denominators"]) >= 3)
    terms = p.answer.split("+")
    assert g.check_answer(p, " + ".join(reversed(terms)))
    for bad in ("+".join(terms[:-1]), p.answer + "+1/2", p.answer.replace("1/", "2/", 1),
                "+".join(terms + terms[:1]), "", re.search(r"Write (\S+) as", p.prompt).group(1)):
        assert not g.check_answer(p, bad), bad
