"""Docstring examples are run, so documentation cannot drift from the code."""

import doctest
import importlib

import pytest

MODULES = [
    "agents.attention",
    "engram_env.vocab",
    "engram_env.answers",
    "engram_env.env",
    "engram_env.multiagent.duel_v0",
    "engram_env.multiagent.critic_v0",
    "engram_env.multiagent.proposer_solver_v0",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
