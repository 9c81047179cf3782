"""The rules of a good generator (DESIGN.md), checked over every registered generator."""

from __future__ import annotations

import collections
import hashlib
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from engram_env.registry import get_generator, load_generators
from engram_env.taxonomy import DOMAINS, REASONING_PATTERNS
from engram_env.vocab import STEP_SEPARATOR

TASKS = list(load_generators())
SAMPLES = 100


@cache
def samples(task: str, difficulty: int) -> list:
    generator = get_generator(task)
    return [generator.problem(seed, difficulty) for seed in range(SAMPLES)]


@pytest.mark.parametrize("task", TASKS)
def test_declaration(task):
    g = get_generator(task)
    assert g.domain in DOMAINS and g.pattern in REASONING_PATTERNS
    assert 0 <= g.tier <= 10
    assert g.summary.strip() and g.difficulty_doc.strip()
    for prerequisite in g.prerequisites:
        assert prerequisite in TASKS, f"{task} requires unknown task {prerequisite!r}"
        assert get_generator(prerequisite).tier <= g.tier, f"{task} requires a higher tier"
    if g.tier > 0:
        assert g.prerequisites, f"{task} (tier {g.tier}) has no prerequisite"


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("difficulty", [1, 5, 10])
def test_problems_are_well_formed_and_self_consistent(task, difficulty):
    g = get_generator(task)
    for p in samples(task, difficulty):
        assert p.task == task and p.difficulty == difficulty
        assert len(p.prompt_ids) <= 512 and len(p.target_ids) <= 512  # encoding checks the vocabulary
        assert p.prompt.strip() == p.prompt and "<step>" not in p.prompt
        assert p.answer.strip() and "<step>" not in p.answer
        for i, step in enumerate(p.steps):
            assert step and step.strip() == step and "<step>" not in step, (task, step)
            assert g.check_step(p, i, step), f"{task}: own step {i} rejected: {step!r}"
        assert g.check_answer(p, p.answer), f"{task}: own answer rejected: {p.answer!r}"
        assert p.target.count(STEP_SEPARATOR) == len(p.steps)


@pytest.mark.parametrize("task", TASKS)
def test_same_seed_same_problem(task):
    g = get_generator(task)
    for seed in (0, 1, 2**40 + 3):
        assert g.problem(seed, 5) == g.problem(seed, 5)


@pytest.mark.parametrize("task", TASKS)
def test_prompt_is_complete(task):
    """Two problems with the same prompt always have the same answer."""
    answers: dict[str, set[str]] = collections.defaultdict(set)
    for difficulty in (1, 5, 10):
        for p in samples(task, difficulty):
            answers[p.prompt].add(p.answer)
    ambiguous = {prompt: a for prompt, a in answers.items() if len(a) > 1}
    assert not ambiguous, f"{task}: same prompt, different answers: {list(ambiguous.items())[:2]}"


@pytest.mark.parametrize("task", TASKS)
def test_difficulty_is_honest(task):
    size = lambda d: sum(len(p.prompt) + len(p.target) for p in samples(task, d)) / SAMPLES  # noqa: E731
    assert size(10) > size(1), f"{task}: level 10 is not bigger than level 1"
    assert {p.prompt for p in samples(task, 1)}.isdisjoint(p.prompt for p in samples(task, 10))


@pytest.mark.parametrize("task", TASKS)
def test_problems_vary(task):
    assert len({p.prompt for p in samples(task, 5)}) >= 0.8 * SAMPLES
    assert len({p.prompt for p in samples(task, 10)}) >= 0.95 * SAMPLES


@pytest.mark.parametrize("task", TASKS)
def test_few_valued_answers_are_balanced(task):
    """A task whose answers take at most 5 values does not favour one of them."""
    for difficulty in (1, 5, 10):
        counts = collections.Counter(p.answer.lower() for p in samples(task, difficulty))
        if len(counts) <= 5:
            share = counts.most_common(1)[0][1] / SAMPLES
            # 100 samples: allow sampling noise on top of the 0.15 design margin.
            assert share <= 1 / len(counts) + 0.2, f"{task} d={difficulty}: {dict(counts)}"


def _fingerprints() -> dict[str, str]:
    out = {}
    for name, g in load_generators().items():
        text = "|".join(str(g.problem(s, d)) for s in (5, 99) for d in (1, 10))
        out[name] = hashlib.sha256(text.encode()).hexdigest()
    return out


def test_same_seed_same_problem_in_a_fresh_process():
    code = (
        "import json, sys; sys.path.insert(0, 'tests'); "
        "from test_generator_contract import _fingerprints; json.dump(_fingerprints(), sys.stdout)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env=env, cwd=Path(__file__).parent.parent)
    assert json.loads(result.stdout) == _fingerprints()
