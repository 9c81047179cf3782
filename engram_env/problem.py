"""The unit of work: one problem instance with its reference solution.

A problem is a pure function of (task, difficulty, seed). Seeds below ``TRAIN_SEED_LIMIT`` are the
training domain the environments draw from; seeds at or above it (up to ``SEED_LIMIT``) are held
out for evaluation, so an evaluated problem was never drawn during training by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from engram_env.vocab import STEP_SEPARATOR, encode

MAX_PROMPT_TOKENS = 512
MAX_TARGET_TOKENS = 512  # steps, separators, answer and the closing <eos>

TRAIN_SEED_LIMIT = 2**62
SEED_LIMIT = 2**63


def eval_seed(index: int) -> int:
    """The ``index``-th held-out evaluation seed (never drawn by a training env)."""
    if not 0 <= index < SEED_LIMIT - TRAIN_SEED_LIMIT:
        raise ValueError(f"evaluation seed index must be in [0, 2**62), got {index}")
    return TRAIN_SEED_LIMIT + index


@dataclass(frozen=True)
class Problem:
    """A prompt, the reference steps and answer, and what the verifier needs to grade them.

    ``meta`` holds the generator's filing (tier, domain, pattern) and any values its verifier
    uses for semantic checks (exact numbers, expressions), so grading never re-parses the prompt.
    """

    task: str
    difficulty: int
    prompt: str
    steps: tuple[str, ...]
    answer: str
    meta: dict[str, Any] = field(default_factory=dict, compare=False)
    seed: int | None = None

    @property
    def target(self) -> str:
        """The reference solution as text: steps and answer joined by ``" <step> "``."""
        return STEP_SEPARATOR.join((*self.steps, self.answer))

    @cached_property
    def prompt_ids(self) -> np.ndarray:
        return encode(self.prompt)

    @cached_property
    def target_ids(self) -> np.ndarray:
        """Token ids of the target, ending with ``<eos>``."""
        return encode(self.target, eos=True)

    def __str__(self) -> str:
        return f"{self.prompt}\n=> {self.target}"
