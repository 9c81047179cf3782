"""The generator base class: what a task declares, how it samples, how it verifies.

A subclass declares its filing as class attributes and implements ``sample``; defining the class
registers one instance under its ``name`` (see ``engram_env.registry``). The environments never
call ``sample`` directly: they call ``problem(seed, difficulty)``, the pure function of the
episode seed, which is what makes an episode reproducible in any process.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np

from engram_env.answers import normalize
from engram_env.problem import MAX_PROMPT_TOKENS, MAX_TARGET_TOKENS, SEED_LIMIT, Problem
from engram_env.taxonomy import DOMAINS, MAX_DIFFICULTY, MAX_TIER, MIN_DIFFICULTY, REASONING_PATTERNS

_REGISTRY: dict[str, Generator] = {}
_FILING_KEYS = frozenset({"tier", "domain", "pattern"})
_SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


class GeneratorError(RuntimeError):
    """A generator broke its own contract (a problem over the length caps, a bad declaration)."""


def check_difficulty(difficulty: Any) -> int:
    """``difficulty`` as an int in 1..10, or a ``ValueError`` saying what is allowed."""
    if isinstance(difficulty, (bool, np.bool_)) or not isinstance(difficulty, (int, np.integer)):
        raise ValueError(
            f"difficulty must be an integer in {MIN_DIFFICULTY}..{MAX_DIFFICULTY}, "
            f"got {difficulty!r} of type {type(difficulty).__name__}"
        )
    if not MIN_DIFFICULTY <= difficulty <= MAX_DIFFICULTY:
        raise ValueError(
            f"difficulty must be in {MIN_DIFFICULTY}..{MAX_DIFFICULTY}, got {difficulty}"
        )
    return int(difficulty)


class Generator:
    """Base class of every task.

    Class attributes a subclass sets:
        name: snake_case task name, the ``<task>`` of ``Engram-<task>-v0``.
        domain: one of ``taxonomy.DOMAINS``.
        tier: 0..10, its level in the skill tree.
        pattern: one of ``taxonomy.REASONING_PATTERNS``.
        prerequisites: task names that should be mastered first (lower or equal tiers).
        difficulty_doc: what difficulty 1 and 10 mean, and how levels between scale.
        summary: one line describing the task.
    """

    name: ClassVar[str] = ""
    domain: ClassVar[str]
    tier: ClassVar[int]
    pattern: ClassVar[str]
    prerequisites: ClassVar[tuple[str, ...]] = ()
    difficulty_doc: ClassVar[str]
    summary: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("name"):
            return  # an intermediate base class shared by several tasks
        _check_declaration(cls)
        if cls.name in _REGISTRY:
            raise GeneratorError(f"task name {cls.name!r} is declared twice")
        _REGISTRY[cls.name] = cls()

    # -- sampling -----------------------------------------------------------------------------

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        """Draw one problem, taking every random choice from ``rng``."""
        raise NotImplementedError

    def problem(self, seed: int, difficulty: int) -> Problem:
        """The problem of episode ``seed``: a pure function of (task, difficulty, seed)."""
        difficulty = check_difficulty(difficulty)
        if not 0 <= seed < SEED_LIMIT:
            raise ValueError(f"seed must be in [0, 2**63), got {seed}")
        problem = replace(self.sample(np.random.default_rng(seed), difficulty), seed=int(seed))
        self._check_caps(problem)
        return problem

    def problems(self, seeds: Sequence[int], difficulty: int) -> list[Problem]:
        """Problems for many seeds; generators with a vectorised sampler override this."""
        return [self.problem(int(s), difficulty) for s in seeds]

    def make(
        self, difficulty: int, prompt: str, steps: Sequence[str], answer: str, **data: Any
    ) -> Problem:
        """Build a ``Problem`` filed under this generator; ``data`` goes to the verifier."""
        if clash := _FILING_KEYS & data.keys():
            raise GeneratorError(f"{self.name}: verifier data may not use the reserved keys "
                                 f"{sorted(clash)} (they hold the generator's filing)")
        meta = {"tier": self.tier, "domain": self.domain, "pattern": self.pattern, **data}
        return Problem(self.name, difficulty, prompt, tuple(steps), answer, meta)

    def _check_caps(self, problem: Problem) -> None:
        if len(problem.prompt) > MAX_PROMPT_TOKENS or len(problem.target_ids) > MAX_TARGET_TOKENS:
            raise GeneratorError(
                f"{self.name} (difficulty {problem.difficulty}, seed {problem.seed}) made a problem "
                f"over the caps: prompt {len(problem.prompt)} characters (at most "
                f"{MAX_PROMPT_TOKENS}), target {len(problem.target_ids)} tokens (at most "
                f"{MAX_TARGET_TOKENS})"
            )

    # -- verification -------------------------------------------------------------------------

    def check_step(self, problem: Problem, index: int, text: str) -> bool:
        """Whether ``text`` is a correct ``index``-th step; default: normalized exact match."""
        return normalize(text) == normalize(problem.steps[index])

    def check_answer(self, problem: Problem, text: str) -> bool:
        """Whether ``text`` is a correct final answer; override to accept equivalent forms."""
        return normalize(text) == normalize(problem.answer)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} tier={self.tier} {self.domain}/{self.pattern}>"


def _check_declaration(cls: type[Generator]) -> None:
    where = f"generator {cls.__name__} ({cls.name!r})"
    missing = [a for a in ("domain", "tier", "pattern", "difficulty_doc", "summary")
               if not hasattr(cls, a)]
    if missing:
        raise GeneratorError(f"{where} does not declare {', '.join(missing)}")
    if not _SNAKE_CASE.fullmatch(cls.name):
        raise GeneratorError(f"{where}: task names are snake_case")
    if cls.domain not in DOMAINS:
        raise GeneratorError(f"{where}: unknown domain {cls.domain!r}; known: {DOMAINS}")
    if cls.pattern not in REASONING_PATTERNS:
        raise GeneratorError(f"{where}: unknown pattern {cls.pattern!r}; known: {REASONING_PATTERNS}")
    if not (isinstance(cls.tier, int) and 0 <= cls.tier <= MAX_TIER):
        raise GeneratorError(f"{where}: tier must be an int in 0..{MAX_TIER}, got {cls.tier!r}")
    if not isinstance(cls.prerequisites, tuple):
        raise GeneratorError(f"{where}: prerequisites must be a tuple of task names")
