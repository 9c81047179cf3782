"""The fixed 135-token vocabulary shared by every environment and agent.

Ids 0, 1, 2 are the special tokens ``<pad>``, ``<eos>`` and ``<step>``; ids 3..134 are single
characters in the order below. The order is part of the contract (checkpoints depend on it), so
it never changes. In text, the step token is written ``" <step> "`` (with its surrounding spaces),
which lets a solution be read and typed as one string.

Encoding goes through a lookup table indexed by code point, so turning a 500-character target
into ids costs one numpy gather instead of 500 dictionary lookups.
"""

from __future__ import annotations

import numpy as np

PAD, EOS, STEP = 0, 1, 2
SPECIAL_TOKENS: tuple[str, ...] = ("<pad>", "<eos>", "<step>")
STEP_SEPARATOR = " <step> "

CHARACTERS: str = (
    "0123456789"
    "abcdefghijklmnopqrstuvwxyz"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "αβγδεθλμπσφω"
    "+-*/^"
    "≤≥≠≈"
    "()[]{}"
    "∂∫√∞"
    "∈⊂∅∩∪"
    "∀∃¬∧∨⊢⊨↔⊥"
    "=:;?.,!'\""
    "\\_|~<>%"
    "#@$&°×—→"
    " "
)
TOKENS: tuple[str, ...] = SPECIAL_TOKENS + tuple(CHARACTERS)
VOCAB_SIZE = len(TOKENS)
assert VOCAB_SIZE == 135 and len(set(CHARACTERS)) == len(CHARACTERS)

TOKEN_DTYPE = np.uint8  # every id fits in a byte; observations use this dtype

_OFFSET = len(SPECIAL_TOKENS)
CHAR_TO_ID: dict[str, int] = {c: i + _OFFSET for i, c in enumerate(CHARACTERS)}
_TABLE = np.full(max(map(ord, CHARACTERS)) + 1, -1, dtype=np.int16)
for _c, _i in CHAR_TO_ID.items():
    _TABLE[ord(_c)] = _i
_ID_TO_TEXT = np.array(["", "", STEP_SEPARATOR] + list(CHARACTERS), dtype=object)
_ID_TO_TEXT[EOS] = ""


class VocabularyError(ValueError):
    """Raised for text that holds a character outside the vocabulary."""


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def invalid_characters(text: str) -> list[tuple[int, str]]:
    """Positions and characters of ``text`` that are not in the vocabulary."""
    codes = _codes(text)
    ids = np.where(codes < len(_TABLE), _TABLE[np.minimum(codes, len(_TABLE) - 1)], -1)
    return [(int(i), text[i]) for i in np.flatnonzero(ids < 0)]


def _encode_plain(text: str, position: int) -> np.ndarray:
    codes = _codes(text)
    ids = _TABLE[np.minimum(codes, len(_TABLE) - 1)]
    ids[codes >= len(_TABLE)] = -1
    if (ids < 0).any():
        i = int(np.flatnonzero(ids < 0)[0])
        raise VocabularyError(
            f"character {text[i]!r} (U+{ord(text[i]):04X}) at position {position + i} is not in "
            f"the vocabulary; allowed are the {len(CHARACTERS)} characters of "
            "engram_env.vocab.CHARACTERS (digits, letters, a few Greek letters and symbols)"
        )
    return ids.astype(TOKEN_DTYPE)


def encode(text: str, *, eos: bool = False) -> np.ndarray:
    """Token ids of ``text``; each ``" <step> "`` becomes the step token.

    >>> encode("1+1 <step> 2", eos=True).tolist()
    [4, 77, 4, 2, 5, 1]
    """
    parts = text.split(STEP_SEPARATOR)
    pieces: list[np.ndarray] = []
    position = 0
    for k, part in enumerate(parts):
        if k:
            pieces.append(np.array([STEP], dtype=TOKEN_DTYPE))
            position += len(STEP_SEPARATOR)
        pieces.append(_encode_plain(part, position))
        position += len(part)
    if eos:
        pieces.append(np.array([EOS], dtype=TOKEN_DTYPE))
    return np.concatenate(pieces) if len(pieces) > 1 else pieces[0]


def decode(ids) -> str:
    """Text of token ids: ``<pad>`` and ``<eos>`` vanish, ``<step>`` becomes ``" <step> "``.

    >>> decode(encode("x = 3 <step> 3"))
    'x = 3 <step> 3'
    """
    ids = np.asarray(ids, dtype=np.int64).ravel()
    if ids.size and (ids.min() < 0 or ids.max() >= VOCAB_SIZE):
        bad = int(ids[(ids < 0) | (ids >= VOCAB_SIZE)][0])
        raise VocabularyError(f"token id {bad} is out of range; ids are 0..{VOCAB_SIZE - 1}")
    return "".join(_ID_TO_TEXT[ids])


def token_name(token_id: int) -> str:
    """Printable name of one id: the character, or ``<pad>``/``<eos>``/``<step>``."""
    if not 0 <= token_id < VOCAB_SIZE:
        raise VocabularyError(f"token id {token_id} is out of range; ids are 0..{VOCAB_SIZE - 1}")
    return TOKENS[token_id]
