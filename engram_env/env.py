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
from engram_env.render import text_frame
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


# -- the episode rules as pure functions, shared with ``EngramVectorEnv`` ------------------------
# Each works on Python scalars (EngramEnv, one episode) and elementwise on numpy arrays
# (EngramVectorEnv, one value per episode), so the two envs cannot drift apart.


def load_tasks(task: str | None, tasks: Sequence[str] | None) -> dict[str, Generator]:
    """The generators of ``task=`` or ``tasks=`` (exactly one given), by name."""
    if (task is None) == (tasks is None):
        raise ValueError("give exactly one of task='name' or tasks=[names...]")
    names = [task] if task is not None else list(tasks)
    if not names:
        raise ValueError("tasks must name at least one task")
    return {n: get_generator(n) for n in names}


def parse_reset_options(
    options: dict[str, Any] | None, task_names: Sequence[str], default_difficulty: int
) -> tuple[str | None, int, int | None]:
    """Check ``reset`` options; return (task or None, difficulty, problem seed or None)."""
    options = options or {}
    unknown = set(options) - set(RESET_OPTIONS)
    if unknown:
        raise ValueError(f"unknown reset options {sorted(unknown)}; allowed: {RESET_OPTIONS}")
    task = options.get("task")
    if task is not None and task not in task_names:
        raise ValueError(f"task {task!r} is not one of this env's tasks {list(task_names)}")
    difficulty = check_difficulty(options.get("difficulty", default_difficulty))
    return task, difficulty, options.get("problem_seed")


def draw_episode(
    np_random: np.random.Generator,
    task_names: Sequence[str],
    task: str | None = None,
    problem_seed: int | None = None,
) -> tuple[str, int]:
    """The episode's task and problem seed, each drawn from ``np_random`` unless given.

    The task is drawn first (``integers(len(task_names))``, which draws nothing for one task),
    then the seed (``integers(TRAIN_SEED_LIMIT)``): this order is what ``reset(seed=...)``
    reproduces.
    """
    if task is None:
        task = task_names[int(np_random.integers(len(task_names)))]
    if problem_seed is None:
        problem_seed = int(np_random.integers(TRAIN_SEED_LIMIT))
    return task, problem_seed


def verify_step(generator: Generator, problem: Problem, index: int, segment: np.ndarray) -> bool:
    """The task verifier's verdict on ``segment`` (token ids) as reference step ``index``.

    False past the last reference step. The envs try an exact match with the reference first and
    call this only where it fails.
    """
    return index < len(problem.steps) and bool(
        generator.check_step(problem, index, decode(segment))
    )


def verify_answer(generator: Generator, problem: Problem, segment: np.ndarray) -> bool:
    """The task verifier's verdict on ``segment`` (token ids) as the final answer."""
    return bool(generator.check_answer(problem, decode(segment)))


def step_info(index, correct) -> dict[str, Any]:
    """``info`` of a step that closes a segment with ``<step>``."""
    return {"step_index": index, "step_correct": correct}


def outcome(answer_correct, steps_correct, steps_total) -> dict[str, Any]:
    """``info`` of the last step of an episode."""
    return {"answer_correct": answer_correct, "steps_correct": steps_correct,
            "steps_total": steps_total}


def _select(condition, if_true, if_false):
    """``if_true if condition else if_false``, elementwise when ``condition`` is an array."""
    if isinstance(condition, np.ndarray):
        return np.where(condition, if_true, if_false)
    return if_true if condition else if_false


def step_share(k):
    """What a correct reference step earns with ``k`` reference steps (for ``k = 0`` there is no
    step to pay; the guard only keeps the arithmetic defined)."""
    return (1.0 - ANSWER_SHARE) / (k + (k == 0))


def answer_share(k):
    """What a correct answer earns in ``"step"`` mode: its share, or everything without steps."""
    return _select(k > 0, ANSWER_SHARE, 1.0)


