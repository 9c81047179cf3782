"""Cipher generators recomputed with independent implementations from the prompt text."""

from __future__ import annotations

import codecs
import re
import string

import pytest

from engram_env.registry import get_generator

CASES = [(seed, d) for d in range(1, 11) for seed in range(20)]
LOWER = string.ascii_lowercase


def problems(task: str):
    g = get_generator(task)
    return [g.problem(seed, d) for seed, d in CASES]


def text_of(prompt: str) -> str:
    return prompt.rsplit(": ", 1)[1]


def shifted(text: str, k: int) -> str:
    table = str.maketrans(LOWER, LOWER[k % 26:] + LOWER[: k % 26])
    return text.translate(table)


def check_word_steps(p) -> None:
    """Steps are 'source → result' per word and their results make up the answer."""
    assert " ".join(s.rsplit(" → ", 1)[1] for s in p.steps) == p.answer


def test_rot13():
    for p in problems("rot13"):
        assert p.answer == codecs.encode(text_of(p.prompt), "rot13")
        check_word_steps(p)


def test_atbash():
    for p in problems("atbash"):
        assert p.answer == text_of(p.prompt).translate(str.maketrans(LOWER, LOWER[::-1]))
        check_word_steps(p)


def test_a1z26_cipher():
    directions = set()
    for p in problems("a1z26_cipher"):
        text = text_of(p.prompt)
        if p.prompt.startswith("Encode"):
            expected = " ".join("-".join(str(LOWER.index(c) + 1) for c in w) for w in text.split())
        else:
            expected = " ".join("".join(LOWER[int(n) - 1] for n in w.split("-"))
                                for w in text.split())
        directions.add(p.prompt.split()[0])
        assert p.answer == expected
        check_word_steps(p)
    assert directions == {"Encode", "Decode"}


def test_caesar_cipher():
    for p in problems("caesar_cipher"):
        k = int(re.search(r"shift (\d+)", p.prompt).group(1))
        sign = 1 if "Encrypt" in p.prompt else -1
        assert 1 <= k <= 25
        assert p.answer == shifted(text_of(p.prompt), sign * k)
        assert shifted(p.answer, -sign * k) == text_of(p.prompt)
        check_word_steps(p)


def vigenere(text: str, key: str, sign: int) -> str:
    out, i = [], 0
    for c in text:
        if c == " ":
            out.append(c)
            continue
        out.append(LOWER[(LOWER.index(c) + sign * LOWER.index(key[i % len(key)])) % 26])
        i += 1
    return "".join(out)


def test_vigenere_cipher():
    for p in problems("vigenere_cipher"):
        key = re.search(r"key '([a-z]+)'", p.prompt).group(1)
        sign = 1 if "Encrypt" in p.prompt else -1
        assert p.answer == vigenere(text_of(p.prompt), key, sign)
        assert vigenere(p.answer, key, -sign) == text_of(p.prompt)
        check_word_steps(p)


def affine(word: str, a: int, b: int) -> str:
    return "".join(LOWER[(a * LOWER.index(c) + b) % 26] for c in word)


def test_affine_cipher():
    for p in problems("affine_cipher"):
        a, b = map(int, re.search(r"E\(x\)=\((\d+)\*x\+(\d+)\)", p.prompt).groups())
        text = text_of(p.prompt)
        if "Encrypt" in p.prompt:
            assert p.answer == affine(text, a, b)
        else:
            # brute force: the unique preimage of each letter
            assert p.answer == "".join(next(x for x in LOWER if affine(x, a, b) == c) for c in text)
            assert (a * int(re.search(r"= (\d+)", p.steps[0]).group(1))) % 26 == 1
        assert "".join(s[-1] for s in p.steps if "%26" in s) == p.answer
        assert len(p.answer) == p.difficulty + 2


def test_binary_xor():
    for p in problems("binary_xor"):
        message, key = re.search(r"Message ([01]+), key ([01]+)", p.prompt).groups()
        assert int(p.answer, 2) == int(message, 2) ^ int(key, 2)
        assert len(p.answer) == len(message) == 4 * p.difficulty
        assert "".join(s.split(" = ")[1] for s in p.steps) == p.answer


def test_binary_to_hex():
    for p in problems("binary_to_hex"):
        bits = text_of(p.prompt)
        assert int(p.answer, 16) == int(bits, 2) and len(p.answer) == len(bits) // 4
        assert "".join(s.split("=")[0] for s in p.steps) == bits


# -- verifiers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", ["rot13", "atbash", "caesar_cipher", "vigenere_cipher"])
def test_word_cipher_answers(task):
    g = get_generator(task)
    p = g.problem(4, 4)
    words = p.answer.split()
    for good in (p.answer, p.answer.upper(), "  ".join(words), f" {p.answer} "):
        assert g.check_answer(p, good), good
    near = p.answer[:-1] + ("a" if p.answer[-1] != "a" else "b")
    for bad in (near, "".join(words), " ".join(words[::-1]), p.answer[:-1], "", "???"):
        if bad.lower() != p.answer:
            assert not g.check_answer(p, bad), bad


def test_a1z26_answers():
    g = get_generator("a1z26_cipher")
    p = next(q for q in (g.problem(s, 3) for s in range(20)) if q.answer[0].isdigit())
    assert g.check_answer(p, p.answer.replace("-", " - "))
    assert not g.check_answer(p, p.answer.replace("-", " "))
    assert not g.check_answer(p, p.answer.replace(" ", "-"))
    assert not g.check_answer(p, p.answer + "1")
    q = next(q for q in (g.problem(s, 3) for s in range(20)) if q.answer[0].isalpha())
    assert g.check_answer(q, q.answer.upper()) and not g.check_answer(q, q.answer[1:])


def test_affine_answers():
    g = get_generator("affine_cipher")
    p = g.problem(2, 5)
    assert g.check_answer(p, p.answer.upper())
    assert p.answer != p.answer[::-1] and not g.check_answer(p, p.answer[::-1])
    assert not g.check_answer(p, p.answer[:-1]) and not g.check_answer(p, "")


def test_binary_answers():
    xor, hexa = get_generator("binary_xor"), get_generator("binary_to_hex")
    p = xor.problem(1, 3)
    assert xor.check_answer(p, " ".join(re.findall("....", p.answer)))
    flipped = p.answer[:-1] + ("0" if p.answer[-1] == "1" else "1")
    for bad in (flipped, p.answer[1:], p.answer + "0", "", "abc"):
        assert not xor.check_answer(p, bad)
    q = hexa.problem(1, 3)
    value = int(q.answer, 16)
    for good in (q.answer.lower(), f"0x{q.answer}", f"{value:X}", f"0{q.answer}"):
        assert hexa.check_answer(q, good), good
    for bad in (f"{value + 1:X}", f"{value - 1:X}", "", "0x", "zz", f"{q.answer}g", f"-{q.answer}"):
        assert not hexa.check_answer(q, bad), bad
