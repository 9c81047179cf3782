"""first_error: the planted mistake is found by checking every line against a fresh computation."""

import re

import pytest

from engram_env.registry import get_generator

FIRST_ERROR = get_generator("first_error")


def first_wrong_line(prompt: str) -> str:
    a, b = map(int, re.search(r"added (\d+)\+(\d+)", prompt).groups())
    lines = re.findall(r"line \d+: ([^;]+?)(?:;|\. Check)", prompt)
    width = len(lines) - 1
    carry = 0
    for i, line in enumerate(lines[:-1]):
        x, y = a // 10**i % 10, b // 10**i % 10
        if line != f"{x}+{y}+{carry}={x + y + carry}":
            return str(i + 1)
        carry = (x + y + carry) // 10
    assert width >= 1
    return "none" if lines[-1] == f"result {a + b}" else str(len(lines))


@pytest.mark.parametrize("difficulty", range(1, 11))
def test_answers_match_an_independent_audit(difficulty):
    answers = set()
    for seed in range(300):
        p = FIRST_ERROR.problem(seed, difficulty)
        assert p.answer == first_wrong_line(p.prompt), p.prompt
        assert p.steps[-1].endswith("wrong" if p.answer != "none" else "ok")
        answers.add(p.answer)
    assert "none" in answers and len(answers) >= min(3, difficulty + 2)


@pytest.mark.parametrize(("text", "ok"), [("none", True), ("None", True), (" none ", True),
                                          ("0", False), ("", False), ("no", False)])
def test_none_answers(text, ok):
    p = next(p for s in range(50) if (p := FIRST_ERROR.problem(s, 3)).answer == "none")
    assert FIRST_ERROR.check_answer(p, text) is ok


def test_line_number_answers():
    p = next(p for s in range(50) if (p := FIRST_ERROR.problem(s, 3)).answer not in ("none", "1"))
    n = int(p.answer)
    assert FIRST_ERROR.check_answer(p, str(n)) and FIRST_ERROR.check_answer(p, f"0{n}")
    assert not FIRST_ERROR.check_answer(p, str(n - 1))
    assert not FIRST_ERROR.check_answer(p, "none")
