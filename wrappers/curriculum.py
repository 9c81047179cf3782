"""The curriculum wrapper: the skill tree decides every episode's task and difficulty.

``CurriculumWrapper`` sits on a multi-task ``EngramEnv``. At each ``reset`` its ``TaskSampler``
(``engram_env.skilltree``) draws an unlocked task, pattern-balanced, with a share of draws kept
for mastered tasks, at that task's current difficulty; at the end of each episode it reads
``info["answer_correct"]`` and records the outcome, which moves the task's difficulty, masters it
and unlocks what depended on it. No side channel: the wrapper learns from the episodes it sees.

Vector forms, all driven by one shared ``TaskSampler`` (one curriculum for all slots):

- ``make_curriculum_vec_env(num_envs, ...)``: a ``SyncVectorEnv`` of ``CurriculumWrapper``s that
  share a sampler: works with any Gymnasium vector code today.
- A vector env that picks each slot's task through a callable takes the sampler itself
  (``sampler()`` -> ``(task, difficulty)``); ``CurriculumRecorder`` then feeds the episodes it
  finishes back (``sampler.record``), reading Gymnasium's vector infos in either autoreset mode.
- ``log_curriculum(writer, tree, step)`` writes the progress to TensorBoard.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from engram_env.env import EngramEnv
from engram_env.files import write_json
from engram_env.skilltree import (
    CurriculumConfig,
    SkillTree,
    SkillTreeError,
    TaskSampler,
    read_state,
    with_prerequisites,
)

SAMPLER_STREAM = 0x43555252  # mixed into reset(seed=s) so the sampler's draws and the env's differ


def log_curriculum(writer: Any, tree: SkillTree, step: int) -> None:
    """Write the curriculum's progress to a TensorBoard ``SummaryWriter`` (or anything with
    ``add_scalar(tag, value, step)``): counts under ``curriculum/``, and each unlocked task's
    window accuracy and difficulty under ``curriculum_accuracy/<task>`` and
    ``curriculum_difficulty/<task>`` (separate groups, so 150 tasks stay browsable)."""
    summary = tree.summary()
    for key in ("unlocked", "mastered", "open_tiers"):
        writer.add_scalar(f"curriculum/{key}", summary[key], step)
    for name in tree.unlocked:
        accuracy = tree.accuracy(name)
        if accuracy is not None:
            writer.add_scalar(f"curriculum_accuracy/{name}", accuracy, step)
        writer.add_scalar(f"curriculum_difficulty/{name}", tree.difficulty(name), step)


def _check_writer(writer: Any) -> Any:
    if writer is not None and not callable(getattr(writer, "add_scalar", None)):
        raise TypeError("writer: expected a TensorBoard SummaryWriter (an object with "
                        f"add_scalar), got {writer!r}")
    return writer


class CurriculumWrapper(gym.Wrapper):
    """Gates an ``EngramEnv``'s tasks behind a skill tree and scales each task's difficulty.

    ## Description

    Every ``reset`` picks the task and difficulty: only unlocked tasks (a task unlocks when its
    tier is open and its prerequisites are mastered), a ``retention`` share of draws for
    mastered tasks, reasoning patterns given equal exposure (as far as the retention share
    allows; see ``engram_env.skilltree``), each task at its own current difficulty. Each finished episode's ``info["answer_correct"]`` updates that task's rolling
    accuracy: at or above ``raise_above`` its difficulty goes up, below ``lower_below`` down, and
    at or above ``mastery_threshold`` (from ``mastery_difficulty`` on) it is mastered, which may
    unlock others. Spaces, rewards and episode ends are the wrapped env's.

    ## Arguments

    - ``env``: an ``EngramEnv`` with several tasks (or a wrapper of one); the tree is built over
      its tasks, which must include every prerequisite of each.
    - ``config``: a ``CurriculumConfig`` or a mapping of its fields (``window``,
      ``mastery_threshold``, ``mastery_difficulty``, ``raise_above``, ``lower_below``,
      ``start_difficulty``, ``retention``, ``tier_gate``; defaults 50, 0.8, 3, 0.9, 0.4, 1, 0.2,
      0.5).
    - ``sampler``: an existing ``TaskSampler`` to drive the env with (instead of ``config``);
      several wrappers may share one (``make_curriculum_vec_env``).
    - ``seed``: seeds the sampler's draws; ``reset(seed=s)`` also reseeds them (from ``s``).
    - ``writer``: a TensorBoard ``SummaryWriter``; every ``log_every`` finished episodes the
      progress is logged (see ``log_curriculum``).

    ## Info

    ``reset`` adds ``info["curriculum"]``: the ``task``, ``difficulty``, ``pool``
    (``"frontier"``, ``"retention"``, or ``"forced"`` when ``options`` named a task or
    difficulty, which bypasses the curriculum and is not recorded) and the tree's counts
    (``episodes``, ``tasks``, ``unlocked``, ``mastered``, ``open_tiers``). The last step of an
    episode adds ``info["curriculum"]`` with the outcome (``correct``), the task's window
    ``accuracy``, the ``events`` it caused (mastered, unlock, difficulty_up/down) and the counts.

    ## State

    ``save(path)`` writes the whole curriculum (progress, the sampler's and the env's random
    state) atomically as JSON; ``load(path)`` restores it, after which ``reset()`` (no seed)
    continues exactly where the saved run would have.

    ## Example

    >>> from engram_env import EngramEnv
    >>> env = CurriculumWrapper(EngramEnv(tasks=["addition", "subtraction"]), seed=0)
    >>> obs, info = env.reset()
    >>> info["curriculum"]["task"], info["curriculum"]["unlocked"]  # subtraction needs addition
    ('addition', 1)
    """

    def __init__(
        self,
        env: gym.Env,
        config: CurriculumConfig | Mapping[str, Any] | None = None,
        *,
        sampler: TaskSampler | None = None,
        seed: int | None = None,
        writer: Any = None,
        log_every: int = 100,
    ) -> None:
        super().__init__(env)
        base = env.unwrapped
        if not isinstance(base, EngramEnv):
            raise TypeError(f"env: expected an EngramEnv (or a wrapper of one), got {env!r}")
        if isinstance(config, Mapping):
            config = CurriculumConfig.from_dict(config)
        if sampler is not None:
            if config is not None:
                raise ValueError("give config= or sampler= (which carries its config), not both")
            if not isinstance(sampler, TaskSampler):
                raise TypeError(f"sampler: expected a TaskSampler, got {sampler!r}")
            missing = sorted(set(sampler.tree.tasks) - set(base.task_names))
            if missing:
                raise SkillTreeError(f"the sampler's tree has tasks the env lacks: {missing}; "
                                     f"expected a tree over the env's tasks {base.task_names}")
        else:
            try:
                tree = SkillTree([base.generators[n] for n in base.task_names], config)
            except SkillTreeError as error:
                raise SkillTreeError(
                    f"{error}\n(the curriculum's tree is built over the env's tasks; include "
                    "their prerequisites: engram_env.skilltree.with_prerequisites(tasks) lists "
                    "them)"
                ) from None
            sampler = TaskSampler(tree, seed)
        if isinstance(log_every, bool) or not isinstance(log_every, int) or log_every < 1:
            raise ValueError(f"log_every: expected an integer >= 1, got {log_every!r}")
        self.sampler = sampler
        self.tree = sampler.tree
        self.writer = _check_writer(writer)
        self.log_every = log_every
        self._episode: tuple[str, int] | None = None  # (task, difficulty) being played

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        options = dict(options or {})
        if seed is not None:
            self.sampler.seed([seed, SAMPLER_STREAM])
        if "task" in options or "difficulty" in options:
            self._episode, pool = None, "forced"
        else:
            task, difficulty = self.sampler.next()
            options.update(task=task, difficulty=difficulty)
            self._episode = (task, difficulty)
            pool = "retention" if self.sampler.last_retained else "frontier"
        obs, info = self.env.reset(seed=seed, options=options)
        info["curriculum"] = {"task": info["task"], "difficulty": info["difficulty"],
                              "pool": pool, **self.tree.summary()}
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        if (terminated or truncated) and self._episode is not None:
            task, difficulty = self._episode
            self._episode = None
            correct = bool(info.get("answer_correct", False))
            events = self.sampler.record(task, difficulty, correct)
            info = {**info, "curriculum": {
                "task": task, "difficulty": difficulty, "correct": correct,
                "accuracy": self.tree.accuracy(task), "events": [e.as_dict() for e in events],
                **self.tree.summary()}}
            if self.writer is not None and self.tree.episodes % self.log_every == 0:
                log_curriculum(self.writer, self.tree, self.tree.episodes)
        return obs, reward, terminated, truncated, info

    # -- state ----------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The sampler's state plus the env's random state (problem seeds), JSON-ready."""
        state = self.sampler.state_dict()
        state["env_rng"] = self.env.unwrapped.np_random.bit_generator.state
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.sampler.load_state_dict(state)
        if "env_rng" in state:
            saved = state["env_rng"]
            name = saved.get("bit_generator") if isinstance(saved, Mapping) else None
            if not isinstance(name, str) or not hasattr(np.random, name):
                raise SkillTreeError(
                    f"env_rng: expected a numpy bit generator state, got {saved!r}")
            rng = np.random.Generator(getattr(np.random, name)())
            rng.bit_generator.state = saved
            self.env.unwrapped.np_random = rng
        self._episode = None

    def save(self, path: str | os.PathLike) -> None:
        """Write the curriculum state as JSON, atomically (temp file, then ``os.replace``)."""
        write_json(path, self.state_dict())

    def load(self, path: str | os.PathLike) -> None:
        """Restore a state written by ``save``; then ``reset()`` without a seed."""
        self.load_state_dict(read_state(path))


