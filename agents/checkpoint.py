"""Checkpoints: plain ``torch.save`` dicts with their config, written atomically.

A checkpoint holds everything the next update depends on, so ``--resume`` continues exactly as
if the run had never stopped: the model and optimizer state, the run's arguments and model
config, the counters, the trainer's own state (REINFORCE baseline), the problem sampler's numpy
generator, the sampling ``torch.Generator``, and the global RNGs of torch, numpy and Python.
Only plain types and tensors go in, so ``torch.load(weights_only=True)`` reads them.

The bytes are serialised in memory, then ``engram_env.files.atomic_write`` puts them in place
(a temporary file, ``os.replace``): a crash mid-write never leaves a truncated checkpoint under
the real name.
"""

from __future__ import annotations

import io
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engram_env.files import atomic_write

FORMAT_VERSION = 1


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> Path:
    """Atomically write ``state`` (plus format version and global RNG states) to ``path``."""
    payload = {"format_version": FORMAT_VERSION, "global_rng": global_rng_state(), **state}
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return atomic_write(path, buffer.getvalue())


def load_checkpoint(path: str | os.PathLike, map_location="cpu") -> dict[str, Any]:
    """Read a checkpoint written by ``save_checkpoint`` (global RNGs are *not* restored here)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    state = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(state, dict) or state.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path} is not an engram checkpoint (format {FORMAT_VERSION})")
    return state


def global_rng_state() -> dict[str, Any]:
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "numpy": [kind, keys.tolist(), int(pos), int(has_gauss), float(cached)],
        "python": _to_lists(random.getstate()),
    }


def restore_global_rng(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    random.setstate(_to_tuples(state["python"]))


def _to_lists(x):
    return [_to_lists(v) for v in x] if isinstance(x, tuple) else x


def _to_tuples(x):
    return tuple(_to_tuples(v) for v in x) if isinstance(x, list) else x
