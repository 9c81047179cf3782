"""Gymnasium registration: one ``Engram-<task>-v0`` id per registered generator, plus
``Engram-tier<N>-v0`` (all tasks of tier N, one drawn per reset) for each tier that has tasks and
``Engram-curriculum-v0`` (every task behind the skill-tree curriculum).

Registration is data: the ids come from the generator registry, and one loop registers them
with string entry points, so nothing heavy is imported until an env is made.
"""

from __future__ import annotations

import gymnasium as gym

from engram_env.registry import select, task_names

ENTRY_POINT = "engram_env.env:EngramEnv"
VECTOR_ENTRY_POINT = "engram_env.vector:EngramVectorEnv"  # what gym.make_vec returns
CURRICULUM_ID = "Engram-curriculum-v0"
CURRICULUM_ENTRY_POINT = "wrappers.curriculum:make_curriculum_env"


def env_id(task: str) -> str:
    return f"Engram-{task}-v0"


def tier_env_id(tier: int) -> str:
    return f"Engram-tier{tier}-v0"


def register_envs() -> list[str]:
    """Register every task's env id and the collection ids (idempotent); return the task ids."""
    ids = []
    for task in task_names():
        ids.append(env_id(task))
        if ids[-1] not in gym.registry:
            gym.register(id=ids[-1], entry_point=ENTRY_POINT, kwargs={"task": task},
                         vector_entry_point=VECTOR_ENTRY_POINT)
    register_collections()
    return ids


def register_collections() -> list[str]:
    """Register ``Engram-tier<N>-v0`` per tier with tasks and ``Engram-curriculum-v0``."""
    tiers: dict[int, list[str]] = {}
    for generator in select():
        tiers.setdefault(generator.tier, []).append(generator.name)
    ids = []
    for tier, names in sorted(tiers.items()):
        ids.append(tier_env_id(tier))
        if ids[-1] not in gym.registry:
            gym.register(id=ids[-1], entry_point=ENTRY_POINT, kwargs={"tasks": names},
                         vector_entry_point=VECTOR_ENTRY_POINT)
    ids.append(CURRICULUM_ID)
    if CURRICULUM_ID not in gym.registry:
        gym.register(id=CURRICULUM_ID, entry_point=CURRICULUM_ENTRY_POINT)
    return ids
