"""Arithmetic: every answer recomputed from the prompt with plain Python; verifiers table-tested."""

import re

import pytest

from engram_env.registry import get_generator

SEEDS, LEVELS = range(20), range(1, 11)  # 200 problems per task


def problems(task):
    g = get_generator(task)
    return [(g, g.problem(seed, d)) for d in LEVELS for seed in SEEDS]


def operands(prompt: str, op: str) -> tuple[int, int]:
    a, b = re.search(rf"(-?\d+){re.escape(op)}(-?\d+)=\?$", prompt).groups()
    return int(a), int(b)


def test_addition_answers_and_column_steps():
    for g, p in problems("addition"):
        a, b = operands(p.prompt, "+")
        assert int(p.answer) == a + b
        assert len(str(a)) == len(str(b)) == p.difficulty or p.difficulty == 1  # 0..9 at level 1
        carry = 0
        for i, step in enumerate(p.steps):  # each column: digit + digit + carry = sum
            x, y, c, total = map(int, re.fullmatch(r"(\d)\+(\d)\+(\d)=(\d+)", step).groups())
            assert (x, y, c) == (a // 10**i % 10, b // 10**i % 10, carry) and total == x + y + c
            carry = total // 10


def test_subtraction_answers_and_borrows():
    for g, p in problems("subtraction"):
        a, b = operands(p.prompt, "-")
        assert a >= b and int(p.answer) == a - b
        borrow = 0
        for i, step in enumerate(p.steps):
            top, y, c, diff = re.fullmatch(r"(1?\d)-(\d)-(\d)=(\d)", step).groups()
            x = a // 10**i % 10
            assert top in (str(x), f"1{x}") and int(y) == b // 10**i % 10 and int(c) == borrow
            borrow = int(len(top) == 2)  # a leading 1 marks a borrowed ten
            assert int(top) - int(y) - int(c) == int(diff)


def test_multiplication_answers_and_partial_products():
    for g, p in problems("multiplication"):
        a, b = operands(p.prompt, "×")
        assert int(p.answer) == a * b
        partials = [re.fullmatch(rf"{a}×(\d+)=(\d+)", s) for s in p.steps[: len(str(b))]]
        assert sum(int(m.group(2)) for m in partials) == a * b
        assert all(int(m.group(1)) * a == int(m.group(2)) for m in partials)


def test_division_answers_and_long_division_steps():
    for g, p in problems("division"):
        a, b = operands(p.prompt, "/")
        q, r = divmod(a, b)
        assert p.answer == f"{q} r{r}" and len(p.steps) == len(str(a))
        part, rem = map(int, re.fullmatch(r"(\d+)/\d+=\d+ r(\d+)", p.steps[-1]).groups())
        assert rem == r


def test_comparison_answers_and_balance():
    counts = {"<": 0, ">": 0, "=": 0}
    for g, p in problems("comparison"):
        x, y = map(int, re.search(r"(-?\d+) \? (-?\d+)$", p.prompt).groups())
        assert p.answer == ("<" if x < y else ">" if x > y else "=")
        counts[p.answer] += 1
    assert min(counts.values()) >= 20


@pytest.mark.parametrize(
    ("task", "good", "bad"),
    [
        ("addition", ["{a}", "0{a}", " {a} ", "+{a}"], ["{a1}", "{a}.0", "", "x", "-{a}"]),
        ("division", ["{q} r{r}", "{q} R {r}", "{q} remainder {r}"], ["{q} r{r1}", "{q1} r{r}", "{q}", "r{r}"]),
        ("comparison", ["{a}", " {a} "], ["{w}", "", "<>"]),
    ],
)
def test_verifiers_accept_equivalent_forms_and_reject_near_misses(task, good, bad):
    g = get_generator(task)
    p = next(p for s in range(100) if (p := g.problem(s, 4)).answer not in ("0", "=") and
             (task != "division" or not p.answer.endswith(" r0")))
    fields = {"a": p.answer}
    if task == "addition":
        fields["a1"] = str(int(p.answer) + 1)
    if task == "division":
        q, r = p.answer.split(" r")
        fields.update(q=q, r=r, q1=int(q) + 1, r1=int(r) + 1)
    if task == "comparison":
        fields["w"] = "<" if p.answer == ">" else ">"
    for form in good:
        assert g.check_answer(p, form.format(**fields)), form
    for form in bad:
        assert not g.check_answer(p, form.format(**fields)), form


def test_spacing_free_steps():
    g = get_generator("addition")
    p = g.problem(3, 4)
    spaced = " + ".join(p.steps[0].split("+")).replace("=", " = ")
    assert g.check_step(p, 0, spaced) and not g.check_step(p, 0, p.steps[0] + "1")
