"""Reference solvers and the small interface every evaluated agent shares.

A *solver* maps a batch of problems to written solutions::

    class Solver(Protocol):
        name: str
        def solve(self, problems: Sequence[Problem]) -> list[np.ndarray]: ...  # token ids

and ``agents.rollout.evaluate(solver, problems, scorer)`` grades them with the env's rules.
``RandomSolver`` (uniform tokens; the floor), ``OracleSolver`` (the reference solution; 1.0 by
construction) and ``AnswerOnlySolver`` (the right answer, no steps: 0.5 in step mode) bound what
a learned agent can score. ``PolicySolver`` turns a trained policy into a solver (greedy by
default), so evaluation harnesses treat every agent alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import torch

from engram_env.problem import MAX_TARGET_TOKENS, Problem
from engram_env.vocab import EOS, VOCAB_SIZE, encode


@runtime_checkable
class Solver(Protocol):
    name: str

    def solve(self, problems: Sequence[Problem]) -> list[np.ndarray]: ...


class RandomSolver:
    """Uniformly random tokens until ``<eos>`` or the 512-token limit (seeded, reproducible)."""

    name = "random"

    def __init__(self, seed: int = 0, max_tokens: int = MAX_TARGET_TOKENS) -> None:
        self.rng = np.random.default_rng(seed)
        self.max_tokens = max_tokens

    def solve(self, problems: Sequence[Problem]) -> list[np.ndarray]:
        out = []
        for _ in problems:
            tokens = self.rng.integers(VOCAB_SIZE, size=self.max_tokens)
            stop = np.flatnonzero(tokens == EOS)
            out.append(tokens[: stop[0] + 1] if stop.size else tokens)
        return out


class OracleSolver:
    """The reference solution: every step and the answer."""

    name = "oracle"

    def solve(self, problems: Sequence[Problem]) -> list[np.ndarray]:
        return [p.target_ids for p in problems]


class AnswerOnlySolver:
    """The reference answer with no steps (half the return in step mode)."""

    name = "answer-only"

    def solve(self, problems: Sequence[Problem]) -> list[np.ndarray]:
        return [encode(p.answer, eos=True) for p in problems]


class PolicySolver:
    """A trained policy as a solver: batched sampling, greedy unless ``temperature > 0``."""

    def __init__(self, policy, max_new_tokens: int, *, name: str = "policy",
                 temperature: float = 0.0, batch_size: int = 256, seed: int = 0) -> None:
        self.policy, self.name = policy, name
        self.max_new_tokens, self.temperature, self.batch_size = max_new_tokens, temperature, batch_size
        self.seed = seed
        self.generator: torch.Generator | None = None  # made on the policy's device at first use

    def solve(self, problems: Sequence[Problem]) -> list[np.ndarray]:
        from agents.rollout import collate, completion_lengths, sample

        device = next(self.policy.parameters()).device
        if self.generator is None or self.generator.device != device:
            self.generator = torch.Generator(device=device).manual_seed(self.seed)
        was_training = self.policy.training
        self.policy.eval()
        out: list[np.ndarray] = []
        for i in range(0, len(problems), self.batch_size):
            chunk = problems[i:i + self.batch_size]
            prompts, start, _ = collate([p.prompt_ids for p in chunk], device=device)
            completions = sample(self.policy, prompts, start, self.max_new_tokens,
                                 temperature=self.temperature, generator=self.generator)
            lengths = completion_lengths(completions).tolist()
            out.extend(row[:n] for row, n in zip(completions.cpu().numpy(), lengths))
        self.policy.train(was_training)
        return out


BASELINES = {"random": RandomSolver, "oracle": OracleSolver, "answer-only": AnswerOnlySolver}
