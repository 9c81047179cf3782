"""The shared answer parsers: correct forms accepted, malformed or hostile text refused."""

from fractions import Fraction

import pytest
import sympy

from engram_env.answers import (
    equivalent_expressions,
    normalize,
    parse_expression,
    parse_int,
    parse_list,
    parse_number,
    parse_rational,
)


@pytest.mark.parametrize(("text", "value"), [("42", 42), (" -7 ", -7), ("+3", 3), ("007", 7),
                                             ("4.0", None), ("", None), ("1e3", None),
                                             ("12a", None), ("9" * 500, None)])
def test_parse_int(text, value):
    assert parse_int(text) == value


@pytest.mark.parametrize(("text", "value"), [("3/4", Fraction(3, 4)), ("-6/8", Fraction(-3, 4)),
                                             ("0.75", Fraction(3, 4)), ("5", Fraction(5)),
                                             ("3 / 4", Fraction(3, 4)), ("1/0", None),
                                             ("3//4", None), ("a/b", None), ("", None)])
def test_parse_rational(text, value):
    assert parse_rational(text) == value


def test_parse_number_and_lists():
    assert parse_number("1.5e3") == 1500.0 and parse_number("nan") is None
    assert parse_number("inf") is None and parse_number("2/8") == 0.25
    assert parse_list("[1, 2,3]") == [1, 2, 3] and parse_list("1, x") is None
    assert parse_list("[]") == [] and normalize(" a   b ") == "a b"


@pytest.mark.parametrize(("a", "b", "same"), [("2x+3", "3+2*x", True), ("x^2-1", "(x-1)(x+1)", True),
                                              ("3x^2", "3*x**2", True), ("2x", "2x+1", False)])
def test_expressions(a, b, same):
    assert equivalent_expressions(parse_expression(a), parse_expression(b)) is same


@pytest.mark.parametrize("text", ["__import__('os')", "x.__class__", "y+1", "9^9^9^9",
                                  "2^(10^10)", "x^100", "(", "", "1,2", "lambda: 1"])
def test_hostile_or_malformed_expressions_are_refused(text):
    assert parse_expression(text) is None


def test_expression_constants():
    assert parse_expression("2π") == 2 * sympy.pi
    assert parse_expression("x^(1/2)") is not None
