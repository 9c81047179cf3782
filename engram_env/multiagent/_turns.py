"""Bookkeeping shared by the turn-based (AEC) games: seeding, reward dicts, dead steps."""

from __future__ import annotations

from typing import Any

from gymnasium.utils import seeding
from pettingzoo import AECEnv


class TurnBasedGame(AECEnv):
    """An AEC env whose subclasses only say whose turn it is and what a move does.

    Subclasses implement ``_new_game(options) -> first agent`` and ``_move(agent, action)``,
    which sets ``self.rewards`` for this move (and ``terminations`` when the game ends).
    """

    def __init__(self) -> None:
        super().__init__()
        self.np_random, _ = seeding.np_random(None)
        self.agents = []

    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        if seed is not None:
            self.np_random, _ = seeding.np_random(seed)
        self.agents = list(self.possible_agents)
        self.rewards = dict.fromkeys(self.agents, 0.0)
        self._cumulative_rewards = dict.fromkeys(self.agents, 0.0)
        self.terminations = dict.fromkeys(self.agents, False)
        self.truncations = dict.fromkeys(self.agents, False)
        self.infos: dict[str, dict[str, Any]] = {agent: {} for agent in self.agents}
        self.agent_selection = self._new_game(options or {})

    def step(self, action: Any) -> None:
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        self._cumulative_rewards[agent] = 0.0
        self._clear_rewards()
        self._move(agent, action)
        self._accumulate_rewards()
        if all(self.terminations[a] or self.truncations[a] for a in self.agents):
            self._deads_step_first()

    def _end_game(self) -> None:
        for agent in self.agents:
            self.terminations[agent] = True

    def _new_game(self, options: dict) -> str:
        raise NotImplementedError

    def _move(self, agent: str, action: Any) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.agents = []
