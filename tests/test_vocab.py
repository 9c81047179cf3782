"""The vocabulary is exactly DESIGN.md's, and text <-> ids round-trips."""

import numpy as np
import pytest

from engram_env import vocab
from engram_env.vocab import EOS, PAD, STEP, VocabularyError, decode, encode

DESIGN_ORDER = (
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "αβγδεθλμπσφω+-*/^≤≥≠≈()[]{}∂∫√∞∈⊂∅∩∪∀∃¬∧∨⊢⊨↔⊥=:;?.,!'\"\\_|~<>%#@$&°×—→ "
)


def test_vocabulary_is_the_designed_one():
    assert vocab.VOCAB_SIZE == 135 and (PAD, EOS, STEP) == (0, 1, 2)
    assert vocab.TOKENS[:3] == ("<pad>", "<eos>", "<step>")
    assert "".join(vocab.TOKENS[3:]) == DESIGN_ORDER
    assert encode("0").tolist() == [3] and encode(" ").tolist() == [134]
    assert encode("→").tolist() == [133] and encode("α").tolist() == [65]


def test_every_character_round_trips_and_fits_uint8():
    ids = encode(DESIGN_ORDER)
    assert ids.dtype == np.uint8 and ids.tolist() == list(range(3, 135))
    assert decode(ids) == DESIGN_ORDER


def test_step_separator_is_one_token():
    ids = encode("1+2=3 <step> 3", eos=True)
    assert ids.tolist().count(STEP) == 1 and ids[-1] == EOS
    assert decode(ids) == "1+2=3 <step> 3"
    assert decode([PAD, *encode("ab"), PAD, EOS]) == "ab"


@pytest.mark.parametrize(("text", "position", "char"), [("12÷3", 2, "÷"), ("x² <step> y", 1, "²"),
                                                        ("ok <step> é", 10, "é")])
def test_unknown_characters_are_named_with_their_position(text, position, char):
    with pytest.raises(VocabularyError, match=rf"{char!r}.*position {position}"):
        encode(text)
    assert (position, char) in vocab.invalid_characters(text) or char == "é"


def test_decode_rejects_out_of_range_ids():
    with pytest.raises(VocabularyError, match="135"):
        decode([3, 135])
    with pytest.raises(VocabularyError, match="0..134"):
        vocab.token_name(-1)
