"""``EngramEnv``: one reasoning problem per episode, solved one token at a time."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from engram_env.generator import Generator, check_difficulty
from engram_env.problem import MAX_PROMPT_TOKENS, MAX_TARGET_TOKENS, TRAIN_SEED_LIMIT, Problem
from engram_env.registry import get_generator
from engram_env.vocab import EOS, PAD, STEP, TOKEN_DTYPE, VOCAB_SIZE, decode

REWARD_MODES = ("step", "char", "final")
RESET_OPTIONS = ("task", "difficulty", "problem_seed")
ANSWER_SHARE = 0.5  # of the return a perfect solution earns, the part its final answer carries


class EpisodeFinishedError(RuntimeError):
    """``step()`` was called on an episode that already terminated or was truncated."""


def observation_space() -> spaces.Dict:
    """The observation space every Engram env shares: prompt and output token ids."""
    ids = lambda n: spaces.Box(0, VOCAB_SIZE - 1, shape=(n,), dtype=TOKEN_DTYPE)  # noqa: E731
    return spaces.Dict({"prompt": ids(MAX_PROMPT_TOKENS), "output": ids(MAX_TARGET_TOKENS)})


def reference_segments(target_ids: np.ndarray) -> list[bytes]:
    """The target's segments as bytes (reference steps, then the answer), for exact matching."""
    cuts = [-1, *np.flatnonzero(target_ids == STEP).tolist(), len(target_ids) - 1]
    return [target_ids[a + 1 : b].tobytes() for a, b in zip(cuts, cuts[1:])]


def check_reward_mode(reward_mode: str) -> str:
    if reward_mode not in REWARD_MODES:
        raise ValueError(f"reward_mode must be one of {REWARD_MODES}, got {reward_mode!r}")
    return reward_mode


