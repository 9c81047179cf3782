"""Docstring examples are run, so documentation cannot drift from the code."""

import doctest
import importlib

import pytest

MODULES = ["engram_env.vocab", "engram_env.answers", "engram_env.env"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
