"""Agents: policies, the supervised warm-up, and policy-gradient trainers that fit them.

A policy is an ``nn.Module`` satisfying ``agents.rollout.Policy`` (``forward(idx, start) ->
(logits, values)``, a ``config`` dataclass, optionally a batched ``generate``). ``AGENTS`` maps
an agent name to its model and config classes (as import paths, so nothing heavy is imported
until used); a new model (TRM, ...) plugs into the trainers and ``scripts/train.py --agent``
by adding one entry here. A config class offers ``preset(size, **overrides)``.
"""

from __future__ import annotations

import importlib
from dataclasses import asdict
from typing import Any

AGENTS: dict[str, tuple[str, str]] = {
    "nanochat": ("agents.nanochat:NanoChat", "agents.nanochat:GPTConfig"),
    "trm": ("agents.trm:TRM", "agents.trm:TRMConfig"),
}


def _load(path: str):
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def _entry(agent: str) -> tuple[type, type]:
    if agent not in AGENTS:
        raise ValueError(f"unknown agent {agent!r}; known: {sorted(AGENTS)}")
    model, config = AGENTS[agent]
    return _load(model), _load(config)


def build_policy(agent: str, size: str = "tiny", **overrides: Any):
    """A freshly initialised policy: ``agent`` at preset ``size`` with config ``overrides``."""
    model_cls, config_cls = _entry(agent)
    return model_cls(config_cls.preset(size, **overrides))


def policy_from_config(agent: str, config: dict[str, Any]):
    """Rebuild a policy from a checkpoint's ``asdict(config)`` (weights not loaded)."""
    model_cls, config_cls = _entry(agent)
    return model_cls(config_cls(**config))


def policy_config(policy) -> dict[str, Any]:
    """The policy's config as plain data (tuples as lists), as checkpoints and results store it."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(policy.config).items()}
