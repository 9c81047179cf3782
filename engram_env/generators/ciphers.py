"""Ciphers: classical letter substitutions and bit-level encodings, worked a chunk per step.

Messages are lowercase English words, so a learner can see a decryption land on real text.
Letter ciphers are written one word per step (``word → code``; Vigenere shows the key letters
it used), the affine cipher one letter per step with its arithmetic, and bit strings one 4-bit
group per step. Every prompt names the direction and the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import cycle

import numpy as np

from engram_env.answers import normalize
from engram_env.generator import Generator
from engram_env.generators._common import chance
from engram_env.problem import Problem
from engram_env.verifiers import CaseInsensitiveAnswer, squash

_WORDS: tuple[str, ...] = (
    "the", "cat", "dog", "sun", "moon", "star", "tree", "river", "stone", "bread", "milk", "honey",
    "apple", "lemon", "grape", "cloud", "rain", "snow", "wind", "fire", "water", "earth", "light",
    "night", "day", "week", "year", "time", "home", "house", "door", "window", "garden", "field",
    "forest", "bird", "fish", "horse", "mouse", "tiger", "zebra", "eagle", "whale", "shark",
    "green", "blue", "black", "white", "yellow", "purple", "orange", "red", "gold", "silver",
    "iron", "paper", "book", "letter", "word", "story", "music", "song", "dance", "smile", "happy",
    "quiet", "brave", "quick", "slow", "early", "late", "north", "south", "east", "west", "king",
    "queen", "castle", "bridge", "tower", "road", "train", "ship", "plane", "boat", "market",
    "city", "village", "ocean", "island", "desert", "valley", "mountain", "hill", "lake", "spring",
    "summer", "autumn", "winter", "morning", "evening", "secret", "hidden", "code", "message",
    "attack", "defend", "retreat", "signal", "friend", "enemy", "agent", "puzzle", "answer",
    "number", "table", "chair", "pencil", "candle", "mirror", "clock",
)
_A = ord("a")


def _message(rng: np.random.Generator, words: int) -> list[str]:
    return [str(w) for w in rng.choice(_WORDS, size=words)]


def _shift(letter: str, k: int) -> str:
    return chr((ord(letter) - _A + k) % 26 + _A)


def _word_by_word(words: Sequence[str], code: Callable[[str], str]) -> tuple[list[str], str]:
    """Steps ``word → code`` and the whole coded text."""
    coded = [code(w) for w in words]
    return [f"{w} → {c}" for w, c in zip(words, coded)], " ".join(coded)


class _Cipher(Generator):
    domain = "ciphers"
    pattern = "encoding_and_decoding"


class _LetterCipher(CaseInsensitiveAnswer, _Cipher):
    """A fixed letter-to-letter map applied to a message of `difficulty` words."""

    intro: str

    def code(self, letter: str) -> str:
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        words = _message(rng, difficulty)
        steps, answer = _word_by_word(words, lambda w: "".join(map(self.code, w)))
        prompt = f"{self.intro} Work word by word ('word → code'). Text: {' '.join(words)}"
        return self.make(difficulty, prompt, steps, answer, text=" ".join(words))


class Rot13(_LetterCipher):
    name = "rot13"
    tier = 0
    prerequisites = ("copy",)
    summary = "Encode a message with ROT13, one word per step."
    difficulty_doc = "The message has `difficulty` words (1..10)."
    intro = "Apply ROT13: replace each letter by the one 13 places later, wrapping z to a."

    def code(self, letter: str) -> str:
        return _shift(letter, 13)


class Atbash(_LetterCipher):
    name = "atbash"
    tier = 0
    prerequisites = ("reverse",)
    summary = "Encode a message with the Atbash mirror alphabet, one word per step."
    difficulty_doc = "The message has `difficulty` words (1..10)."
    intro = "Apply the Atbash cipher: a↔z, b↔y, c↔x and so on (the alphabet reversed)."

    def code(self, letter: str) -> str:
        return chr(_A + 25 - (ord(letter) - _A))


_NUMBER_SPACING = re.compile(r"\s*-\s*")


def _a1z26_form(text: str) -> str:
    """Lowercase, single-spaced, no blanks around the dashes between numbers."""
    return _NUMBER_SPACING.sub("-", normalize(text)).lower()


class A1z26Cipher(_Cipher):
    name = "a1z26_cipher"
    tier = 0
    prerequisites = ("counting",)
    summary = "Letters to their alphabet positions (a=1 .. z=26) or back, one word per step."
    difficulty_doc = "The message has `difficulty` words (1..10); encode or decode with p=1/2."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        words = _message(rng, difficulty)
        numbers = ["-".join(str(ord(c) - _A + 1) for c in w) for w in words]
        if chance(rng, 0.5):
            source, result, task = words, numbers, "Encode each letter as its number (a=1 .. z=26)"
            fmt = "numbers joined by '-', words separated by spaces"
        else:
            source, result, task = numbers, words, "Decode the numbers to letters (1=a .. 26=z)"
            fmt = "lowercase words separated by spaces"
        steps = [f"{s} → {r}" for s, r in zip(source, result)]
        prompt = f"{task}, word by word ('input → output'); answer {fmt}. Text: {' '.join(source)}"
        return self.make(difficulty, prompt, steps, " ".join(result))

    def check_answer(self, problem: Problem, text: str) -> bool:
        return _a1z26_form(text) == _a1z26_form(problem.answer)


class CaesarCipher(CaseInsensitiveAnswer, _Cipher):
    name = "caesar_cipher"
    tier = 1
    prerequisites = ("rot13", "addition")
    summary = "Encrypt or decrypt a Caesar cipher with a stated shift, one word per step."
    difficulty_doc = "The message has `difficulty` words (1..10); shift 1..25, either direction."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        plain = _message(rng, difficulty)
        k = int(rng.integers(1, 26))
        if chance(rng, 0.5):
            source, move = plain, k
            verb = "Encrypt: move each letter {k} places forward (z wraps to a)"
        else:
            source = ["".join(_shift(c, k) for c in w) for w in plain]
            move, verb = -k, "Decrypt: move each letter {k} places back (a wraps to z)"
        steps, answer = _word_by_word(source, lambda w: "".join(_shift(c, move) for c in w))
        prompt = (f"Caesar cipher with shift {k}. {verb.format(k=k)}. Work word by word "
                  f"('word → result'). Text: {' '.join(source)}")
        return self.make(difficulty, prompt, steps, answer, shift=move)


class VigenereCipher(CaseInsensitiveAnswer, _Cipher):
    name = "vigenere_cipher"
    tier = 2
    prerequisites = ("caesar_cipher",)
    summary = "Encrypt or decrypt with a Vigenere key, one word per step with the key letters used."
    difficulty_doc = (
        "The message has `difficulty` words (1..10); the key has 3 + difficulty//3 letters."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        key = "".join(chr(_A + int(x)) for x in rng.integers(0, 26, size=3 + difficulty // 3))
        plain = _message(rng, difficulty)
        encrypt = chance(rng, 0.5)
        sign = 1 if encrypt else -1
        # The key runs on over letters only (spaces do not use a key letter).
        stream = cycle(key)
        keys = ["".join(next(stream) for _ in w) for w in plain]
        cipher = ["".join(_shift(c, ord(k) - _A) for c, k in zip(w, kw))
                  for w, kw in zip(plain, keys)]
        source, result = (plain, cipher) if encrypt else (cipher, plain)
        op = "+" if encrypt else "-"
        steps = [f"{s} {op}{kw} → {r}" for s, kw, r in zip(source, keys, result)]
        prompt = (
            f"Vigenere cipher with key '{key}' (a=0 .. z=25). "
            f"{'Encrypt: add' if encrypt else 'Decrypt: subtract'} the key letters, repeated over "
            "the letters only (spaces use no key letter), mod 26. Work word by word "
            f"('word {op}keyletters → result'). Text: {' '.join(source)}"
        )
        return self.make(difficulty, prompt, steps, " ".join(result), key=key, sign=sign)


_AFFINE_MULTIPLIERS = (3, 5, 7, 9, 11, 15, 17, 19, 21, 23, 25)


class AffineCipher(CaseInsensitiveAnswer, _Cipher):
    name = "affine_cipher"
    tier = 3
    pattern = "modular_arithmetic"
    prerequisites = ("caesar_cipher", "modular_arithmetic")
    summary = "Affine cipher E(x)=(a*x+b)%26 or its inverse, one letter per step with arithmetic."
    difficulty_doc = (
        "The word has difficulty+2 random letters (3..12); encrypt or decrypt with p=1/2 "
        "(decryption first finds the inverse of a mod 26)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        a = int(rng.choice(_AFFINE_MULTIPLIERS))
        b = int(rng.integers(0, 26))
        word = "".join(chr(_A + int(x)) for x in rng.integers(0, 26, size=difficulty + 2))
        if chance(rng, 0.5):
            steps, result = [], []
            for c in word:
                x = ord(c) - _A
                y = (a * x + b) % 26
                result.append(chr(_A + y))
                steps.append(f"{c}={x}: ({a}*{x}+{b})%26={y}={result[-1]}")
            task, source = "Encrypt letter by letter ('p=x: (a*x+b)%26=y=c')", word
        else:
            inverse = pow(a, -1, 26)
            source = "".join(chr(_A + (a * (ord(c) - _A) + b) % 26) for c in word)
            steps, result = [f"inverse of {a} mod 26 = {inverse}"], []
            for c in source:
                y = ord(c) - _A
                x = inverse * (y - b) % 26
                result.append(chr(_A + x))
                steps.append(f"{c}={y}: {inverse}*({y}-{b})%26={x}={result[-1]}")
            task = ("Decrypt: write 'inverse of a mod 26 = i', then letter by letter "
                    "('c=y: i*(y-b)%26=x=p')")
        prompt = (
            f"Affine cipher E(x)=({a}*x+{b})%26 with a=0 .. z=25, % giving a remainder in 0..25. "
            f"{task}. Text: {source}"
        )
        return self.make(difficulty, prompt, steps, "".join(result), a=a, b=b)


def _random_bits(rng: np.random.Generator, count: int) -> str:
    return "".join(str(int(x)) for x in rng.integers(0, 2, size=count))


def _nibbles(bits: str) -> list[str]:
    return [bits[i:i + 4] for i in range(0, len(bits), 4)]


class BinaryXor(_Cipher):
    name = "binary_xor"
    tier = 1
    prerequisites = ("boolean_eval",)
    summary = "One-time pad: XOR a bit string with a key, one 4-bit group per step."
    difficulty_doc = "Both strings have 4*difficulty bits (4..40)."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        message, key = _random_bits(rng, 4 * difficulty), _random_bits(rng, 4 * difficulty)
        result = "".join("1" if m != k else "0" for m, k in zip(message, key))
        steps = [f"{m} xor {k} = {r}" for m, k, r in zip(*map(_nibbles, (message, key, result)))]
        prompt = (
            "One-time pad: XOR the message bits with the key bits (1 where they differ), 4 bits "
            f"per step ('m xor k = r'); answer all {4 * difficulty} bits. Message {message}, "
            f"key {key}."
        )
        return self.make(difficulty, prompt, steps, result)

    def check_answer(self, problem: Problem, text: str) -> bool:
        return squash(text) == problem.answer


_HEX = re.compile(r"(0x)?([0-9a-f]{1,64})")


class BinaryToHex(_Cipher):
    name = "binary_to_hex"
    tier = 1
    prerequisites = ("base_conversion",)
    summary = "Convert a bit string to hexadecimal, one 4-bit group per step."
    difficulty_doc = "The bit string has 4*difficulty bits (4..40), i.e. `difficulty` hex digits."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        bits = _random_bits(rng, 4 * difficulty)
        digits = [f"{int(g, 2):X}" for g in _nibbles(bits)]
        steps = [f"{g}={h}" for g, h in zip(_nibbles(bits), digits)]
        prompt = (
            "Convert the binary number to hexadecimal (digits 0-9, A-F), one 4-bit group per step "
            f"from the left ('bbbb=H'). Binary: {bits}"
        )
        return self.make(difficulty, prompt, steps, "".join(digits))

    def check_answer(self, problem: Problem, text: str) -> bool:
        m = _HEX.fullmatch(squash(text).lower())
        return m is not None and int(m.group(2), 16) == int(problem.answer, 16)