def make_curriculum_env(
    tasks: Sequence[str] | None = None,
    *,
    reward_mode: str = "step",
    render_mode: str | None = None,
    seed: int | None = None,
    writer: Any = None,
    log_every: int = 100,
    state: str | os.PathLike | None = None,
    **config: Any,
) -> CurriculumWrapper:
    """The env behind ``Engram-curriculum-v0``: every registered task (or ``tasks`` and their
    prerequisites, recursively) behind a ``CurriculumWrapper``.

    ``config`` takes the ``CurriculumConfig`` fields as keywords (``retention=0.3``,
    ``window=20``, ...); ``state`` is a saved curriculum to resume from.
    """
    names = None if tasks is None else with_prerequisites(tasks)
    if names is None:
        from engram_env.registry import task_names

        names = task_names()
    env = EngramEnv(tasks=names, reward_mode=reward_mode, render_mode=render_mode)
    wrapper = CurriculumWrapper(env, CurriculumConfig.from_dict(config), seed=seed,
                                writer=writer, log_every=log_every)
    if state is not None:
        wrapper.load(state)
    return wrapper


def make_curriculum_vec_env(
    num_envs: int,
    tasks: Sequence[str] | None = None,
    *,
    reward_mode: str = "step",
    seed: int | None = None,
    autoreset_mode: str | gym.vector.AutoresetMode = gym.vector.AutoresetMode.NEXT_STEP,
    **config: Any,
) -> gym.vector.SyncVectorEnv:
    """``num_envs`` curriculum envs in a ``SyncVectorEnv``, sharing one ``TaskSampler`` (reach it
    as ``envs.envs[0].sampler``): every slot draws from, and teaches, the same curriculum."""
    first = make_curriculum_env(tasks, reward_mode=reward_mode, seed=seed, **config)
    names = first.unwrapped.task_names

    def slot(i: int):
        if i == 0:
            return lambda: first
        return lambda: CurriculumWrapper(EngramEnv(tasks=names, reward_mode=reward_mode),
                                         sampler=first.sampler)

    return gym.vector.SyncVectorEnv([slot(i) for i in range(num_envs)],
                                    autoreset_mode=autoreset_mode)


