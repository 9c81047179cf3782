"""Linear algebra: vectors and small matrices, one entry, minor or row operation per step.

Matrices are written ``[[1,2],[3,4]]`` (rows in brackets, no blanks) in prompts, steps and
answers; answers may use any spacing and exact fractions.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from engram_env.answers import parse_list, parse_rational
from engram_env.generator import Generator
from engram_env.generators._common import (
    chance,
    draw_until,
    number_text,
    paren,
    poly_text,
    signed_join,
)
from engram_env.problem import Problem
from engram_env.verifiers import (
    AssignmentAnswer,
    IntegerAnswer,
    IntegerListAnswer,
    RationalSetAnswer,
    SpacingFreeSteps,
    squash,
)

Matrix = list[list[int]]


class _LinearAlgebra(SpacingFreeSteps, Generator):
    domain = "linear_algebra"
    pattern = "linear_algebra"


def _draw_matrix(
    rng: np.random.Generator, rows: int, columns: int, size: int, negative: bool = True
) -> Matrix:
    return rng.integers(-size if negative else 0, size + 1, size=(rows, columns)).tolist()


def _row_text(row: list) -> str:
    return "[" + ",".join(number_text(v) for v in row) + "]"


def matrix_text(matrix: list[list]) -> str:
    """``[[1,2],[3,-1/2]]``."""
    return "[" + ",".join(_row_text(r) for r in matrix) + "]"


def parse_matrix(text: str) -> list[list[Fraction]] | None:
    """Rows of rationals from ``[[1, 2], [3, 4]]`` or ``1, 2; 3, 4``, else ``None``."""
    s = squash(text)
    if s.startswith("[[") and s.endswith("]]"):
        rows = s[2:-2].split("],[")
    elif ";" in s:
        rows = s.strip("[]").split(";")
    else:
        return None
    parsed = [parse_list(row, item=parse_rational) for row in rows]
    if any(not row for row in parsed) or len({len(row) for row in parsed}) != 1:
        return None
    return parsed


class MatrixAnswer:
    """The answer is a matrix: exact entries (equivalent fractions allowed), rows in order."""

    def check_answer(self, problem: Problem, text: str) -> bool:
        got = parse_matrix(text)
        return got is not None and got == parse_matrix(problem.answer)


def _vector_text(values: list[int]) -> str:
    return "(" + ", ".join(map(str, values)) + ")"


def _det2(m: list[list]) -> int | Fraction:
    return m[0][0] * m[1][1] - m[0][1] * m[1][0]


def _det3(m: list[list]) -> int | Fraction:
    return sum((-1) ** j * m[0][j] * _det2([r[:j] + r[j + 1 :] for r in m[1:]]) for j in range(3))


def _det(m: list[list]) -> int | Fraction:
    return _det2(m) if len(m) == 2 else _det3(m)


# -- tier 0 and 1 ------------------------------------------------------------------------------


class VectorAddition(IntegerListAnswer, _LinearAlgebra):
    name = "vector_addition"
    tier = 0
    prerequisites = ("addition", "subtraction")
    summary = "Add or subtract two vectors component by component."
    difficulty_doc = (
        "Dimension 2 + level//3 (2..5), components up to 5*level in size (non-negative at "
        "levels 1-2)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        dimension, size = 2 + difficulty // 3, 5 * difficulty
        u, v = _draw_matrix(rng, 2, dimension, size, negative=difficulty > 2)
        sign = "+" if chance(rng, 0.5) else "-"
        result = [a + b if sign == "+" else a - b for a, b in zip(u, v)]
        steps = [f"{a}{sign}{paren(b)}={r}" for a, b, r in zip(u, v, result)]
        prompt = (
            f"Compute {_vector_text(u)}{sign}{_vector_text(v)} one component per step. Answer "
            "the vector as (a, b, ...)."
        )
        return self.make(difficulty, prompt, steps, _vector_text(result))


class MatrixTranspose(MatrixAnswer, _LinearAlgebra):
    name = "matrix_transpose"
    tier = 0
    prerequisites = ("copy",)
    summary = "Transpose a matrix: column j of A becomes row j of A^T."
    difficulty_doc = "Between 2 and 2 + level//3 rows and columns; entries up to 5*level in size."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        top = 2 + difficulty // 3
        rows, columns = (int(rng.integers(2, top + 1)) for _ in range(2))
        a = _draw_matrix(rng, rows, columns, 5 * difficulty, negative=difficulty > 2)
        transpose = [list(column) for column in zip(*a)]
        steps = [f"row {j + 1}={_row_text(r)}" for j, r in enumerate(transpose)]
        prompt = (
            f"Transpose A={matrix_text(a)}: one step per row of A^T (row j = column j of A). "
            "Answer A^T as [[...],[...]]."
        )
        return self.make(difficulty, prompt, steps, matrix_text(transpose))


class DotProduct(IntegerAnswer, _LinearAlgebra):
    name = "dot_product"
    tier = 1
    prerequisites = ("multiplication", "vector_addition")
    summary = "Dot product: the products of matching components, then their sum."
    difficulty_doc = "Dimension 2 + level//2 (2..7), components up to 3 + 2*level in size."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        u, v = _draw_matrix(
            rng, 2, 2 + difficulty // 2, 3 + 2 * difficulty, negative=difficulty > 2
        )
        products = [a * b for a, b in zip(u, v)]
        steps = [f"{a}*{paren(b)}={p}" for a, b, p in zip(u, v, products)]
        steps.append(f"{signed_join([str(p) for p in products])}={sum(products)}")
        prompt = (
            f"Compute the dot product of {_vector_text(u)} and {_vector_text(v)}: one product per "
            "component, then the sum. Answer an integer."
        )
        return self.make(difficulty, prompt, steps, str(sum(products)))


def _det2_steps(m: list[list], label: str = "det") -> list[str]:
    (a, b), (c, d) = m
    return [
        f"{a}*{paren(d)}={a * d}",
        f"{b}*{paren(c)}={b * c}",
        f"{label}={a * d}-{paren(b * c)}={a * d - b * c}",
    ]


class Determinant2x2(IntegerAnswer, _LinearAlgebra):
    name = "determinant_2x2"
    tier = 1
    prerequisites = ("multiplication", "subtraction")
    summary = "Determinant of a 2x2 matrix: ad-bc."
    difficulty_doc = "Entries up to 2 + 3*level in size (non-negative at levels 1-2)."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        m = _draw_matrix(rng, 2, 2, 2 + 3 * difficulty, negative=difficulty > 2)
        prompt = (
            f"Compute det {matrix_text(m)} = ad-bc: ad, bc, then the difference. Answer an integer."
        )
        return self.make(difficulty, prompt, _det2_steps(m), str(_det2(m)), matrix=m)


# -- tiers 2 and 3 -----------------------------------------------------------------------------

_PRODUCT_SHAPES = [(2, 2, 2)] * 3 + [(2, 3, 2)] * 2 + [(3, 2, 3), (3, 3, 2)] + [(3, 3, 3)] * 3


class MatrixProduct(MatrixAnswer, _LinearAlgebra):
    name = "matrix_product"
    tier = 2
    prerequisites = ("dot_product",)
    summary = "Matrix product AB: entry (i,j) is row i of A dotted with column j of B."
    difficulty_doc = (
        "Shapes 2x2 by 2x2 (levels 1-3), 2x3 by 3x2 (4-5), 3x2 by 2x3 and 3x3 by 3x2 (6-7), "
        "3x3 by 3x3 (8-10); entries up to 2 + level//2 in size (non-negative at levels 1-2)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        m, k, n = _PRODUCT_SHAPES[difficulty - 1]
        size, negative = 2 + difficulty // 2, difficulty > 2
        a, b = _draw_matrix(rng, m, k, size, negative), _draw_matrix(rng, k, n, size, negative)
        product = [[sum(a[i][t] * b[t][j] for t in range(k)) for j in range(n)] for i in range(m)]
        steps = [
            f"c{i + 1}{j + 1}="
            + "+".join(f"{paren(a[i][t])}*{paren(b[t][j])}" for t in range(k))
            + f"={product[i][j]}"
            for i in range(m)
            for j in range(n)
        ]
        prompt = (
            f"Compute AB for A={matrix_text(a)} and B={matrix_text(b)}: one entry cij per step, "
            "row by row. Answer AB as [[...],[...]]."
        )
        return self.make(difficulty, prompt, steps, matrix_text(product))


class Determinant3x3(IntegerAnswer, _LinearAlgebra):
    name = "determinant_3x3"
    tier = 3
    prerequisites = ("determinant_2x2",)
    summary = "Determinant of a 3x3 matrix by cofactor expansion along the first row."
    difficulty_doc = "Entries up to 1 + level in size (non-negative at levels 1-3)."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        m = _draw_matrix(rng, 3, 3, 1 + difficulty, negative=difficulty > 3)
        minors = []
        steps = []
        for j in range(3):
            (p, q), (r, s) = [row[:j] + row[j + 1 :] for row in m[1:]]
            minors.append(p * s - q * r)
            steps.append(f"M1{j + 1}={p}*{paren(s)}-{paren(q)}*{paren(r)}={minors[-1]}")
        a, b, c = m[0]
        det = a * minors[0] - b * minors[1] + c * minors[2]
        steps.append(
            f"{a}*{paren(minors[0])}-{paren(b)}*{paren(minors[1])}"
            f"+{paren(c)}*{paren(minors[2])}={det}"
        )
        prompt = (
            f"Compute det {matrix_text(m)} by cofactor expansion along row 1: the minors M11, "
            "M12, M13 (ps-qr), then a*M11-b*M12+c*M13. Answer an integer."
        )
        return self.make(difficulty, prompt, steps, str(det), matrix=m)


class MatrixInverse2x2(MatrixAnswer, _LinearAlgebra):
    name = "matrix_inverse_2x2"
    tier = 3
    prerequisites = ("determinant_2x2", "fraction_addition")
    summary = "Inverse of a 2x2 matrix: swap the diagonal, negate the rest, divide by ad-bc."
    difficulty_doc = (
        "Entries up to 1 + level in size; levels 1-3 have determinant 1 or -1 (integer "
        "inverses), then any nonzero determinant (fractions)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        size = 1 + difficulty

        def accept(m: Matrix) -> bool:
            return abs(_det2(m)) == 1 if difficulty <= 3 else _det2(m) != 0

        m = draw_until(lambda: _draw_matrix(rng, 2, 2, size), accept, [[2, 1], [1, 1]], tries=200)
        (a, b), (c, d) = m
        det = _det2(m)
        adjugate = [[d, -b], [-c, a]]
        inverse = [[Fraction(v, det) for v in row] for row in adjugate]
        steps = [f"det={a}*{paren(d)}-{paren(b)}*{paren(c)}={det}", f"adj={matrix_text(adjugate)}"]
        prompt = (
            f"Invert A={matrix_text(m)}: det=ad-bc, the adjugate [[d,-b],[-c,a]], then divide "
            "each entry by det. Answer A^-1 as [[...],[...]] with exact fractions."
        )
        return self.make(difficulty, prompt, steps, matrix_text(inverse), matrix=m)


# -- tier 4 ------------------------------------------------------------------------------------


class CramersRule(AssignmentAnswer, _LinearAlgebra):
    name = "cramers_rule"
    tier = 4
    prerequisites = ("determinant_3x3", "linear_system_2")
    summary = "Solve Ax=b by Cramer's rule: each unknown is det(A with b in its column)/det(A)."
    difficulty_doc = (
        "2 unknowns at levels 1-4, 3 from level 5; coefficients up to 1 + level//2 and right "
        "sides up to 2 + level in size; solutions may be fractions."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = 2 if difficulty <= 4 else 3
        names = "xyz"[:n]
        a = draw_until(
            lambda: _draw_matrix(rng, n, n, 1 + difficulty // 2),
            lambda m: _det(m) != 0,
            [[1 if i == j else 0 for j in range(n)] for i in range(n)],
            tries=200,
        )
        b = [int(v) for v in rng.integers(-2 - difficulty, 3 + difficulty, size=n)]
        det = _det(a)
        steps = [f"D=det{matrix_text(a)}={det}"]
        solution = []
        for j, name in enumerate(names):
            replaced = [row[:j] + [b[i]] + row[j + 1 :] for i, row in enumerate(a)]
            dj = _det(replaced)
            steps.append(f"D{name}=det{matrix_text(replaced)}={dj}")
            solution.append(Fraction(dj, det))
        steps += [f"{name}=D{name}/D={number_text(v)}" for name, v in zip(names, solution)]
        equations = ", ".join(
            signed_join(
                [f"{'' if c == 1 else '-' if c == -1 else c}{v}" for c, v in zip(row, names) if c]
            )
            + f"={rhs}"
            for row, rhs in zip(a, b)
        )
        prompt = (
            f"Solve {equations} by Cramer's rule: D=det A, then D{names[0]}.. (A with b in that "
            f"column), then each unknown = its D over D. Answer as "
            f"{', '.join(f'{v}=...' for v in names)} with exact fractions."
        )
        answer = ", ".join(f"{v}={number_text(s)}" for v, s in zip(names, solution))
        return self.make(difficulty, prompt, steps, answer, unknowns=names, matrix=a, rhs=b)


def _divisors(n: int) -> list[int]:
    """Positive divisors of ``n != 0``."""
    n = abs(n)
    small = [d for d in range(1, int(n**0.5) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


class Eigenvalues2x2(RationalSetAnswer, _LinearAlgebra):
    name = "eigenvalues_2x2"
    tier = 4
    prerequisites = ("determinant_2x2", "quadratic_roots")
    summary = "Eigenvalues of a 2x2 matrix from its characteristic polynomial λ^2-tr*λ+det."
    difficulty_doc = (
        "Integer eigenvalues up to 1 + level in size, one of them above half that (about 1 in 7 "
        "a double one); diagonal entries up to 2 + level."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        size = 1 + difficulty
        l1 = int(rng.integers(size // 2 + 1, size + 1)) * (1 if chance(rng, 0.5) else -1)
        l2 = int(rng.integers(-size, size + 1))
        if chance(rng, 0.15):
            l2 = l1
        a = int(rng.integers(-size - 1, size + 2))
        d = l1 + l2 - a
        product = a * d - l1 * l2  # b*c must equal this for the determinant to be l1*l2
        if product == 0:
            b, c = (
                (0, _draw_matrix(rng, 1, 1, size)[0][0])
                if chance(rng, 0.5)
                else (_draw_matrix(rng, 1, 1, size)[0][0], 0)
            )
        else:
            options = _divisors(product)
            b = options[int(rng.integers(0, len(options)))] * (1 if chance(rng, 0.5) else -1)
            c = product // b
        trace, det = a + d, a * d - b * c
        factors = (
            f"({poly_text([-l1, 1], 'λ')})^2"
            if l1 == l2
            else f"({poly_text([-min(l1, l2), 1], 'λ')})({poly_text([-max(l1, l2), 1], 'λ')})"
        )
        steps = [
            f"tr={a}+{paren(d)}={trace}",
            f"det={a}*{paren(d)}-{paren(b)}*{paren(c)}={det}",
            f"{poly_text([det, -trace, 1], 'λ')}=0",
            f"{factors}=0",
        ]
        answer = ", ".join(str(v) for v in sorted({l1, l2}))
        prompt = (
            f"Find the eigenvalues of A={matrix_text([[a, b], [c, d]])}: trace, determinant, the "
            "characteristic equation λ^2-tr*λ+det=0, factored. Answer the eigenvalues separated "
            "by commas in any order (a double one once)."
        )
        return self.make(difficulty, prompt, steps, answer, matrix=[[a, b], [c, d]])


_RANK_SHAPES = [(2, 3)] * 3 + [(3, 3)] * 2 + [(3, 4)] * 2 + [(4, 4)] * 2 + [(4, 5)]


def _row_reduce(matrix: list[list[Fraction]]) -> tuple[list[str], int]:
    """Steps of forward elimination (swaps, row operations with the new row) and the rank."""
    rows = [list(r) for r in matrix]
    steps, pivot_row = [], 0
    for column in range(len(rows[0])):
        below = [i for i in range(pivot_row, len(rows)) if rows[i][column]]
        if not below:
            continue
        if below[0] != pivot_row:
            rows[pivot_row], rows[below[0]] = rows[below[0]], rows[pivot_row]
            steps.append(f"R{pivot_row + 1}↔R{below[0] + 1}")
        pivot = rows[pivot_row]
        for i in range(pivot_row + 1, len(rows)):
            factor = rows[i][column] / pivot[column]
            if not factor:
                continue
            rows[i] = [u - factor * v for u, v in zip(rows[i], pivot)]
            size = abs(factor)
            multiple = "" if size == 1 else f"{paren(size)}"
            steps.append(
                f"R{i + 1}=R{i + 1}{'-' if factor > 0 else '+'}{multiple}R{pivot_row + 1}: "
                f"{_row_text(rows[i])}"
            )
        pivot_row += 1
        if pivot_row == len(rows):
            break
    return steps, pivot_row


class MatrixRank(IntegerAnswer, _LinearAlgebra):
    name = "matrix_rank"
    tier = 4
    prerequisites = ("determinant_3x3", "linear_system_2")
    summary = "Rank of a matrix by row reduction to echelon form: the number of nonzero rows."
    difficulty_doc = (
        "Shapes 2x3 (levels 1-3), 3x3 (4-5), 3x4 (6-7), 4x4 (8-9), 4x5 (10); the rank is drawn "
        "uniformly from 1..min(shape); factor entries up to 1 + level//4."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        m, n = _RANK_SHAPES[difficulty - 1]
        rank = int(rng.integers(1, min(m, n) + 1))
        size = 1 + difficulty // 4

        def draw() -> Matrix:
            left, right = _draw_matrix(rng, m, rank, size), _draw_matrix(rng, rank, n, size)
            return (np.array(left) @ np.array(right)).tolist()

        fallback = [[int(i == j and i < rank) for j in range(n)] for i in range(m)]
        matrix = draw_until(
            draw, lambda a: _row_reduce([[Fraction(v) for v in r] for r in a])[1] == rank, fallback
        )
        steps, found = _row_reduce([[Fraction(v) for v in r] for r in matrix])
        steps.append(f"nonzero rows: {found}")
        prompt = (
            f"Find the rank of {matrix_text(matrix)} by row reduction: for each pivot column, "
            "swap a nonzero pivot up if needed (Ri↔Rj), clear the entries below it "
            "(Ri=Ri-cRj: new row), then count the nonzero rows. Answer an integer."
        )
        return self.make(difficulty, prompt, steps, str(found), matrix=matrix)
