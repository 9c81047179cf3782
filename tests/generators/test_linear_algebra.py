"""Linear algebra generators: answers recomputed with numpy/sympy, steps checked, verifiers."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from functools import cache

import numpy as np
import pytest
import sympy
from test_algebra import GARBAGE, value  # the fast exact evaluator of generated text

from engram_env.registry import get_generator

SEEDS, LEVELS = range(20), range(1, 11)
NAMES = [
    "vector_addition",
    "matrix_transpose",
    "dot_product",
    "determinant_2x2",
    "matrix_product",
    "determinant_3x3",
    "matrix_inverse_2x2",
    "cramers_rule",
    "eigenvalues_2x2",
    "matrix_rank",
]


@cache
def problems(name: str) -> list:
    generator = get_generator(name)
    return [generator.problem(seed, level) for level in LEVELS for seed in SEEDS]


def grade(name: str, problem, text: str) -> bool:
    return get_generator(name).check_answer(problem, text)


def matrices(text: str) -> list[list[list[int]]]:
    """Every integer matrix ``[[..],[..]]`` written in the text, in order."""
    return [json.loads(m) for m in re.findall(r"\[\[[-\d,\[\]]+\]\]", text)]


def vectors(text: str) -> list[list[int]]:
    return [[int(v) for v in m.split(", ")] for m in re.findall(r"\((-?\d+(?:, -?\d+)+)\)", text)]


def exact_matrix(text: str) -> list[list[Fraction]]:
    return [[Fraction(v) for v in row.split(",")] for row in text[2:-2].split("],[")]


def arithmetic_holds(step: str) -> bool:
    left, _, right = step.split(": ")[-1].rpartition("=")
    return value(left.split("=")[-1]) == value(right)


def test_vector_addition():
    for p in problems("vector_addition"):
        u, v, result = vectors(p.prompt + " " + p.answer)
        sign = 1 if ")+(" in p.prompt else -1
        assert (np.array(u) + sign * np.array(v)).tolist() == result
        assert all(arithmetic_holds(s) for s in p.steps)


def test_matrix_transpose():
    for p in problems("matrix_transpose"):
        (a,) = matrices(p.prompt)
        assert np.array(a).T.tolist() == matrices(p.answer)[0]


def test_dot_product():
    for p in problems("dot_product"):
        u, v = vectors(p.prompt)
        assert int(p.answer) == int(np.dot(u, v))
        assert all(arithmetic_holds(s) for s in p.steps)


@pytest.mark.parametrize("name", ["determinant_2x2", "determinant_3x3"])
def test_determinants(name):
    for p in problems(name):
        (m,) = matrices(p.prompt)
        assert m == p.meta["matrix"] and int(p.answer) == sympy.Matrix(m).det()
        assert all(arithmetic_holds(s) for s in p.steps)


def test_matrix_product():
    for p in problems("matrix_product"):
        a, b = matrices(p.prompt)
        assert (np.array(a) @ np.array(b)).tolist() == matrices(p.answer)[0]
        assert all(arithmetic_holds(s) for s in p.steps)


def test_matrix_inverse_2x2():
    for p in problems("matrix_inverse_2x2"):
        (m,) = matrices(p.prompt)
        inverse = sympy.Matrix(m).inv()
        assert exact_matrix(p.answer) == [
            [Fraction(str(v)) for v in inverse.row(i)] for i in range(2)
        ]
        if p.difficulty <= 3:
            assert "/" not in p.answer


def test_cramers_rule():
    for p in problems("cramers_rule"):
        a, b = sympy.Matrix(p.meta["matrix"]), sympy.Matrix(p.meta["rhs"])
        solution = a.LUsolve(b)
        answer = dict(part.split("=") for part in p.answer.split(", "))
        assert [Fraction(answer[v]) for v in p.meta["unknowns"]] == [
            Fraction(str(s)) for s in solution
        ]
        for row, rhs in zip(p.meta["matrix"], p.meta["rhs"]):  # the prompt shows this system
            terms = "".join(
                f"{'+' if c > 0 else '-'}{abs(c) if abs(c) != 1 else ''}{v}"
                for c, v in zip(row, p.meta["unknowns"])
                if c
            ).lstrip("+")
            assert f"{terms}={rhs}" in p.prompt


def test_eigenvalues_2x2():
    for p in problems("eigenvalues_2x2"):
        (m,) = matrices(p.prompt)
        eigenvalues = sympy.Matrix(m).eigenvals()
        assert {Fraction(v) for v in p.answer.split(", ")} == {
            Fraction(str(e)) for e in eigenvalues
        }


def test_matrix_rank():
    for p in problems("matrix_rank"):
        (m,) = matrices(p.prompt)
        assert (
            int(p.answer)
            == np.linalg.matrix_rank(np.array(m, dtype=float))
            == sympy.Matrix(m).rank()
        )
        assert p.steps[-1] == f"nonzero rows: {p.answer}"


def test_rank_answers_are_balanced():
    for level in (1, 5, 10):
        ranks = [int(get_generator("matrix_rank").problem(s, level).answer) for s in range(300)]
        counts = np.bincount(ranks)[1:]
        assert counts.max() / len(ranks) <= 1 / len(counts) + 0.15


# -- verifiers ---------------------------------------------------------------------------------


def test_every_checker_survives_garbage():
    for name in NAMES:
        p = problems(name)[-1]
        for text in GARBAGE + ["[[1,2],[3]]", "[[]]", "[[1/0]]", "λ=", "(1,)"]:
            assert grade(name, p, text) is False, (name, text)


def test_matrix_answers():
    p = next(q for q in problems("matrix_inverse_2x2") if "/" in q.answer)
    rows = exact_matrix(p.answer)
    spaced = "[[" + "], [".join(", ".join(str(v) for v in r) for r in rows) + "]]"
    semicolons = "; ".join(", ".join(str(v) for v in r) for r in rows)
    doubled = (
        "[["
        + "],[".join(",".join(f"{v.numerator * 2}/{v.denominator * 2}" for v in r) for r in rows)
        + "]]"
    )
    for text in [p.answer, spaced, semicolons, doubled]:
        assert grade("matrix_inverse_2x2", p, text), text
    swapped = "[[" + "],[".join(",".join(str(v) for v in r) for r in reversed(rows)) + "]]"
    transposed = "[[" + "],[".join(",".join(str(v) for v in r) for r in zip(*rows)) + "]]"
    for text in [
        swapped if rows[0] != rows[1] else "[[0]]",
        transposed if rows[0][1] != rows[1][0] else "[[0]]",
        p.answer.replace("[[", "[[-", 1) if rows[0][0] else "[[1]]",
        p.answer[:-1],
    ]:
        assert not grade("matrix_inverse_2x2", p, text), text


def test_vector_and_set_answers():
    p = problems("vector_addition")[-1]
    values = p.answer.strip("()").split(", ")
    assert grade("vector_addition", p, "[" + ",".join(values) + "]")
    assert (
        not grade("vector_addition", p, "(" + ", ".join(reversed(values)) + ")")
        or values == values[::-1]
    )
    assert not grade("vector_addition", p, "(" + ", ".join(values[:-1]) + ")")
    e = next(q for q in problems("eigenvalues_2x2") if ", " in q.answer)
    low, high = e.answer.split(", ")
    for text in [f"{high}, {low}", f"λ={low}, λ={high}", f"{{{low},{high}}}"]:
        assert grade("eigenvalues_2x2", e, text), text
    for text in [low, f"{low}, {int(high) + 1}", f"{low}, {high}, {high}"]:
        assert not grade("eigenvalues_2x2", e, text), text


def test_cramer_and_integer_answers():
    p = next(q for q in problems("cramers_rule") if "/" in q.answer and q.meta["unknowns"] == "xyz")
    values = dict(part.split("=") for part in p.answer.split(", "))
    assert grade("cramers_rule", p, f"z={values['z']}, y={values['y']}, x={values['x']}")
    assert grade("cramers_rule", p, f"({values['x']}, {values['y']}, {values['z']})")
    assert not grade("cramers_rule", p, f"x={values['x']}, y={values['y']}")
    assert not grade(
        "cramers_rule", p, f"x={values['x']}, y={values['y']}, z={Fraction(values['z']) + 1}"
    )
    d = problems("determinant_3x3")[-1]
    assert grade("determinant_3x3", d, f"+{d.answer}") and not grade(
        "determinant_3x3", d, str(-int(d.answer)) + "1"
    )