class CurriculumRecorder:
    """Feeds the episodes a vector env finishes to a ``TaskSampler``.

    Each slot's task and difficulty come from the reset infos (``task``, ``difficulty`` and their
    ``_task`` masks, as ``EngramVectorEnv`` and ``SyncVectorEnv`` report them); each outcome from
    ``answer_correct``: under ``infos["final_info"]`` in same-step autoreset mode, in ``infos``
    itself at the last step in next-step mode. Outcomes of tasks the sampler's tree has locked
    or does not know (episodes it did not hand out) are counted in ``skipped``, not recorded.

        recorder = CurriculumRecorder(sampler, envs.num_envs)
        obs, infos = envs.reset(seed=0); recorder.reset(infos)
        obs, rewards, terminated, truncated, infos = envs.step(actions)
        events = recorder.step(infos)
    """

    def __init__(self, sampler: TaskSampler, num_envs: int) -> None:
        if not isinstance(sampler, TaskSampler):
            raise TypeError(f"sampler: expected a TaskSampler, got {sampler!r}")
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or (
            num_envs < 1
        ):
            raise ValueError(f"num_envs: expected an integer >= 1, got {num_envs!r}")
        self.sampler = sampler
        self.slots: list[tuple[str, int] | None] = [None] * int(num_envs)
        self.skipped = 0

    def reset(self, infos: Mapping[str, Any]) -> None:
        """Take each reset slot's task and difficulty from ``reset``'s infos."""
        self._started(infos)

    def step(self, infos: Mapping[str, Any]) -> list:
        """Record the outcomes of the episodes this step finished, then note the slots' new
        episodes; return the events the outcomes caused."""
        if "final_info" in infos:  # same-step autoreset
            finished, mask = infos["final_info"], infos.get("_final_info")
        else:  # next-step autoreset: the outcome is in this step's infos
            finished, mask = infos, None
        events = []
        if "answer_correct" in finished:
            ended = np.asarray(finished.get("_answer_correct", mask), dtype=bool)
            for i in np.flatnonzero(ended).tolist():
                if self.slots[i] is None:
                    continue
                task, difficulty = self.slots[i]
                self.slots[i] = None
                tree = self.sampler.tree
                if task not in tree.nodes or not tree.is_unlocked(task):
                    self.skipped += 1
                    continue
                events += self.sampler.record(task, difficulty,
                                              bool(finished["answer_correct"][i]))
        self._started(infos)
        return events

    def _started(self, infos: Mapping[str, Any]) -> None:
        if "task" not in infos:
            return
        mask = infos.get("_task", np.ones(len(self.slots), dtype=bool))
        for i in np.flatnonzero(mask).tolist():
            self.slots[i] = (str(infos["task"][i]), int(infos["difficulty"][i]))