def reward_for(reward_mode: str, *, step_ok, answer_ok, char_ok, position, k, n, steps_correct,
               returned):
    """The reward of one token: every mode's payment rule in one place.

    ``step_ok``/``answer_ok``: the token closed a segment that checked correct as a reference
    step / as the answer; ``char_ok``: it equals the reference target at ``position``; ``k``
    reference steps, ``n`` target tokens, ``steps_correct`` counted so far (this token's step
    included), ``returned`` the return so far.

    The payment that completes a perfect episode is ``1.0 - returned`` instead of its nominal
    amount: summing 0.5/K K times rarely gives exactly 0.5 in floating point, and this makes a
    perfect return exactly 1.0.
    """
    if reward_mode == "char":  # first: the one mode that pays nearly every token
        paid, amount, completes = char_ok, 1.0 / n, char_ok & (position == n - 1)
    elif reward_mode == "step":
        paid = step_ok | answer_ok
        amount = _select(answer_ok, answer_share(k), step_share(k))
        completes = answer_ok & (steps_correct == k)
    else:  # "final"
        paid = completes = answer_ok
        amount = 1.0
    if isinstance(paid, np.ndarray):
        return np.where(paid, np.where(completes, 1.0 - returned, amount), 0.0)
    return (1.0 - returned if completes else amount) if paid else 0.0


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
    - ``render_mode``: ``None``, ``"ansi"`` (prompt, output and each verdict as text) or
      ``"rgb_array"`` (the same text drawn into a fixed-size frame, for video recorders).

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

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        task: str | None = None,
        *,
        tasks: Sequence[str] | None = None,
        difficulty: int = 1,
        reward_mode: str = "step",
        render_mode: str | None = None,
    ) -> None:
        self.generators: dict[str, Generator] = load_tasks(task, tasks)
        self.task_names = list(self.generators)
        self.difficulty = check_difficulty(difficulty)
        self.reward_mode = check_reward_mode(reward_mode)
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode must be None, 'ansi' or 'rgb_array', got "
                             f"{render_mode!r}")
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
        step_ok = answer_ok = char_ok = False

        if token == STEP:
            index, step_ok = self._close_step(t)
            info = step_info(index, step_ok)
        elif token == EOS:
            answer_ok = self._close_answer(t)
            terminated = True
            info = self._outcome(answer_ok)
        if self.reward_mode == "char":
            char_ok = t < len(self._target) and bool(token == self._target[t])
            terminated = terminated or not char_ok
        if step_ok or answer_ok or char_ok:
            reward = reward_for(
                self.reward_mode, step_ok=step_ok, answer_ok=answer_ok, char_ok=char_ok,
                position=t, k=len(self._ref) - 1, n=len(self._target),
                steps_correct=self._steps_correct, returned=self._return,
            )
            self._return += reward

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
        task, difficulty, problem_seed = parse_reset_options(options, self.task_names,
                                                             self.difficulty)
        task, problem_seed = draw_episode(self.np_random, self.task_names, task, problem_seed)
        self._load(self.generators[task].problem(problem_seed, difficulty))
        return self._observation(), {"problem": self.problem, "task": task, "difficulty": difficulty}

    def render(self) -> str | np.ndarray | None:
        if self.render_mode is None:
            return None
        return self._text() if self.render_mode == "ansi" else text_frame(self._text())

    # -- internals ---------------------------------------------------------------------------

    def _text(self) -> str:
        p = self.problem
        lines = [f"task {p.task}  difficulty {p.difficulty}  seed {p.seed}", f"prompt: {p.prompt}"]
        lines.append(f"output: {decode(self._output[: self._cursor])}")
        for kind, index, correct in self._verdicts:
            lines.append(f"  {kind} {index}: {'correct' if correct else 'wrong'}")
        return "\n".join(lines)

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

    def _segment(self, t: int) -> np.ndarray:
        """The tokens of the segment that the token at position ``t`` closes."""
        segment = self._output[self._segment_start : t]
        self._segment_start = t + 1
        return segment

    def _close_step(self, t: int) -> tuple[int, bool]:
        """Check the segment closed by ``<step>`` at ``t`` against its reference step, if any."""
        segment = self._segment(t)
        index = len(self._verdicts)
        exact = index < len(self._ref) - 1 and segment.tobytes() == self._ref[index]
        correct = exact or verify_step(self._generator, self.problem, index, segment)
        self._steps_correct += correct
        self._verdicts.append(("step", index, correct))
        return index, correct

    def _close_answer(self, t: int) -> bool:
        """Check the segment closed by ``<eos>`` at ``t`` as the final answer."""
        segment = self._segment(t)
        correct = segment.tobytes() == self._ref[-1] or verify_answer(
            self._generator, self.problem, segment
        )
        self._verdicts.append(("answer", len(self._verdicts), correct))
        return correct

    def _outcome(self, answer_correct: bool) -> dict[str, Any]:
        return outcome(answer_correct, self._steps_correct, len(self._ref) - 1)
