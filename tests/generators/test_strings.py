"""String generators: answers recomputed independently (brute force, builtins), traces checked,
verifiers tested against equivalent forms and near misses."""

from __future__ import annotations

import heapq
import itertools
import re
from collections import Counter
from functools import cache

import pytest

from engram_env.registry import get_generator

SEEDS, LEVELS = range(20), range(1, 11)


def problems(task: str):
    g = get_generator(task)
    return [g.problem(seed, d) for seed in SEEDS for d in LEVELS]


def test_copy_and_reverse():
    for p in problems("copy"):
        text = p.meta["text"]
        assert p.answer == text and "".join(p.steps) == text and p.prompt.endswith(text)
        assert len(text) == 4 * p.difficulty
    for p in problems("reverse"):
        text = p.meta["text"]
        assert p.answer == "".join(reversed(text)) and "".join(p.steps) == p.answer


def test_counting():
    for p in problems("counting"):
        text, letter = p.meta["text"], p.meta["letter"]
        assert int(p.answer) == sum(c == letter for c in text)
        assert [s[0] for s in p.steps] == list(text)
        assert int(p.steps[-1].split("→")[1]) == int(p.answer)


def test_palindrome_check():
    for p in problems("palindrome_check"):
        word = p.meta["word"]
        assert p.answer == (
            "yes" if all(word[i] == word[-1 - i] for i in range(len(word))) else "no"
        )
        assert ("≠" in p.steps[-1]) == (p.answer == "no")


def _expand(code: str) -> str:
    return "".join(c * int(n) for n, c in re.findall(r"(\d+)(\D)", code))


def test_run_length_encoding_and_decoding():
    for p in problems("run_length_encoding"):
        text = p.meta["text"]
        assert p.answer == "".join(f"{len(list(g))}{c}" for c, g in itertools.groupby(text))
        assert _expand(p.answer) == text
    for p in problems("run_length_decoding"):
        assert p.answer == _expand(p.meta["code"])
        assert "".join(s.split("→")[1] for s in p.steps) == p.answer


def _balanced(text: str) -> bool:
    previous = None
    while previous != text:
        previous, text = text, text.replace("()", "").replace("[]", "").replace("{}", "")
    return text == ""


def test_balanced_parentheses():
    answers = Counter()
    for p in problems("balanced_parentheses"):
        balanced = _balanced(p.meta["text"])
        assert p.answer == ("yes" if balanced else "no")
        assert (p.steps[-1] == "∅") == balanced
        answers[p.answer] += 1
    assert min(answers.values()) > 60


def test_anagram_check():
    for p in problems("anagram_check"):
        assert p.answer == ("yes" if sorted(p.meta["first"]) == sorted(p.meta["second"]) else "no")
        assert ("≠" in " ".join(p.steps)) == (p.answer == "no")


def test_string_search():
    for p in problems("string_search"):
        text, pattern = p.meta["text"], p.meta["sought"]
        starts = [
            i for i in range(len(text) - len(pattern) + 1) if text[i : i + len(pattern)] == pattern
        ]
        assert int(p.answer) == (starts[0] if starts else -1)
        if starts:
            assert p.steps[-1] == f"{starts[0]}:{pattern}"


def _lcs_brute(a: str, b: str) -> int:
    def is_subsequence(s: str, t: str) -> bool:
        it = iter(t)
        return all(c in it for c in s)

    return (
        max(
            k
            for k in range(len(a) + 1)
            for combo in itertools.combinations(a, k)
            if is_subsequence("".join(combo), b)
        )
        if a
        else 0
    )


def test_lcs_length():
    for p in problems("lcs_length"):
        a, b = p.meta["a"], p.meta["b"]
        assert int(p.answer) == _lcs_brute(a, b)
        assert int(p.steps[-1].split(",")[-1]) == int(p.answer)
        assert len(p.steps) == len(a)


def _levenshtein(a: str, b: str) -> int:
    @cache
    def d(i: int, j: int) -> int:
        if i == 0 or j == 0:
            return i + j
        return min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] != b[j - 1]))

    return d(len(a), len(b))


def test_edit_distance():
    for p in problems("edit_distance"):
        a, b = p.meta["a"], p.meta["b"]
        assert int(p.answer) == _levenshtein(a, b)
        rows = [list(map(int, s.split(":")[1].split(","))) for s in p.steps]
        assert [row[0] for row in rows] == list(range(1, len(a) + 1))
        assert rows[-1][-1] == int(p.answer)


