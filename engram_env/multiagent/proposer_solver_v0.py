"""Proposer-solver: asymmetric self-play, where one agent sets the problems another learns from.

Each round the proposer picks a (task, difficulty) from a menu, the solver solves one problem of
that kind token by token (earning exactly ``EngramEnv``'s rewards), and the proposer is paid for
having picked at the solver's frontier: ``frontier_reward(successes, attempts) = 4p(1-p)`` with
``p = (successes+1)/(attempts+2)`` the solver's smoothed success rate there, counting this round.
Sure wins and hopeless problems pay little, a coin flip pays 1.

The menu is every task of a skill tree times difficulties 1..10; the proposer's action mask
allows only tasks the solver has unlocked and difficulties up to the tree's current level for
that task (``engram_env.skilltree``: outcomes at that level drive mastery and unlocking). The
solver's progress (tree and success counts) persists across resets, because the solver keeps
learning; ``reset(options={"reset_progress": True})`` starts over. A game is ``rounds`` rounds.

>>> from engram_env.multiagent import proposer_solver_v0
>>> env = proposer_solver_v0.raw_env(tasks=["addition", "subtraction"], rounds=1)
>>> env.reset(seed=0)
>>> env.unlocked_menu()
[('addition', 1)]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo.utils import wrappers

from engram_env.env import EngramEnv, observation_space
from engram_env.multiagent._turns import TurnBasedGame
from engram_env.problem import TRAIN_SEED_LIMIT
from engram_env.skilltree import CurriculumConfig, SkillTree
from engram_env.taxonomy import MAX_DIFFICULTY
from engram_env.vocab import VOCAB_SIZE

DEFAULT_TASKS = ("addition", "subtraction", "comparison", "multiplication", "division")


def env(**kwargs: Any):
    """The AEC env with PettingZoo's order and bounds checks."""
    return wrappers.OrderEnforcingWrapper(wrappers.AssertOutOfBoundsWrapper(raw_env(**kwargs)))


def frontier_reward(successes: int, attempts: int) -> float:
    """4p(1-p) for the smoothed success rate p: 1 at even odds, near 0 when sure either way."""
    p = (successes + 1) / (attempts + 2)
    return 4.0 * p * (1.0 - p)


class raw_env(TurnBasedGame):  # noqa: N801 (PettingZoo's naming convention)
    """Proposer then solver, ``rounds`` times.

    Arguments: ``tasks`` (the menu, with their prerequisites added; default the arithmetic
    tasks), ``rounds`` per game, ``reward_mode`` (the solver's), ``config`` (a
    ``CurriculumConfig`` for mastery and unlocking).
    """

    metadata = {"name": "engram_proposer_solver_v0", "render_modes": ["ansi"],
                "is_parallelizable": False}
    possible_agents = ["proposer", "solver"]

    def __init__(
        self,
        tasks: list[str] | tuple[str, ...] = DEFAULT_TASKS,
        *,
        rounds: int = 8,
        reward_mode: str = "step",
        config: CurriculumConfig | None = None,
        render_mode: str | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(rounds, int) or rounds < 1:
            raise ValueError(f"rounds must be an int >= 1, got {rounds!r}")
        self.rounds = rounds
        self.tree = SkillTree.from_registry(list(tasks), config)
        self.menu = [(task, d) for task in self.tree.tasks for d in range(1, MAX_DIFFICULTY + 1)]
        self._solver = EngramEnv(tasks=list(self.tree.tasks), reward_mode=reward_mode,
                                 render_mode=render_mode)
        self.render_mode = render_mode
        size = len(self.menu)
        self._spaces = {
            "proposer": spaces.Dict({
                "success_rate": spaces.Box(0.0, 1.0, shape=(size,), dtype=np.float32),
                "attempts": spaces.Box(0.0, np.inf, shape=(size,), dtype=np.float32),
                "action_mask": spaces.Box(0, 1, shape=(size,), dtype=np.int8),
            }),
            "solver": observation_space(),
        }
        self._actions = {"proposer": spaces.Discrete(size), "solver": spaces.Discrete(VOCAB_SIZE)}
        self._reset_progress()

    def observation_space(self, agent: str) -> spaces.Space:
        return self._spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self._actions[agent]

    def unlocked_menu(self) -> list[tuple[str, int]]:
        """The (task, difficulty) pairs the proposer may pick now."""
        return [self.menu[i] for i in np.flatnonzero(self._mask())]

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        if agent == "solver":
            return {k: v.copy() for k, v in self._last.items()}
        return {
            "success_rate": ((self._successes + 1) / (self._attempts + 2)).astype(np.float32),
            "attempts": self._attempts.astype(np.float32),
            "action_mask": self._mask(),
        }

    def _mask(self) -> np.ndarray:
        mask = np.zeros(len(self.menu), dtype=np.int8)
        for task in self.tree.unlocked:
            start = self.tree.tasks.index(task) * MAX_DIFFICULTY
            mask[start : start + self.tree.difficulty(task)] = 1
        return mask

    def _reset_progress(self) -> None:
        self.tree.reset_progress()
        self._successes = np.zeros(len(self.menu))
        self._attempts = np.zeros(len(self.menu))

    def _new_game(self, options: dict) -> str:
        if options.get("reset_progress"):
            self._reset_progress()
        self._round = 0
        self._choice: int | None = None
        self._last = {k: np.zeros_like(v) for k, v in self._solver.observation_space.sample().items()}
        return "proposer"

    def _move(self, agent: str, action: Any) -> None:
        if agent == "proposer":
            mask = self._mask()
            if not (isinstance(action, (int, np.integer)) and 0 <= action < len(mask) and mask[action]):
                allowed = ", ".join(f"{i}={t}@{d}" for i, (t, d) in
                                    zip(np.flatnonzero(mask), self.unlocked_menu()))
                raise ValueError(f"the proposer must pick an unlocked menu entry ({allowed}); "
                                 f"got {action!r}")
            self._choice = int(action)
            task, difficulty = self.menu[self._choice]
            self._last, info = self._solver.reset(options={
                "task": task, "difficulty": difficulty,
                "problem_seed": int(self.np_random.integers(TRAIN_SEED_LIMIT)),
            })
            self.infos["solver"] = {"problem": info["problem"]}
            self.infos["proposer"] = {"task": task, "difficulty": difficulty}
            self.agent_selection = "solver"
            return
        self._last, reward, terminated, truncated, info = self._solver.step(action)
        self.rewards["solver"] = reward
        self.infos["solver"] = {"problem": self._solver.problem, **info}
        if not (terminated or truncated):
            return
        task, difficulty = self.menu[self._choice]
        correct = bool(info["answer_correct"])
        self._attempts[self._choice] += 1
        self._successes[self._choice] += correct
        self.rewards["proposer"] = frontier_reward(self._successes[self._choice],
                                                   self._attempts[self._choice])
        events = self.tree.record(task, difficulty, correct)
        self.infos["proposer"] = {"task": task, "difficulty": difficulty, "solved": correct,
                                  "events": [e.as_dict() for e in events]}
        self._round += 1
        if self._round == self.rounds:
            self._end_game()
        self.agent_selection = "proposer"

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        return f"round {self._round}/{self.rounds}; unlocked {self.tree.unlocked}\n{self._solver.render()}"
