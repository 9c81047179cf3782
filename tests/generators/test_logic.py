"""Logic and set generators: formulas re-parsed from the prompt text by a small independent
parser and evaluated, sets recomputed with Python sets, verifiers tested on near misses."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest

from engram_env.registry import get_generator

SEEDS, LEVELS = range(20), range(1, 11)
CONNECTIVES = {
    "∧": lambda a, b: a and b,
    "∨": lambda a, b: a or b,
    "→": lambda a, b: (not a) or b,
    "↔": lambda a, b: a == b,
}


def problems(task: str):
    g = get_generator(task)
    return [g.problem(seed, d) for seed in SEEDS for d in LEVELS]


def evaluate(text: str, env: dict[str, bool] | None = None) -> bool:
    """Value of a formula written with T, F, letters, ¬ and binary connectives (left to right
    within a parenthesis level, which only ever chains one associative connective)."""
    env = env or {}
    position = 0

    def unary() -> bool:
        nonlocal position
        c = text[position]
        position += 1
        if c == "¬":
            return not unary()
        if c == "(":
            value = binary()
            assert text[position] == ")"
            position += 1
            return value
        return {"T": True, "F": False}.get(c, env.get(c))

    def binary() -> bool:
        nonlocal position
        value = unary()
        while position < len(text) and text[position] in CONNECTIVES:
            op = text[position]
            position += 1
            value = CONNECTIVES[op](value, unary())
        return value

    result = binary()
    assert position == len(text), text
    return result


def assignments(variables: str):
    for values in itertools.product((False, True), repeat=len(variables)):
        yield dict(zip(variables, values))


def tf(value: bool) -> str:
    return "T" if value else "F"


@pytest.mark.parametrize(
    "task", ["boolean_chain", "boolean_eval", "equivalence_check", "logical_deduction"]
)
def test_two_valued_answers_are_balanced(task):
    g = get_generator(task)
    for difficulty in (2, 9):
        counts = Counter(g.problem(seed, difficulty).answer for seed in range(600))
        assert len(counts) == 2 and min(counts.values()) > 0.42 * 600, counts


def test_boolean_chain():
    for p in problems("boolean_chain"):
        expression = p.meta["op"].join(p.meta["terms"])
        assert p.answer == tf(evaluate(expression)) and p.steps[-1].endswith("=" + p.answer)


def test_boolean_eval():
    for p in problems("boolean_eval"):
        value = evaluate(p.meta["expression"])
        assert p.answer == tf(value)
        lengths = [len(p.meta["expression"])] + [len(s) for s in p.steps]
        assert all(evaluate(s) == value for s in p.steps)  # each rewrite keeps the value
        assert lengths == sorted(lengths, reverse=True) and len(set(lengths)) == len(lengths)


def test_truth_table():
    for p in problems("truth_table"):
        variables = p.meta["variables"]
        column = "".join(tf(evaluate(p.meta["formula"], env)) for env in assignments(variables))
        assert p.answer == column and len(p.steps) == 2 ** len(variables)
        assert set(variables) <= set(p.meta["formula"])


def test_equivalence_check():
    for p in problems("equivalence_check"):
        variables = p.meta["variables"]
        same = all(
            evaluate(p.meta["f"], env) == evaluate(p.meta["g"], env)
            for env in assignments(variables)
        )
        assert p.answer == ("yes" if same else "no") and p.meta["f"] != p.meta["g"]
        assert ("≠" in p.steps[-1]) == (not same)


def _cnf(prompt: str) -> str:
    return re.search(r"make (\S+) true", prompt).group(1)


def test_satisfiability():
    g = get_generator("satisfiability")
    for p in problems("satisfiability"):
        variables, cnf = p.meta["variables"], _cnf(p.prompt)
        assert evaluate(cnf, dict(zip(variables, (c == "T" for c in p.answer))))
        assert p.steps[-1] == f"{variables[-1]}={p.answer[-1]}"
        if p.difficulty <= 4:  # every satisfying assignment is accepted, no other
            for env in assignments(variables):
                word = "".join(tf(v) for v in env.values())
                assert g.check_answer(p, word) == evaluate(cnf, env), word


def test_logical_deduction():
    for p in problems("logical_deduction"):
        rules = [(set(body), head) for body, head in p.meta["rules"]]
        known = set(p.meta["facts"])
        for _ in rules:  # at most one new atom per round is enough rounds
            known |= {head for body, head in rules if body <= known}
        assert p.answer == ("yes" if p.meta["query"] in known else "no")
        derived = set(p.meta["facts"])
        for step in p.steps:  # each fired rule is listed and its premises were known
            if step == "stop":
                break
            premises, head = step.split("→")
            assert (set(premises.split("∧")), head) in rules and set(premises.split("∧")) <= derived
            derived.add(head)
        assert (p.steps[-1] == "stop") == (p.answer == "no")


def test_set_operations():
    for p in problems("set_operations"):
        a, b = set(p.meta["a"]), set(p.meta["b"])
        expected = {
            "A∪B": a | b,
            "A∩B": a & b,
            "A\\B": a - b,
            "B\\A": b - a,
            "(A\\B)∪(B\\A)": a ^ b,
        }[p.meta["operation"]]
        got = set() if p.answer == "∅" else {int(x) for x in p.answer.split(",")}
        assert got == expected
        assert [int(s.split(":")[0]) for s in p.steps] == sorted(a | b)


def test_inclusion_exclusion():
    for p in problems("inclusion_exclusion"):
        sets: dict[str, set[int]] = {}
        fresh = itertools.count()
        for members, count in p.meta["regions"].items():  # build real sets from the Venn regions
            elements = {next(fresh) for _ in range(count)}
            for name in members:
                sets.setdefault(name, set()).update(elements)
        names = sorted({n for members in p.meta["regions"] for n in members})
        for key, size in p.meta["sizes"].items():
            assert len(set.intersection(*(sets.get(n, set()) for n in key.split("∩")))) == size
            assert f"|{key}|={size}" in p.prompt
        union = len(set().union(*sets.values()))
        expected = p.meta["universe"] - union if "universe" in p.meta else union
        assert int(p.answer) == expected and len(names) == (2 if p.difficulty <= 3 else 3)


# -- verifiers -----------------------------------------------------------------------------------


def first(task: str, difficulty: int = 5, predicate=lambda p: True):
    g = get_generator(task)
    return next(p for p in (g.problem(s, difficulty) for s in range(200)) if predicate(p))


@pytest.mark.parametrize("task", ["boolean_chain", "boolean_eval"])
@pytest.mark.parametrize("value", ["T", "F"])
def test_truth_value_answers(task, value):
    g = get_generator(task)
    p = first(task, 6, lambda p: p.answer == value)
    word = "true" if value == "T" else "false"
    other = "F" if value == "T" else "T"
    for good in (value, value.lower(), word, word.upper(), f" {value} "):
        assert g.check_answer(p, good), good
    for bad in (other, "yes", "", "TF", word[:-1], "1"):
        assert not g.check_answer(p, bad), bad


def test_truth_table_answer_forms():
    g = get_generator("truth_table")
    p = first("truth_table")
    for good in (p.answer, p.answer.lower(), ",".join(p.answer), " ".join(p.answer)):
        assert g.check_answer(p, good), good
    flipped = ("F" if p.answer[0] == "T" else "T") + p.answer[1:]
    for bad in (
        flipped,
        p.answer[:-1],
        p.answer + "T",
        p.answer[::-1] if p.answer != p.answer[::-1] else flipped,
        "",
    ):
        assert not g.check_answer(p, bad), bad


def test_satisfiability_rejects_malformed():
    g = get_generator("satisfiability")
    p = first("satisfiability")
    assert g.check_answer(p, p.answer.lower()) and g.check_answer(p, ",".join(p.answer))
    for bad in ("", p.answer[:-1], p.answer + "T", "X" * len(p.answer), "1" * len(p.answer)):
        assert not g.check_answer(p, bad), bad


def test_set_answers():
    g = get_generator("set_operations")
    p = first("set_operations", 5, lambda p: p.answer.count(",") >= 2)
    values = p.answer.split(",")
    for good in (p.answer, ",".join(reversed(values)), "{" + ", ".join(values) + "}"):
        assert g.check_answer(p, good), good
    extra = str(max(map(int, values)) + 1)
    for bad in (
        ",".join(values[:-1]),
        p.answer + "," + extra,
        p.answer + "," + values[0],
        "∅",
        "",
        "A∪B",
    ):
        assert not g.check_answer(p, bad), bad
    empty = first("set_operations", 3, lambda p: p.answer == "∅")
    for good in ("∅", "{}", "none"):
        assert g.check_answer(empty, good), good
    assert not g.check_answer(empty, "0")


@pytest.mark.parametrize("task", ["equivalence_check", "logical_deduction"])
def test_yes_no_answers(task):
    g = get_generator(task)
    for answer, other in (("yes", "no"), ("no", "yes")):
        p = first(task, 6, lambda p, answer=answer: p.answer == answer)
        assert g.check_answer(p, answer.upper()) and not g.check_answer(p, other)
        assert not g.check_answer(p, "") and not g.check_answer(p, answer[0])


def test_inclusion_exclusion_answers_and_steps():
    g = get_generator("inclusion_exclusion")
    p = first("inclusion_exclusion")
    a = int(p.answer)
    assert (
        g.check_answer(p, f" {a} ")
        and not g.check_answer(p, str(a + 1))
        and not g.check_answer(p, "")
    )
    assert g.check_step(p, 0, p.steps[0].replace("+", " + ").replace("=", " = "))
    assert not g.check_step(p, 0, p.steps[0] + "0")