class EngramEnv(gym.Env[dict, int]):
    """A procedurally generated reasoning problem, solved as text one token at a time.

    ## Description

    Each episode draws one problem from a task's generator (addition, gcd, BFS, ...). The agent
    sees the prompt and writes a worked solution: reference steps separated by ``<step>``, then
    the final answer closed by ``<eos>``. Every segment the agent closes is checked by the task's
    verifier, which accepts equivalent correct forms (``6/8`` for ``3/4``, any set order, ...).

    ## Action Space

    ``Discrete(135)``: one token id of ``engram_env.vocab`` per step. ``<step>`` closes a step,
    ``<eos>`` closes the answer and ends the episode; ``<pad>`` is a legal no-op token that uses
    one output position and earns nothing.

    ## Observation Space

    ``Dict(prompt=Box(0, 134, (512,), uint8), output=Box(0, 134, (512,), uint8))``: the prompt's
    token ids and the tokens written so far, each padded with ``<pad>`` (0). Each call returns
    fresh arrays, safe to keep; the env writes one token per step into its own buffers.

    ## Rewards

    With ``reward_mode="step"`` (default) and K reference steps: the segment closed at position
    i < K earns 0.5/K if it checks against reference step i; the answer (closed by ``<eos>``)
    earns 0.5 if correct, 1.0 when K = 0. Extra segments earn nothing. A perfect solution returns
    exactly 1.0 and an answer-only one 0.5. ``"char"``: 1/len(target) for each token equal to the
    reference target at its position; the first mismatch ends the episode. ``"final"``: 1.0 at
    ``<eos>`` for a correct answer. Nothing is earned twice, by ``<pad>``, or past the end.

    ## Starting State

    An empty output and a fresh problem: its seed is drawn from ``np_random`` (seeded by
    ``reset(seed=...)``) below ``problem.TRAIN_SEED_LIMIT``, so evaluation seeds stay held out.

    ## Episode End

    Terminated at ``<eos>`` (and in ``"char"`` mode at the first wrong token). Truncated when all
    512 output positions are used without ``<eos>``.

    ## Arguments

    - ``task``: the task name (``"addition"``), or ``tasks``: several names, one drawn per reset.
    - ``difficulty``: 1..10, the default level; ``reset(options={"task": ..., "difficulty": ...,
      "problem_seed": ...})`` overrides task, level and the exact problem for one episode.
    - ``reward_mode``: ``"step"``, ``"char"`` or ``"final"``.
    - ``render_mode``: ``None`` or ``"ansi"`` (prompt, output and each verdict as text).

    ## Info

    ``reset`` returns ``info["problem"]`` (the ``Problem`` with its reference solution). A step
    that closes a segment reports ``step_index`` and ``step_correct``; the last step of an episode
    reports ``answer_correct``, ``steps_correct`` and ``steps_total``.

    ## Version History

    - v0: initial release.

    ## Example

    >>> import gymnasium as gym, engram_env
    >>> env = gym.make("Engram-addition-v0", difficulty=2)
    >>> obs, info = env.reset(seed=7)
    >>> ret = 0.0
    >>> for token in info["problem"].target_ids:
    ...     obs, reward, terminated, truncated, step_info = env.step(token)
    ...     ret += reward
    >>> ret, terminated, step_info["answer_correct"]
    (1.0, True, True)
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        task: str | None = None,
        *,
        tasks: Sequence[str] | None = None,
        difficulty: int = 1,
        reward_mode: str = "step",
        render_mode: str | None = None,
    ) -> None:
        if (task is None) == (tasks is None):
            raise ValueError("give exactly one of task='name' or tasks=[names...]")
        names = [task] if task is not None else list(tasks)
        if not names:
            raise ValueError("tasks must name at least one task")
        self.generators: dict[str, Generator] = {n: get_generator(n) for n in names}
        self.task_names = list(self.generators)
        self.difficulty = check_difficulty(difficulty)
        self.reward_mode = check_reward_mode(reward_mode)
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        self.render_mode = render_mode

        self.action_space = spaces.Discrete(VOCAB_SIZE)
        self.observation_space = observation_space()
        self._prompt = np.zeros(MAX_PROMPT_TOKENS, dtype=TOKEN_DTYPE)
        self._output = np.zeros(MAX_TARGET_TOKENS, dtype=TOKEN_DTYPE)
        self.problem: Problem | None = None
        self._cursor = 0
        self._done = True

    def step(self, action: int) -> tuple[dict, float, bool, bool, dict[str, Any]]:
        if self._done:
            raise EpisodeFinishedError(
                "step() called on a finished episode (or before reset()); call reset() first"
            )
        try:
            token = operator.index(action)
        except TypeError:
            raise ValueError(f"action must be an integer token id in 0..{VOCAB_SIZE - 1}, "
                             f"got {action!r}") from None
        if not 0 <= token < VOCAB_SIZE:
            raise ValueError(f"action must be a token id in 0..{VOCAB_SIZE - 1}, got {token}")
        t = self._cursor
        self._output[t] = token
        self._cursor = t + 1
        reward, terminated, info = 0.0, False, {}
        k = len(self._ref) - 1  # number of reference steps

        if token == STEP:
            index, correct = self._close_step(t)
            info = {"step_index": index, "step_correct": correct}
            if correct and self.reward_mode == "step":
                reward = self._earn(ANSWER_SHARE / k, completes=False)
        elif token == EOS:
            correct = self._close_answer(t)
            terminated = True
            info = self._outcome(correct)
            if correct and self.reward_mode == "step":
                reward = self._earn(ANSWER_SHARE if k else 1.0, self._steps_correct == k)
            elif correct and self.reward_mode == "final":
                reward = self._earn(1.0, completes=True)
        if self.reward_mode == "char":
            n = len(self._target)
            if t < n and token == self._target[t]:
                reward = self._earn(1.0 / n, completes=t == n - 1)
            else:
                terminated = True

        truncated = not terminated and self._cursor >= MAX_TARGET_TOKENS
        if terminated or truncated:
            self._done = True
            if "answer_correct" not in info:
                info.update(self._outcome(False))
        return self._observation(), reward, terminated, truncated, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict, dict[str, Any]]:
        super().reset(seed=seed)
        options = options or {}
        unknown = set(options) - set(RESET_OPTIONS)
        if unknown:
            raise ValueError(f"unknown reset options {sorted(unknown)}; allowed: {RESET_OPTIONS}")
        task = options.get("task")
        if task is None:
            task = self.task_names[int(self.np_random.integers(len(self.task_names)))]
        elif task not in self.generators:
            raise ValueError(f"task {task!r} is not one of this env's tasks {self.task_names}")
        difficulty = check_difficulty(options.get("difficulty", self.difficulty))
        problem_seed = options.get("problem_seed")
        if problem_seed is None:
            problem_seed = int(self.np_random.integers(TRAIN_SEED_LIMIT))
        self._load(self.generators[task].problem(problem_seed, difficulty))
        return self._observation(), {"problem": self.problem, "task": task, "difficulty": difficulty}

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        p = self.problem
        lines = [f"task {p.task}  difficulty {p.difficulty}  seed {p.seed}", f"prompt: {p.prompt}"]
        lines.append(f"output: {decode(self._output[: self._cursor])}")
        for kind, index, correct in self._verdicts:
            lines.append(f"  {kind} {index}: {'correct' if correct else 'wrong'}")
        return "\n".join(lines)

    # -- internals ---------------------------------------------------------------------------

    def _observation(self) -> dict[str, np.ndarray]:
        # A 1 KB copy per step: callers may keep observations (replay buffers, checkers demand
        # it), while the env itself only ever writes one token into its own buffers.
        return {"prompt": self._prompt.copy(), "output": self._output.copy()}

    def _load(self, problem: Problem) -> None:
        """Point the buffers at a new problem, clearing every trace of the previous episode."""
        self.problem = problem
        self._generator = self.generators[problem.task]
        ids = problem.prompt_ids
        self._prompt[: len(ids)] = ids
        self._prompt[len(ids) :] = PAD
        self._output[: self._cursor] = PAD
        self._target = problem.target_ids
        self._ref = reference_segments(self._target)
        self._cursor = self._segment_start = 0
        self._steps_correct = 0
        self._verdicts: list[tuple[str, int, bool]] = []
        self._return = 0.0
        self._done = False

    def _earn(self, amount: float, completes: bool) -> float:
        """Pay ``amount``; the payment that completes a perfect episode makes the return 1.0.

        Summing 0.5/K K times rarely gives exactly 0.5 in floating point, so the last reward of a
        perfect episode is ``1.0 - return so far``, which makes the running sum exactly 1.0.
        """
        reward = 1.0 - self._return if completes else amount
        self._return += reward
        return reward

    def _segment(self, t: int) -> np.ndarray:
        """The tokens of the segment that the token at position ``t`` closes."""
        segment = self._output[self._segment_start : t]
        self._segment_start = t + 1
        return segment

    def _close_step(self, t: int) -> tuple[int, bool]:
        """Check the segment closed by ``<step>`` at ``t`` against its reference step, if any."""
        segment = self._segment(t)
        index = len(self._verdicts)
        correct = index < len(self._ref) - 1 and (
            segment.tobytes() == self._ref[index]
            or self._generator.check_step(self.problem, index, decode(segment))
        )
        self._steps_correct += correct
        self._verdicts.append(("step", index, correct))
        return index, correct

    def _close_answer(self, t: int) -> bool:
        """Check the segment closed by ``<eos>`` at ``t`` as the final answer."""
        segment = self._segment(t)
        correct = segment.tobytes() == self._ref[-1] or self._generator.check_answer(
            self.problem, decode(segment)
        )
        self._verdicts.append(("answer", len(self._verdicts), correct))
        return correct

    def _outcome(self, answer_correct: bool) -> dict[str, Any]:
        return {
            "answer_correct": answer_correct,
            "steps_correct": self._steps_correct,
            "steps_total": len(self._ref) - 1,
        }
