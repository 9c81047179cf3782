"""Gymnasium registration: one ``Engram-<task>-v0`` id per registered generator.

Registration is data: the ids come from the generator registry, and one loop registers them
with string entry points, so nothing heavy is imported until an env is made.
"""

from __future__ import annotations

import gymnasium as gym

from engram_env.registry import task_names

ENTRY_POINT = "engram_env.env:EngramEnv"


def env_id(task: str) -> str:
    return f"Engram-{task}-v0"


def register_envs() -> list[str]:
    """Register every task's env id (idempotent); return the ids."""
    ids = []
    for task in task_names():
        ids.append(env_id(task))
        if ids[-1] not in gym.registry:
            gym.register(id=ids[-1], entry_point=ENTRY_POINT, kwargs={"task": task})
    return ids
