"""Duel: N agents solve the same problem at once, one token per agent per step.

Every agent plays its own copy of the single-agent episode (same problem, same reward mode), so
its per-step rewards are exactly ``EngramEnv``'s. The first agent to close a correct answer also
earns ``bonus``; agents closing a correct answer in the same step all earn it (a tie). An agent
leaves ``agents`` when its episode ends; the duel ends when every agent's has.

>>> from engram_env.multiagent import duel_v0
>>> env = duel_v0.parallel_env(task="addition", num_agents=2, difficulty=2)
>>> observations, infos = env.reset(seed=0)
>>> target = infos["solver_0"]["problem"].target_ids
>>> returns = dict.fromkeys(env.possible_agents, 0.0)
>>> for token in target:  # solver_0 writes the reference, solver_1 stalls with <pad>
...     actions = {agent: int(token) if agent == "solver_0" else 0 for agent in env.agents}
...     observations, rewards, terminations, truncations, infos = env.step(actions)
...     for agent, reward in rewards.items():
...         returns[agent] += reward
>>> returns["solver_0"], returns["solver_1"], env.agents
(1.5, 0.0, ['solver_1'])
"""

from __future__ import annotations

from typing import Any

from gymnasium import spaces
from gymnasium.utils import seeding
from pettingzoo import ParallelEnv
from pettingzoo.utils import parallel_to_aec, wrappers

from engram_env.env import EngramEnv, observation_space
from engram_env.problem import TRAIN_SEED_LIMIT
from engram_env.vocab import VOCAB_SIZE


def env(**kwargs: Any):
    """The AEC form, with PettingZoo's order and bounds checks."""
    aec = parallel_to_aec(parallel_env(**kwargs))
    return wrappers.OrderEnforcingWrapper(wrappers.AssertOutOfBoundsWrapper(aec))


def parallel_env(**kwargs: Any) -> "raw_env":
    return raw_env(**kwargs)


class raw_env(ParallelEnv):  # noqa: N801 (PettingZoo's naming convention)
    """Parallel duel over one task (or several: ``tasks=[...]``, one drawn per reset).

    Arguments: ``task``/``tasks``, ``num_agents`` (>= 2), ``difficulty``, ``reward_mode`` (as
    in ``EngramEnv``), ``bonus`` for the first correct answer (>= 0).
    """

    metadata = {"name": "engram_duel_v0", "render_modes": ["ansi"], "is_parallelizable": True}

    def __init__(
        self,
        task: str | None = "addition",
        *,
        tasks: list[str] | None = None,
        num_agents: int = 2,
        difficulty: int = 1,
        reward_mode: str = "step",
        bonus: float = 0.5,
        render_mode: str | None = None,
    ) -> None:
        if not isinstance(num_agents, int) or num_agents < 2:
            raise ValueError(f"num_agents must be an int >= 2, got {num_agents!r}")
        if not bonus >= 0:
            raise ValueError(f"bonus must be >= 0, got {bonus!r}")
        if tasks is not None:
            task = None
        self.possible_agents = [f"solver_{i}" for i in range(num_agents)]
        self._envs = {
            agent: EngramEnv(task, tasks=tasks, difficulty=difficulty, reward_mode=reward_mode,
                             render_mode=render_mode)
            for agent in self.possible_agents
        }
        self._task_names = self._envs[self.possible_agents[0]].task_names
        self.bonus = float(bonus)
        self.render_mode = render_mode
        self._observation_space = observation_space()
        self._action_space = spaces.Discrete(VOCAB_SIZE)
        self.agents: list[str] = []
        self._np_random, _ = seeding.np_random(None)
        self._winner_found = False

    def observation_space(self, agent: str) -> spaces.Dict:
        return self._observation_space

    def action_space(self, agent: str) -> spaces.Discrete:
        return self._action_space

    def reset(self, seed: int | None = None, options: dict | None = None):
        if seed is not None:
            self._np_random, _ = seeding.np_random(seed)
        task = self._task_names[int(self._np_random.integers(len(self._task_names)))]
        episode = {"task": task, "problem_seed": int(self._np_random.integers(TRAIN_SEED_LIMIT))}
        if options and "difficulty" in options:
            episode["difficulty"] = options["difficulty"]
        self.agents = list(self.possible_agents)
        self._winner_found = False
        observations, infos = {}, {}
        for agent in self.agents:
            observations[agent], infos[agent] = self._envs[agent].reset(options=episode)
        return observations, infos

    def step(self, actions: dict[str, int]):
        missing = set(self.agents) - set(actions)
        extra = set(actions) - set(self.agents)
        if missing or extra:
            raise ValueError(
                f"step() needs one action for each live agent {self.agents}; "
                f"missing {sorted(missing)}, not live {sorted(extra)}"
            )
        observations, rewards, terminations, truncations, infos = {}, {}, {}, {}, {}
        winners = []
        for agent in self.agents:
            out = self._envs[agent].step(actions[agent])
            observations[agent], rewards[agent], terminations[agent], truncations[agent], infos[agent] = out
            if infos[agent].get("answer_correct") and terminations[agent]:
                winners.append(agent)
        if winners and not self._winner_found:
            self._winner_found = True
            for agent in winners:
                rewards[agent] += self.bonus
                infos[agent]["won"] = True
        self.agents = [a for a in self.agents if not (terminations[a] or truncations[a])]
        return observations, rewards, terminations, truncations, infos

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        return "\n\n".join(f"[{agent}]\n{self._envs[agent].render()}" for agent in self.possible_agents)

    def close(self) -> None:
        self.agents = []