def _huffman_bits(text: str) -> int:
    counts = Counter(text)
    heap = [(n, i, {c: 0}) for i, (c, n) in enumerate(counts.items())]
    heapq.heapify(heap)
    tiebreak = len(heap)
    while len(heap) > 1:
        n1, _, d1 = heapq.heappop(heap)
        n2, _, d2 = heapq.heappop(heap)
        merged = {c: depth + 1 for c, depth in {**d1, **d2}.items()}
        heapq.heappush(heap, (n1 + n2, tiebreak, merged))
        tiebreak += 1
    depths = heap[0][2]
    return sum(counts[c] * depths[c] for c in counts)


def test_huffman_coding():
    for p in problems("huffman_coding"):
        text = p.meta["text"]
        assert int(p.answer) == _huffman_bits(text)
        assert p.steps[0] == " ".join(f"{c}{n}" for c, n in sorted(Counter(text).items()))
        assert len(p.steps) == len(set(text))  # the counts, then one merge fewer than letters


def test_word_break():
    answers = Counter()
    for p in problems("word_break"):
        words = tuple(p.meta["words"])

        @cache
        def splits(rest: str, words: tuple[str, ...] = words) -> bool:
            return rest == "" or any(rest.startswith(w) and splits(rest[len(w) :]) for w in words)

        assert p.answer == ("yes" if splits(p.meta["text"]) else "no")
        assert len(p.steps) == len(p.meta["text"])
        assert (p.steps[-1].split(":")[1] != "-") == (p.answer == "yes")
        answers[p.answer] += 1
    assert min(answers.values()) > 60


# -- verifiers -----------------------------------------------------------------------------------


def first(task: str, difficulty: int = 5, predicate=lambda p: True):
    g = get_generator(task)
    return next(p for p in (g.problem(s, difficulty) for s in range(200)) if predicate(p))


@pytest.mark.parametrize(
    "task, good, bad",
    [
        ("copy", [], ["", " ", "garbage", "∅"]),
        ("reverse", [], [""]),
        ("counting", ["+{a}", "0{a}", " {a} "], ["{a1}", "{am1}", "-{a}", "{a}.5", "", "x"]),
        ("lcs_length", ["0{a}"], ["{a1}", "{am1}", ""]),
        ("edit_distance", [" {a}"], ["{a1}", "{am1}", "-{a}"]),
        ("huffman_coding", ["{a} "], ["{a1}", "{am1}", "bits"]),
        ("string_search", ["+{a}"], ["{a1}", "{am1}", "", "x"]),
    ],
)
def test_answer_forms(task, good, bad):
    p = first(task, 5, lambda p: not p.answer.lstrip("-").isdigit() or int(p.answer) > 0)
    a = int(p.answer) if p.answer.isdigit() else None
    fill = lambda t: t.format(a=a, a1=(a or 0) + 1, am1=(a or 0) - 1)
    g = get_generator(task)
    assert g.check_answer(p, p.answer)
    for text in good:
        assert g.check_answer(p, fill(text)), (task, text)
    for text in bad:
        assert not g.check_answer(p, fill(text)), (task, text)


def test_case_and_near_misses_of_strings():
    g = get_generator("copy")
    p = first("copy", 8, lambda p: any(c.isalpha() for c in p.answer))
    assert not g.check_answer(p, p.answer.swapcase())
    assert not g.check_answer(p, p.answer[:-1])
    g = get_generator("reverse")
    p = first("reverse", 5, lambda p: p.answer != p.meta["text"])
    assert not g.check_answer(p, p.meta["text"])
    g = get_generator("run_length_encoding")
    p = first("run_length_encoding")
    assert g.check_answer(p, " " + p.answer + " ")
    assert not g.check_answer(p, p.answer[1:]) and not g.check_answer(p, p.meta["text"])


@pytest.mark.parametrize(
    "task", ["palindrome_check", "balanced_parentheses", "anagram_check", "word_break"]
)
def test_yes_no_tasks_reject_the_other_answer(task):
    g = get_generator(task)
    for answer in ("yes", "no"):
        p = first(task, 6, lambda p, answer=answer: p.answer == answer)
        other = "no" if answer == "yes" else "yes"
        assert g.check_answer(p, answer.upper()) and g.check_answer(p, f" {answer} ")
        assert not g.check_answer(p, other) and not g.check_answer(p, answer[0])


def test_steps_are_graded_exactly():
    g = get_generator("lcs_length")
    p = first("lcs_length")
    assert g.check_step(p, 0, p.steps[0].replace(",", ", "))  # blanks do not matter
    changed = p.steps[0][:-1] + str((int(p.steps[0][-1]) + 1) % 10)
    assert not g.check_step(p, 0, changed)
    g = get_generator("counting")
    p = first("counting")
    assert not g.check_step(p, 0, p.steps[0][0] + "→9")
