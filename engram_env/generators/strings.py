"""Strings: copying, reversing, counting, run-length codes and the classic string algorithms.

Instances are words over small alphabets, so that repeats, runs, partial matches and near
misses are common; steps trace what a person does by hand: one chunk, character, run, window
or DP-table row per step. Yes/no tasks draw the answer first and then build the instance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np

from engram_env.generator import Generator
from engram_env.generators._common import chance, comma_list, draw_toward
from engram_env.problem import Problem
from engram_env.verifiers import CaseInsensitiveAnswer, IntegerAnswer, SpacingFreeSteps

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_MIXED = _LOWER + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_CHUNK = 4


def _word(rng: np.random.Generator, length: int, alphabet: str) -> str:
    """A uniform random word of ``length`` letters from ``alphabet``."""
    return "".join(alphabet[i] for i in rng.integers(0, len(alphabet), size=length))


def _letters(rng: np.random.Generator, count: int) -> str:
    """``count`` distinct random lowercase letters, in alphabetical order."""
    return "".join(sorted(rng.choice(list(_LOWER), size=count, replace=False)))


def _chunks(text: str, size: int = _CHUNK) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


class _Strings(Generator):
    domain = "strings"


class Copy(_Strings):
    name = "copy"
    tier = 0
    pattern = "simulation_trace"
    summary = "Copy a string exactly, four characters per step."
    difficulty_doc = (
        "The string has 4*difficulty characters (4..40): lowercase letters up to level 5, "
        "then capitals and digits too."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        text = _word(rng, _CHUNK * difficulty, _LOWER if difficulty <= 5 else _MIXED)
        prompt = f"Copy the string exactly, one chunk of 4 characters per step. String: {text}"
        return self.make(difficulty, prompt, _chunks(text), text, text=text)


class Reverse(_Strings):
    name = "reverse"
    tier = 0
    pattern = "simulation_trace"
    prerequisites = ("copy",)
    summary = "Reverse a string, writing the reversed string four characters per step."
    difficulty_doc = (
        "The string has 4*difficulty characters (4..40): lowercase letters up to level 5, "
        "then capitals and digits too."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        text = _word(rng, _CHUNK * difficulty, _LOWER if difficulty <= 5 else _MIXED)
        backwards = text[::-1]
        prompt = (
            "Reverse the string. Read it from the end; each step writes the next 4 characters "
            f"of the reversed string. String: {text}"
        )
        return self.make(difficulty, prompt, _chunks(backwards), backwards, text=text)


class Counting(IntegerAnswer, _Strings):
    name = "counting"
    tier = 0
    pattern = "counting_and_enumeration"
    summary = "Count the occurrences of a letter, keeping a running count."
    difficulty_doc = (
        "The string has 4*difficulty letters (4..40) from an alphabet of 2 (level 1) to 5 "
        "(level 10) letters."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        alphabet = _letters(rng, 2 + difficulty // 3)
        target = alphabet[int(rng.integers(len(alphabet)))]
        length = _CHUNK * difficulty
        letters = list(_word(rng, length, alphabet.replace(target, "")))
        for i in rng.choice(length, size=int(rng.integers(length + 1)), replace=False):
            letters[i] = target  # the count is drawn first, uniformly: answers stay balanced
        text = "".join(letters)
        steps, count = [], 0
        for c in text:
            count += c == target
            steps.append(f"{c}→{count}")
        prompt = (
            f"How many times does the letter {target} occur in {text}? One step per character: "
            "the character, →, the running count of the letter so far (like a→1)."
        )
        return self.make(difficulty, prompt, steps, str(count), text=text, letter=target)


class PalindromeCheck(CaseInsensitiveAnswer, _Strings):
    name = "palindrome_check"
    tier = 1
    pattern = "comparison_and_ordering"
    prerequisites = ("reverse",)
    summary = "Decide whether a word is a palindrome by comparing letters from both ends."
    difficulty_doc = (
        "The word has 2*difficulty+2 or 2*difficulty+3 letters (4..23) from 2 to 7 letters; "
        "non-palindromes differ from a palindrome in one letter."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        palindrome = chance(rng, 0.5)
        alphabet = _letters(rng, 2 + difficulty // 2)
        half = _word(rng, difficulty + 1, alphabet)
        middle = _word(rng, int(rng.integers(0, 2)), alphabet)
        letters = list(half + middle + half[::-1])
        if not palindrome:  # a near miss: one letter of an outer pair changed
            i = int(rng.integers(len(half)))
            letters[i] = alphabet[
                (alphabet.index(letters[i]) + int(rng.integers(1, len(alphabet)))) % len(alphabet)
            ]
        word = "".join(letters)
        steps = []
        for i in range(len(word) // 2):
            j = len(word) - 1 - i
            same = word[i] == word[j]
            steps.append(f"{i + 1},{j + 1}: {word[i]}{'=' if same else '≠'}{word[j]}")
            if not same:
                break
        prompt = (
            f"Is {word} a palindrome? Compare letters from both ends inward, one pair per step "
            "(positions from 1, like 1,5: a=a), stopping at the first mismatch. Answer yes or no."
        )
        return self.make(difficulty, prompt, steps, _yes_no(word == word[::-1]), word=word)


def _draw_runs(rng: np.random.Generator, difficulty: int) -> list[tuple[str, int]]:
    """Runs (letter, length) with neighbouring letters different: difficulty+1 runs of 1..9."""
    alphabet = _letters(rng, 3 + difficulty // 3)
    runs: list[tuple[str, int]] = []
    for _ in range(difficulty + 1):
        choices = [c for c in alphabet if not runs or c != runs[-1][0]]
        runs.append(
            (
                choices[int(rng.integers(len(choices)))],
                int(rng.integers(1, min(9, 2 + difficulty) + 1)),
            )
        )
    return runs


_RLE_CONVENTION = "each run of one letter is written as its length then the letter, so aaab is 3a1b"


class RunLengthEncoding(_Strings):
    name = "run_length_encoding"
    tier = 1
    pattern = "encoding_and_decoding"
    prerequisites = ("counting",)
    summary = "Run-length encode a string, one run per step."
    difficulty_doc = "difficulty+1 runs (2..11), each of 1..min(9, difficulty+2) letters."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        runs = _draw_runs(rng, difficulty)
        text = "".join(c * n for c, n in runs)
        steps = [f"{c * n}→{n}{c}" for c, n in runs]
        prompt = (
            f"Run-length encode the string: {_RLE_CONVENTION}. One step per run, like aaa→3a. "
            f"String: {text}"
        )
        return self.make(difficulty, prompt, steps, "".join(f"{n}{c}" for c, n in runs), text=text)


class RunLengthDecoding(_Strings):
    name = "run_length_decoding"
    tier = 1
    pattern = "encoding_and_decoding"
    prerequisites = ("copy",)
    summary = "Decode a run-length code back into the string, one run per step."
    difficulty_doc = "difficulty+1 runs (2..11), each of 1..min(9, difficulty+2) letters."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        runs = _draw_runs(rng, difficulty)
        code = "".join(f"{n}{c}" for c, n in runs)
        steps = [f"{n}{c}→{c * n}" for c, n in runs]
        prompt = (
            f"Decode the run-length code ({_RLE_CONVENTION}). One step per run, like 3a→aaa. "
            f"Code: {code}"
        )
        return self.make(difficulty, prompt, steps, "".join(c * n for c, n in runs), code=code)


_CLOSER = {"(": ")", "[": "]", "{": "}"}


def _bracket_trace(text: str) -> tuple[list[str], bool]:
    """The stack of open brackets after each character (∅ when empty) and whether balanced."""
    steps, stack = [], ""
    for c in text:
        if c in _CLOSER:
            stack += c
        elif stack and _CLOSER[stack[-1]] == c:
            stack = stack[:-1]
        else:
            steps.append("error")
            return steps, False
        steps.append(stack or "∅")
    return steps, not stack


def _balanced_brackets(rng: np.random.Generator, pairs: int, kinds: str) -> str:
    out, stack, left = [], [], pairs
    while left or stack:
        if left and (not stack or chance(rng, 0.5)):
            stack.append(kinds[int(rng.integers(len(kinds)))])
            out.append(stack[-1])
            left -= 1
        else:
            out.append(_CLOSER[stack.pop()])
    return "".join(out)


class BalancedParentheses(CaseInsensitiveAnswer, _Strings):
    name = "balanced_parentheses"
    tier = 2
    pattern = "simulation_trace"
    prerequisites = ("stack_simulation",)
    summary = "Check whether a bracket string is balanced with a stack, one character per step."
    difficulty_doc = (
        "Built from difficulty+1 bracket pairs (2..11); one kind () up to level 3, then () and "
        "[], all three kinds from level 6. Unbalanced strings are one edit away from balanced."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        balanced = chance(rng, 0.5)
        kinds = "(" if difficulty <= 3 else "([" if difficulty <= 5 else "([{"
        text = _balanced_brackets(rng, difficulty + 1, kinds)
        if not balanced:
            text = _break_brackets(rng, text)
        steps, verdict = _bracket_trace(text)
        prompt = (
            f"Is {text} balanced? Scan left to right with a stack of open brackets; after each "
            "character write the stack (bottom first, ∅ when empty), or error if a closing "
            "bracket does not match. Answer yes or no."
        )
        return self.make(difficulty, prompt, steps, _yes_no(verdict), text=text)


def _break_brackets(rng: np.random.Generator, text: str) -> str:
    """A one-edit near miss of a balanced string: a bracket deleted, retyped or flipped."""
    chars = list(text)
    i = int(rng.integers(len(chars)))
    edit = int(rng.integers(3))
    if edit == 0:
        del chars[i]
    elif edit == 1 and len(set(text) - set(_CLOSER.values())) > 1:
        opener = (
            chars[i]
            if chars[i] in _CLOSER
            else next(o for o, c in _CLOSER.items() if c == chars[i])
        )
        others = [o for o in _CLOSER if o != opener and o in text]
        new = others[int(rng.integers(len(others)))]
        chars[i] = new if chars[i] in _CLOSER else _CLOSER[new]
    else:  # an opener turned into a closer or back: the counts no longer match
        chars[i] = _CLOSER[chars[i]] if chars[i] in _CLOSER else "([{"[")]}".index(chars[i])]
    return "".join(chars)


class AnagramCheck(CaseInsensitiveAnswer, _Strings):
    name = "anagram_check"
    tier = 2
    pattern = "counting_and_enumeration"
    prerequisites = ("counting", "sorting")
    summary = "Decide whether two words are anagrams by comparing letter counts."
    difficulty_doc = (
        "Words of difficulty+3 letters (4..13) from 3 (level 1) to 8 (level 10) letters; "
        "non-anagrams are a permutation with one letter changed."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        anagram = chance(rng, 0.5)
        alphabet = _letters(rng, 3 + difficulty // 2)
        first = _word(rng, difficulty + 3, alphabet)
        second = list(rng.permutation(list(first)))
        if not anagram:
            i = int(rng.integers(len(second)))
            second[i] = alphabet[
                (alphabet.index(second[i]) + int(rng.integers(1, len(alphabet)))) % len(alphabet)
            ]
        second_word = "".join(second)
        a, b = Counter(first), Counter(second_word)
        steps = [f"{c}:{a[c]}{'=' if a[c] == b[c] else '≠'}{b[c]}" for c in sorted(set(a) | set(b))]
        prompt = (
            f"Are {first} and {second_word} anagrams? One step per letter that occurs, in "
            "alphabetical order: the letter and its counts in both words (like a:2=2 or b:1≠0). "
            "Answer yes or no."
        )
        return self.make(
            difficulty, prompt, steps, _yes_no(a == b), first=first, second=second_word
        )


class StringSearch(IntegerAnswer, _Strings):
    name = "string_search"
    tier = 2
    pattern = "search_and_backtracking"
    prerequisites = ("copy", "comparison")
    summary = "Find the first occurrence of a pattern by sliding a window over the text."
    difficulty_doc = (
        "Text of 3*difficulty+6 letters (9..36), pattern of 2 + difficulty//4 letters (2..4), "
        "alphabet of 2 + difficulty//4 letters; about 30% of patterns do not occur."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        alphabet = _letters(rng, 2 + difficulty // 4)
        n, m = 3 * difficulty + 6, 2 + difficulty // 4
        pattern = _word(rng, m, alphabet)
        if chance(rng, 0.7):
            text = _word(rng, n, alphabet)
            at = int(rng.integers(n - m + 1))
            text = text[:at] + pattern + text[at + m :]
        else:
            text = _text_without(rng, n, alphabet, pattern)
        index = text.find(pattern)
        last = index if index >= 0 else n - m
        steps = [f"{i}:{text[i : i + m]}" for i in range(last + 1)]
        prompt = (
            f"Find the first position of {pattern} in {text} (positions from 0), or -1 if it "
            "does not occur. Slide a window: one step per position tried, the position and the "
            f"{m} letters there (like 4:{('xy' * m)[:m]}), stopping at the first match."
        )
        return self.make(difficulty, prompt, steps, str(index), text=text, sought=pattern)


def _text_without(rng: np.random.Generator, n: int, alphabet: str, pattern: str) -> str:
    """Random text in which ``pattern`` never occurs: the one letter completing it is avoided."""
    text = ""
    for _ in range(n):
        choices = alphabet
        if text.endswith(pattern[:-1]) and len(text) >= len(pattern) - 1:
            choices = alphabet.replace(pattern[-1], "")
        text += choices[int(rng.integers(len(choices)))]
    return text


def _dp_rows(
    a: str,
    b: str,
    first_row: list[int],
    edge: Callable[[int], int],
    cell: Callable[[bool, int, int, int], int],
) -> list[list[int]]:
    """Rows 1..len(a) of a table over prefixes of ``a`` and ``b``.

    ``edge(i)`` is column 0 of row i; ``cell(match, diagonal, up, left)`` fills the rest.
    """
    rows, previous = [], first_row
    for i, x in enumerate(a, start=1):
        row = [edge(i)]
        for j, y in enumerate(b, start=1):
            row.append(cell(x == y, previous[j - 1], previous[j], row[j - 1]))
        rows.append(row)
        previous = row
    return rows


class LcsLength(SpacingFreeSteps, IntegerAnswer, _Strings):
    name = "lcs_length"
    tier = 3
    pattern = "dynamic_programming"
    prerequisites = ("string_search", "comparison")
    summary = "Length of the longest common subsequence, filling the DP table row by row."
    difficulty_doc = (
        "Words of 3 + difficulty//2 and 3 + (difficulty+1)//2 letters (3,4 up to 8,8) over 3 "
        "(level 1) to 5 (level 10) letters; the length is steered toward a uniform "
        "1 + difficulty//6..3 + difficulty//4."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        alphabet = _letters(rng, 3 + difficulty // 4)
        sizes = (3 + difficulty // 2, 3 + (difficulty + 1) // 2)

        def draw(_: int) -> tuple[str, str, list[list[int]]]:
            a, b = (_word(rng, size, alphabet) for size in sizes)
            return (
                a,
                b,
                _dp_rows(
                    a,
                    b,
                    [0] * (len(b) + 1),
                    lambda i: 0,
                    lambda match, diag, up, left: diag + 1 if match else max(up, left),
                ),
            )

        a, b, rows = draw_toward(
            rng, range(1 + difficulty // 6, 4 + difficulty // 4), draw, lambda x: x[2][-1][-1]
        )
        steps = [f"{x}:{comma_list(row)}" for x, row in zip(a, rows)]
        prompt = (
            f"Length of the longest common subsequence of A={a} and B={b}? Fill L[i][j] (prefixes "
            "of length i and j; L=L[i-1][j-1]+1 if the letters match, else max(L[i-1][j], "
            "L[i][j-1])). One step per letter of A: the letter, then row L[i][0..len(B)] "
            "comma separated, like a:0,1,1."
        )
        return self.make(difficulty, prompt, steps, str(rows[-1][-1]), a=a, b=b)


class EditDistance(SpacingFreeSteps, IntegerAnswer, _Strings):
    name = "edit_distance"
    tier = 4
    pattern = "dynamic_programming"
    prerequisites = ("lcs_length",)
    summary = "Levenshtein distance between two words, filling the DP table row by row."
    difficulty_doc = (
        "The first word has 3 + difficulty//2 letters (3..8) over 3 to 5 letters; the second is "
        "it after k random edits, k uniform in 1..2 + (difficulty-1)//2 (up to 6), redrawn until "
        "the distance is k (a few tries)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        alphabet = _letters(rng, 3 + difficulty // 4)

        def draw(edits: int) -> tuple[str, str, list[list[int]]]:
            a = _word(rng, 3 + difficulty // 2, alphabet)
            b = _random_edits(rng, a, edits, alphabet)
            return (
                a,
                b,
                _dp_rows(
                    a,
                    b,
                    list(range(len(b) + 1)),
                    lambda i: i,
                    lambda match, diag, up, left: min(diag + (not match), up + 1, left + 1),
                ),
            )

        a, b, rows = draw_toward(
            rng, range(1, 3 + (difficulty - 1) // 2), draw, lambda x: x[2][-1][-1]
        )
        steps = [f"{x}:{comma_list(row)}" for x, row in zip(a, rows)]
        prompt = (
            f"Edit distance from A={a} to B={b} (insert, delete or replace one letter, each "
            "costs 1)? Fill D[i][j] for prefixes (D[0][j]=j, D[i][0]=i). One step per letter of "
            "A: the letter, then row D[i][0..len(B)] comma separated, like a:1,0,1."
        )
        return self.make(difficulty, prompt, steps, str(rows[-1][-1]), a=a, b=b)


def _random_edits(rng: np.random.Generator, word: str, count: int, alphabet: str) -> str:
    """``word`` after ``count`` random insertions, deletions or replacements (never empty)."""
    letters = list(word)
    for _ in range(count):
        i = int(rng.integers(len(letters)))
        kind = int(rng.integers(3))
        if kind == 0 and len(letters) > 1:
            del letters[i]
        elif kind == 1:
            letters.insert(i, alphabet[int(rng.integers(len(alphabet)))])
        else:
            letters[i] = alphabet[int(rng.integers(len(alphabet)))]
    return "".join(letters)


class HuffmanCoding(IntegerAnswer, _Strings):
    name = "huffman_coding"
    tier = 4
    pattern = "encoding_and_decoding"
    prerequisites = ("counting", "sorting")
    summary = "Length in bits of a text under its Huffman code, merging the two lightest weights."
    difficulty_doc = (
        "Text of 4*difficulty+6 letters (10..46) over 2 + difficulty//2 distinct letters (2..7) "
        "with skewed frequencies."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        alphabet = _letters(rng, 2 + difficulty // 2)
        weights = rng.dirichlet(np.ones(len(alphabet)))
        body = rng.choice(list(alphabet), size=4 * difficulty + 6 - len(alphabet), p=weights)
        text = "".join(rng.permutation(list(alphabet) + list(body)))  # every letter occurs
        counts = Counter(text)
        steps = [" ".join(f"{c}{counts[c]}" for c in sorted(counts))]
        heap = sorted(counts.values())
        total = 0
        while len(heap) > 1:
            x, y = heap.pop(0), heap.pop(0)
            steps.append(f"{x}+{y}={x + y}")
            total += x + y
            heap = sorted([*heap, x + y])
        prompt = (
            f"How many bits does the text {text} take under a Huffman code built from its letter "
            "counts? Steps: the counts in alphabetical order (like a5 b2), then each merge of "
            "the two smallest weights (like 1+2=3). The bits are the sum of all merged weights."
        )
        return self.make(difficulty, prompt, steps, str(total), text=text)


class WordBreak(CaseInsensitiveAnswer, _Strings):
    name = "word_break"
    tier = 4
    pattern = "dynamic_programming"
    prerequisites = ("string_search",)
    summary = "Decide whether a string splits into dictionary words, marking reachable positions."
    difficulty_doc = (
        "A dictionary of 3 + difficulty//3 words (2..4 letters) over 3 letters; the string "
        "joins difficulty//2+2 words (4..28 letters), or is one edit from such a join."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        splits = chance(rng, 0.5)
        alphabet = _letters(rng, 3)
        words: list[str] = []
        while len(words) < 3 + difficulty // 3:
            word = _word(rng, int(rng.integers(2, 5)), alphabet)
            if word not in words:
                words.append(word)
        text = "".join(words[int(rng.integers(len(words)))] for _ in range(difficulty // 2 + 2))
        if not splits:
            text = _unsplittable(rng, text, words, alphabet)
        steps, reachable = _word_break_trace(text, words)
        prompt = (
            f"Can {text} be split into words from the list {comma_list(words)} (words may "
            "repeat)? For each position i=1..n (after i letters) write i: and the first listed "
            "word that ends there and starts at a reachable position (0 is reachable), or - if "
            "none, like 3:abc. Answer yes or no."
        )
        return self.make(difficulty, prompt, steps, _yes_no(reachable), text=text, words=words)


def _word_break_trace(text: str, words: list[str]) -> tuple[list[str], bool]:
    reachable = [True] + [False] * len(text)
    steps = []
    for i in range(1, len(text) + 1):
        word = next((w for w in words if text[:i].endswith(w) and reachable[i - len(w)]), None)
        reachable[i] = word is not None
        steps.append(f"{i}:{word or '-'}")
    return steps, reachable[-1]


def _unsplittable(rng: np.random.Generator, text: str, words: list[str], alphabet: str) -> str:
    """A one-letter edit of ``text`` that no longer splits into ``words`` (bounded retries)."""
    for _ in range(30):
        letters = list(text)
        i = int(rng.integers(len(letters)))
        letters[i] = alphabet[(alphabet.index(letters[i]) + int(rng.integers(1, 3))) % 3]
        candidate = "".join(letters)
        if not _word_break_trace(candidate, words)[1]:
            return candidate
    absent = next(c for c in _LOWER if c not in alphabet)  # a letter no word has: never splits
    return text[:-1] + absent
