"""Critic: a solver writes a solution; a critic names its first wrong step or calls it correct.

The solver plays the single-agent episode token by token and earns exactly ``EngramEnv``'s
rewards. Then the critic moves once: action 0 says "the solution is correct", action i >= 1 says
"segment i-1 is the first wrong one" (segments are the steps, then the answer). The verifier
knows the truth: a step segment is wrong if it does not check against its reference step (extra
segments are wrong), the answer segment if the answer is wrong, and a solution cut off at 512
tokens is wrong at the answer it never closed. The critic earns +1 for the true verdict and -1
otherwise. With ``sneaky=True`` the solver also earns +1 when the critic is wrong and -1 when it
is right (a prover-verifier game); by default it earns only its verified step rewards, so it
gains nothing by fooling the critic.

>>> from engram_env.multiagent import critic_v0
>>> env = critic_v0.env(task="addition", difficulty=2)
>>> env.reset(seed=0)
>>> for agent in env.agent_iter():
...     observation, reward, termination, truncation, info = env.last()
...     if termination or truncation:
...         action = None
...     elif agent == "solver":  # the reference solution, token by token
...         action = int(info["problem"].target_ids[int((observation["output"] > 0).sum())])
...     else:
...         action = critic_v0.CORRECT
...     env.step(action)
>>> env.unwrapped.verdict
{'claimed': 0, 'truth': 0, 'critic_right': True}
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo.utils import wrappers

from engram_env.env import EngramEnv, observation_space
from engram_env.multiagent._turns import TurnBasedGame
from engram_env.problem import MAX_TARGET_TOKENS, TRAIN_SEED_LIMIT
from engram_env.vocab import EOS, VOCAB_SIZE

CORRECT = 0
MAX_SEGMENTS = MAX_TARGET_TOKENS  # a solution of 512 tokens has at most 512 segments


def env(**kwargs: Any):
    """The AEC env with PettingZoo's order and bounds checks."""
    return wrappers.OrderEnforcingWrapper(wrappers.AssertOutOfBoundsWrapper(raw_env(**kwargs)))


def first_wrong_segment(verdicts: list[bool], answered: bool) -> int | None:
    """Index of the first wrong segment, or ``None`` when every segment is right.

    ``verdicts`` are the closed segments in order (the last is the answer if ``answered``);
    an unanswered solution is wrong at the segment after its last closed one.
    """
    for index, correct in enumerate(verdicts):
        if not correct:
            return index
    return None if answered else len(verdicts)


class raw_env(TurnBasedGame):  # noqa: N801 (PettingZoo's naming convention)
    """Solver then critic, on one task (or several: ``tasks=[...]``, one drawn per reset).

    Arguments: ``task``/``tasks``, ``difficulty``, ``reward_mode`` (the solver's, as in
    ``EngramEnv``), ``sneaky`` (the solver is paid for fooling the critic).
    """

    metadata = {"name": "engram_critic_v0", "render_modes": ["ansi"], "is_parallelizable": False}
    possible_agents = ["solver", "critic"]

    def __init__(
        self,
        task: str | None = "addition",
        *,
        tasks: list[str] | None = None,
        difficulty: int = 1,
        reward_mode: str = "step",
        sneaky: bool = False,
        render_mode: str | None = None,
    ) -> None:
        super().__init__()
        if tasks is not None:
            task = None
        self._solver = EngramEnv(task, tasks=tasks, difficulty=difficulty, reward_mode=reward_mode,
                                 render_mode=render_mode)
        self.sneaky = bool(sneaky)
        self.render_mode = render_mode
        self._spaces = {
            "solver": observation_space(),
            "critic": spaces.Dict({
                "prompt": observation_space()["prompt"],
                "solution": observation_space()["output"],
                "action_mask": spaces.Box(0, 1, shape=(MAX_SEGMENTS + 1,), dtype=np.int8),
            }),
        }
        self._actions = {"solver": spaces.Discrete(VOCAB_SIZE),
                         "critic": spaces.Discrete(MAX_SEGMENTS + 1)}
        self.verdict: dict[str, Any] | None = None

    def observation_space(self, agent: str) -> spaces.Space:
        return self._spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self._actions[agent]

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        prompt, output = self._last["prompt"].copy(), self._last["output"].copy()
        if agent == "solver":
            return {"prompt": prompt, "output": output}
        solution = output if self._solved else np.zeros_like(output)  # hidden while being written
        return {"prompt": prompt, "solution": solution, "action_mask": self._critic_mask()}

    def _critic_mask(self) -> np.ndarray:
        mask = np.zeros(MAX_SEGMENTS + 1, dtype=np.int8)
        if self.agent_selection == "critic":
            mask[: len(self._verdicts) + 1 + (not self._answered)] = 1
        return mask

    def _new_game(self, options: dict) -> str:
        # every draw comes from this game's np_random, so reset(seed=...) fixes the whole game
        tasks = self._solver.task_names
        episode = {"task": tasks[int(self.np_random.integers(len(tasks)))],
                   "problem_seed": int(self.np_random.integers(TRAIN_SEED_LIMIT))}
        episode.update({k: options[k] for k in ("task", "difficulty") if k in options})
        self._last, info = self._solver.reset(options=episode)
        self.infos["solver"] = {"problem": info["problem"]}
        self._verdicts: list[bool] = []
        self._solved = self._answered = False
        self.verdict = None
        return "solver"

    def _move(self, agent: str, action: Any) -> None:
        if agent == "solver":
            self._last, reward, terminated, truncated, info = self._solver.step(action)
            self.rewards["solver"] = reward
            self.infos["solver"] = {"problem": self._solver.problem, **info}
            if "step_correct" in info:
                self._verdicts.append(info["step_correct"])
            if terminated or truncated:
                self._solved = True
                self._answered = int(action) == EOS  # else cut off, or stopped by a wrong char
                if self._answered:
                    self._verdicts.append(info["answer_correct"])
                self.agent_selection = "critic"
            return
        claimed = self._check_claim(action)
        wrong = first_wrong_segment(self._verdicts, self._answered)
        truth = CORRECT if wrong is None else wrong + 1
        right = claimed == truth
        self.verdict = {"claimed": claimed, "truth": truth, "critic_right": right}
        self.rewards["critic"] = 1.0 if right else -1.0
        if self.sneaky:
            self.rewards["solver"] = -self.rewards["critic"]
        self.infos["critic"] = dict(self.verdict)
        self._end_game()

    def _check_claim(self, action: Any) -> int:
        mask = self._critic_mask()
        if not (isinstance(action, (int, np.integer)) and 0 <= action < len(mask) and mask[action]):
            raise ValueError(
                f"the critic's action must be 0 (correct) or i in 1..{int(mask.sum()) - 1} "
                f"(segment i-1 is the first wrong one), got {action!r}"
            )
        return int(action)

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        return f"{self._solver.render()}\ncritic: {self.verdict}"
