"""The evaluation harness: any agent, any task set, one protocol, one versioned results file.

``evaluate(agent, config)`` draws a fixed set of held-out problems, has the agent write
solutions in batches (``agents.baselines.Solver``), grades every solution with the env's own
rules (``engram_env.scoring.Scorer``, which replays the tokens through an ``EngramEnv``) and
returns ``EvalResults``: sufficient statistics per (task, difficulty) cell, from which every
metric and every grouping (task, difficulty, tier, domain, pattern, overall) is computed.
``write_results``/``read_results`` store them as a versioned JSON document, written atomically
and checked on reading.

Design choices, and why:

- **Held-out seeds.** Problem i of every (task, difficulty) cell is made from
  ``engram_env.eval_seed(seed_offset + i) = 2**62 + seed_offset + i``. Training envs and
  ``TaskSampler`` draw episode seeds below ``TRAIN_SEED_LIMIT = 2**62``, so no evaluated
  problem was ever drawn in training, by construction. Every agent sees the same problems.
- **One grader.** Verdicts come from a ``"step"``-mode ``Scorer``: the return of each token says
  which reference slot (step i, or the answer) it closed correctly. Nothing here re-implements a
  reward rule; with ``reward_mode="char"`` or ``"final"`` the return is scored a second time in
  that mode.
- **The same output budget for every agent.** An agent may write at most
  ``ceil(1.5 * longest reference target in the cell) + 8`` tokens (capped at 512; a fixed
  ``max_new_tokens`` overrides it), as ``agents.rollout.max_new_tokens_for`` does for training.
  It reveals nothing of a solution and stops an untrained policy from decoding 512 tokens per
  attempt. Solvers take it through their ``max_new_tokens`` attribute (``RandomSolver``:
  ``max_tokens``).
- **Wilson score intervals.** Answer accuracy gets a 95% Wilson score interval rather than the
  normal approximation (which collapses to a zero-width interval at 0% and 100%, where the
  baselines sit) or Clopper-Pearson (conservative: wider than its nominal level). The unit of
  independence is the *problem*: with ``samples`` attempts per problem, p is the mean of the
  per-problem accuracies and n the number of problems, so repeated samples of one problem do
  not pretend to be independent trials (with one sample this is the textbook interval).
- **Consistency** is the pairwise answer agreement over a problem's samples: the fraction of
  ordered pairs of distinct samples that end with the same answer text (samples that wrote no
  answer agree only if their whole outputs are equal), averaged over problems. 1.0 for a
  deterministic agent, near 0 for one whose answers are noise; ``None`` with one sample.
- **First wrong step.** The reference slots of a problem with K steps are the steps 0..K-1 and
  the answer, slot K. For each attempt that got any slot wrong, the first wrong slot's index
  (= the number of leading slots it got right); ``first_wrong_step`` averages it over those
  attempts and ``first_wrong_fraction`` averages index / (K + 1), which pools across tasks.
- **Tokens/s** is tokens the agent wrote divided by the wall time spent inside ``solve``
  (grading excluded), so it measures the agent, not the grader. A deterministic agent (the
  oracle, greedy decoding: ``Agent.deterministic``) is asked once per problem and its solution
  repeated for the other samples, so its consistency is 1 by construction.

Agents are made by kind from a small registry (``AGENT_KINDS``): ``random``, ``oracle``,
``answer-only``, ``nanochat`` (a ``torch.save`` checkpoint), ``trm`` and ``sb3`` (a model
``.zip``); ``load_agent("nanochat:checkpoints/run.pt")`` returns an ``Agent`` with its
identity (kind, parameters, checkpoint path and SHA-256, training steps).

>>> results = evaluate(load_agent("oracle"), EvalConfig(tasks=("addition",), difficulties=(1,),
...                    problems=4), progress=False)
>>> m = results.summary()
>>> m["answer_accuracy"], m["step_accuracy"], m["mean_return"], m["answer_ci"][1]
(1.0, 1.0, 1.0, 1.0)
>>> round(m["answer_ci"][0], 3)  # Wilson lower bound for 4 of 4
0.51
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import inspect
import itertools
import json
import math
import os
import platform
import re
import sys
import textwrap
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np

from engram_env.files import atomic_write
from engram_env.generator import check_difficulty
from engram_env.problem import MAX_TARGET_TOKENS, TRAIN_SEED_LIMIT, Problem, eval_seed
from engram_env.registry import get_generator, select
from engram_env.scoring import Score, Scorer
from engram_env.vocab import EOS, STEP, encode  # noqa: F401  (encode: the doctests use it)

SCHEMA = "engram-eval"
SCHEMA_VERSION = 1
ENV_VERSION = "v0"  # the Engram-<task>-v0 reward rules these results were graded with
CI_METHOD = "wilson"
DEFAULT_DIFFICULTIES = (1, 5, 10)
GROUPS = ("task", "difficulty", "tier", "domain", "pattern")  # groupings every results file has


class ResultsError(ValueError):
    """A results file that cannot be used: unreadable, corrupt, of another schema or version."""


class AgentLoadError(ValueError):
    """An agent spec that cannot be turned into an agent (unknown kind, missing file/module)."""


# -- statistics --------------------------------------------------------------------------------


def wilson_interval(successes: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion ``successes / n``.

    The set of p for which the score test |p_hat - p| / sqrt(p (1 - p) / n) <= z does not
    reject, z the two-sided normal quantile. ``successes`` may be fractional (a mean of
    per-problem accuracies times n). With n = 0 nothing is known: (0, 1).

    >>> [round(x, 4) for x in wilson_interval(81, 263)]  # Newcombe (1998), Table I
    [0.2553, 0.3662]
    >>> wilson_interval(0, 20)[0], round(wilson_interval(0, 20)[1], 4)
    (0.0, 0.1611)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"expected 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / n
    denominator = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, center - half)  # exact at the ends, where
    high = 1.0 if successes == n else min(1.0, center + half)  # rounding would leave 1e-17
    return low, high


# -- configuration and results -----------------------------------------------------------------


def select_tasks(tasks: Iterable[str] | str | None = None, *, tier: int | None = None,
                 domain: str | None = None, pattern: str | None = None) -> list[str]:
    """Task names of a task set: explicit ``tasks`` (names, ``Engram-<task>-v0`` ids,
    ``Engram-tier<N>-v0`` ids, ``"all"``; a comma-separated string works too), filtered by
    ``tier``, ``domain`` and ``pattern``. Sorted by tier then name; an empty set is an error.

    >>> select_tasks("Engram-gcd-v0,addition")
    ['addition', 'gcd']
    >>> len(select_tasks("all")) == len(select_tasks())
    True
    """
    if isinstance(tasks, str):
        tasks = [t for t in (p.strip() for p in tasks.split(",")) if t]
    names: set[str] | None = None
    if tasks:
        names = set()
        for spec in tasks:
            if spec == "all":
                names.update(g.name for g in select())
                continue
            tier_id = re.fullmatch(r"Engram-tier(\d+)-v0", spec)
            if tier_id:
                found = select(tier=int(tier_id.group(1)))
                if not found:
                    raise ValueError(f"no task has tier {tier_id.group(1)} ({spec!r})")
                names.update(g.name for g in found)
                continue
            name = re.fullmatch(r"Engram-(.+)-v0", spec)
            names.add(get_generator(name.group(1) if name else spec).name)  # unknown: close matches
    filtered = [g for g in select(tier=tier, domain=domain, pattern=pattern)
                if names is None or g.name in names]
    if not filtered:
        asked = {k: v for k, v in {"tasks": tasks, "tier": tier, "domain": domain,
                                   "pattern": pattern}.items() if v is not None}
        raise ValueError(f"no task matches {asked} (`engram list` shows tiers, domains and "
                         "patterns)")
    return [g.name for g in filtered]


@dataclass(frozen=True)
class EvalConfig:
    """What is evaluated: the same config gives every agent exactly the same problems."""

    tasks: tuple[str, ...]  # task names (see select_tasks)
    difficulties: tuple[int, ...] = DEFAULT_DIFFICULTIES
    problems: int = 20  # distinct problems per (task, difficulty) cell
    samples: int = 1  # attempts per problem (>= 2 measures consistency)
    seed_offset: int = 0  # problem i uses eval_seed(seed_offset + i)
    reward_mode: str = "step"  # the return's reward mode; verdicts always use "step"
    max_new_tokens: int | None = None  # None: the per-cell budget rule (module docstring)
    confidence: float = 0.95

    def __post_init__(self) -> None:
        object.__setattr__(self, "tasks", tuple(self.tasks))
        object.__setattr__(self, "difficulties", tuple(self.difficulties))
        if not self.tasks:
            raise ValueError("EvalConfig.tasks: expected at least one task")
        for task in self.tasks:
            get_generator(task)
        if len(set(self.tasks)) != len(self.tasks):
            raise ValueError(f"EvalConfig.tasks: duplicate task names in {self.tasks}")
        if not self.difficulties:
            raise ValueError("EvalConfig.difficulties: expected at least one difficulty")
        for d in self.difficulties:
            check_difficulty(d)
        for name in ("problems", "samples"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"EvalConfig.{name}: expected a positive integer, got {value!r}")
        eval_seed(self.seed_offset)
        eval_seed(self.seed_offset + self.problems - 1)
        Scorer(self.reward_mode)  # checks the mode
        if self.max_new_tokens is not None and not 1 <= self.max_new_tokens <= MAX_TARGET_TOKENS:
            raise ValueError(f"EvalConfig.max_new_tokens: expected None or 1..{MAX_TARGET_TOKENS},"
                             f" got {self.max_new_tokens}")
        if not 0 < self.confidence < 1:
            raise ValueError(f"EvalConfig.confidence: expected a value in (0, 1), "
                             f"got {self.confidence}")

    def suite(self) -> dict[str, Any]:
        """What must match for two results to be comparable (``samples`` may differ)."""
        return {"tasks": sorted(self.tasks), "difficulties": sorted(self.difficulties),
                "problems": self.problems, "seed_offset": self.seed_offset,
                "reward_mode": self.reward_mode, "max_new_tokens": self.max_new_tokens,
                "confidence": self.confidence}

    def seeds(self) -> list[int]:
        return [eval_seed(self.seed_offset + i) for i in range(self.problems)]


@dataclass(frozen=True)
class AgentIdentity:
    """Who was evaluated: enough to tell two agents apart and to find the weights again."""

    name: str  # the leaderboard label
    kind: str  # a key of AGENT_KINDS, or "custom"
    params: dict[str, Any] = field(default_factory=dict)  # what the agent was loaded with
    checkpoint: str | None = None  # path as given
    checkpoint_sha256: str | None = None
    training_steps: int | None = None
    details: dict[str, Any] = field(default_factory=dict)  # e.g. parameter count, model config


@dataclass(frozen=True)
class Cell:
    """Sufficient statistics of one (task, difficulty) cell: every metric derives from these."""

    task: str
    difficulty: int
    tier: int
    domain: str
    pattern: str
    problems: int = 0  # distinct problems
    attempts: int = 0  # problems x samples
    answer_successes: float = 0.0  # sum over problems of the share of its samples answered right
    answers_correct: int = 0  # attempts with a correct answer
    steps_correct: int = 0
    steps_total: int = 0
    return_sum: float = 0.0
    tokens: int = 0  # tokens written (graded length: through <eos> or the budget)
    unfinished: int = 0  # attempts that never wrote <eos>
    errors: int = 0  # attempts with at least one wrong slot
    first_wrong_sum: int = 0  # sum over erring attempts of the first wrong slot's index
    first_wrong_fraction_sum: float = 0.0  # ... of index / (K + 1)
    agreement_sum: float = 0.0  # sum over problems of the pairwise answer agreement
    agreement_problems: int = 0  # problems with >= 2 samples
    solve_seconds: float = 0.0  # wall time inside the agent's solve()
    generated_tokens: int = 0  # tokens solve() returned (a deterministic agent is asked once)

    @property
    def key(self) -> tuple[str, int]:
        return self.task, self.difficulty


COUNT_FIELDS = tuple(f.name for f in dataclasses.fields(Cell))[5:]


def pool(cells: Iterable[Cell]) -> dict[str, float]:
    """The counts of ``cells`` summed (micro-pooling: every problem weighs the same)."""
    total = dict.fromkeys(COUNT_FIELDS, 0)
    for cell in cells:
        for name in COUNT_FIELDS:
            total[name] += getattr(cell, name)
    return total


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def metrics(counts: Mapping[str, float], confidence: float = 0.95) -> dict[str, Any]:
    """Every reported metric from pooled counts (``pool`` or a ``Cell``'s fields).

    Undefined values (no steps to check, no erring attempt, one sample) are ``None``.
    """
    c = counts
    return {
        "problems": int(c["problems"]),
        "attempts": int(c["attempts"]),
        "answer_accuracy": _ratio(c["answer_successes"], c["problems"]),
        "answer_ci": list(wilson_interval(min(c["answer_successes"], c["problems"]),
                                          c["problems"], confidence)),
        "step_accuracy": _ratio(c["steps_correct"], c["steps_total"]),
        "first_wrong_step": _ratio(c["first_wrong_sum"], c["errors"]),
        "first_wrong_fraction": _ratio(c["first_wrong_fraction_sum"], c["errors"]),
        "perfect_rate": _ratio(c["attempts"] - c["errors"], c["attempts"]),
        "mean_return": _ratio(c["return_sum"], c["attempts"]),
        "mean_length": _ratio(c["tokens"], c["attempts"]),
        "unfinished_rate": _ratio(c["unfinished"], c["attempts"]),
        "consistency": _ratio(c["agreement_sum"], c["agreement_problems"]),
        "tokens_per_s": _ratio(c["generated_tokens"], c["solve_seconds"]),
    }


def _cell_counts(cell: Cell) -> dict[str, float]:
    return {name: getattr(cell, name) for name in COUNT_FIELDS}


@dataclass(frozen=True)
class EvalResults:
    """One agent's evaluation: identity, config and per-cell statistics (see ``metrics``)."""

    agent: AgentIdentity
    config: EvalConfig
    cells: tuple[Cell, ...]
    created: str = ""  # ISO 8601, UTC
    environment: dict[str, Any] = field(default_factory=dict)  # versions, platform, device
    schema_version: int = SCHEMA_VERSION

    def summary(self) -> dict[str, Any]:
        """Metrics over every cell."""
        return metrics(pool(self.cells), self.config.confidence)

    def groups(self, by: str) -> dict[str, dict[str, Any]]:
        """Metrics per value of ``by`` (one of ``GROUPS``), keyed by that value as a string."""
        if by not in GROUPS:
            raise ValueError(f"group by one of {GROUPS}, got {by!r}")
        buckets: dict[str, list[Cell]] = {}
        for cell in sorted(self.cells, key=lambda c: (getattr(c, by), c.tier, c.task,
                                                      c.difficulty)):
            buckets.setdefault(str(getattr(cell, by)), []).append(cell)
        return {k: metrics(pool(v), self.config.confidence) for k, v in buckets.items()}

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (derived metrics included for readers; checked on reading)."""
        return {
            "schema": SCHEMA,
            "schema_version": self.schema_version,
            "env_version": ENV_VERSION,
            "created": self.created,
            "agent": dataclasses.asdict(self.agent),
            "config": {**dataclasses.asdict(self.config),
                       "seed_domain": {"train_seeds_below": TRAIN_SEED_LIMIT,
                                       "first_eval_seed": eval_seed(self.config.seed_offset),
                                       "rule": "problem i of each cell: eval_seed(seed_offset+i)"},
                       "ci_method": CI_METHOD},
            "environment": self.environment,
            "summary": self.summary(),
            "groups": {by: self.groups(by) for by in GROUPS},
            "cells": [{**dataclasses.asdict(c), "metrics": metrics(_cell_counts(c),
                                                                   self.config.confidence)}
                      for c in self.cells],
        }

    @classmethod
    def from_dict(cls, doc: Any, source: str = "results") -> EvalResults:
        """Parse and check a results document; ``ResultsError`` says exactly what is wrong."""
        if not isinstance(doc, dict):
            raise ResultsError(f"{source}: expected a JSON object, got {type(doc).__name__}")
        if doc.get("schema") != SCHEMA:
            raise ResultsError(f"{source}: not an engram evaluation results file (expected "
                               f"\"schema\": \"{SCHEMA}\", got {doc.get('schema')!r})")
        version = doc.get("schema_version")
        if version != SCHEMA_VERSION:
            newer = isinstance(version, int) and version > SCHEMA_VERSION
            raise ResultsError(
                f"{source}: schema_version {version!r} is not supported (this reader knows "
                f"version {SCHEMA_VERSION}); "
                + ("it was written by a newer engram-env: upgrade" if newer else
                   "re-run scripts/evaluate.py to regenerate it"))
        if doc.get("env_version") != ENV_VERSION:
            raise ResultsError(f"{source}: graded with env version {doc.get('env_version')!r}, "
                               f"this checkout grades with {ENV_VERSION!r}; re-evaluate")
        try:
            agent = AgentIdentity(**_fields(doc["agent"], AgentIdentity, f"{source}: agent"))
            config_doc = {k: v for k, v in _object(doc["config"], f"{source}: config").items()
                          if k not in ("seed_domain", "ci_method")}
            config = EvalConfig(**_fields(config_doc, EvalConfig, f"{source}: config"))
            cells = tuple(Cell(**_fields({k: v for k, v in _object(c, where).items()
                                          if k != "metrics"}, Cell, where))
                          for i, c in enumerate(_list(doc["cells"], f"{source}: cells"))
                          for where in [f"{source}: cells[{i}]"])
            results = cls(agent, config, cells, doc.get("created", ""),
                          doc.get("environment", {}), version)
        except KeyError as e:
            raise ResultsError(f"{source}: missing field {e.args[0]!r}") from None
        except (TypeError, ValueError, AttributeError) as e:
            if isinstance(e, ResultsError):
                raise
            raise ResultsError(f"{source}: invalid content: {e}") from None
        results.check(source)
        if doc.get("summary") is not None and not _close(doc["summary"], results.summary()):
            raise ResultsError(f"{source}: its summary disagrees with its cells (edited by hand, "
                               "or truncated?); re-run scripts/evaluate.py")
        for by, stored in (doc.get("groups") or {}).items():
            if by not in GROUPS or not _close(stored, results.groups(by)):
                raise ResultsError(f"{source}: its groups[{by!r}] disagree with its cells "
                                   "(edited by hand?); re-run scripts/evaluate.py")
        return results

    def check(self, source: str = "results") -> None:
        """Raise ``ResultsError`` unless the cells are exactly the config's task x difficulty grid
        with consistent counts."""
        expected = {(t, d) for t in self.config.tasks for d in self.config.difficulties}
        seen = Counter(c.key for c in self.cells)
        missing = sorted(expected - set(seen))
        extra = sorted(set(seen) - expected)
        twice = sorted(k for k, n in seen.items() if n > 1)
        if missing or extra or twice:
            raise ResultsError(
                f"{source}: cells do not match its config: "
                + "; ".join(f"{what} {', '.join(f'{t}@{d}' for t, d in keys[:5])}"
                            f"{' ...' if len(keys) > 5 else ''}"
                            for what, keys in (("missing", missing), ("unexpected", extra),
                                               ("repeated", twice)) if keys))
        for c in self.cells:
            for name in COUNT_FIELDS:
                value = getattr(c, name)
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise ResultsError(f"{source}: cell {c.task}@{c.difficulty}: {name} must be "
                                       f"a non-negative number, got {value!r}")
            if (c.problems != self.config.problems
                    or c.attempts != c.problems * self.config.samples
                    or c.answers_correct > c.attempts or c.steps_correct > c.steps_total
                    or c.errors > c.attempts or c.answer_successes > c.problems + 1e-9):
                raise ResultsError(f"{source}: cell {c.task}@{c.difficulty} has inconsistent "
                                   f"counts (problems={c.problems}, attempts={c.attempts}, "
                                   f"config problems={self.config.problems} x samples="
                                   f"{self.config.samples})")


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise ResultsError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _object(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise ResultsError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _fields(value: Any, cls: type, where: str) -> dict[str, Any]:
    """``value`` as keyword arguments of dataclass ``cls``: unknown or missing names are errors."""
    _object(value, where)
    names = {f.name for f in dataclasses.fields(cls)}
    required = {f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    unknown, missing = sorted(set(value) - names), sorted(required - set(value))
    if unknown or missing:
        raise ResultsError(f"{where}: " + "; ".join(
            f"{what} field(s) {', '.join(map(repr, keys))}"
            for what, keys in (("missing", missing), ("unknown", unknown)) if keys))
    return value


def _close(a: Any, b: Any) -> bool:
    """Equality of JSON-like values, floats to 1e-9 (relative)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} {value!r} in a results file")


def write_results(results: EvalResults, path: str | os.PathLike) -> Path:
    """Store ``results`` as JSON at ``path`` (atomically; folders are created)."""
    text = json.dumps(results.to_dict(), indent=1, default=_json_default, allow_nan=False)
    return atomic_write(path, text + "\n")


def read_results(path: str | os.PathLike) -> EvalResults:
    """Load and check a results file; ``ResultsError`` names the file and what is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such results file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ResultsError(f"{path}: cannot read it ({e})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ResultsError(f"{path}: not valid JSON (line {e.lineno}, column {e.colno}: "
                           f"{e.msg}); the file is corrupt or truncated") from None
    return EvalResults.from_dict(doc, str(path))


# -- agents ------------------------------------------------------------------------------------


@dataclass
class Agent:
    """A solver with its identity. ``solve`` gives the solver the cell's output budget first.

    A ``deterministic`` agent (the oracle, greedy decoding) writes the same solution every time:
    the harness asks it once per problem and repeats the answer for the other samples.
    """

    solver: Any  # agents.baselines.Solver
    identity: AgentIdentity
    deterministic: bool = False

    def solve(self, problems: Sequence[Problem], max_new_tokens: int) -> list[np.ndarray]:
        for budget in ("max_new_tokens", "max_tokens"):
            if hasattr(self.solver, budget):
                setattr(self.solver, budget, max_new_tokens)
        return self.solver.solve(problems)


@dataclass(frozen=True)
class AgentKind:
    """How to make agents of one kind: ``load(path, params) -> Agent``."""

    load: Callable[[str | None, dict[str, Any]], Agent]
    params: dict[str, Any]  # accepted parameters and their defaults
    path: str  # "none", "required"
    summary: str
    module: str | None = None  # a module the kind needs (missing: a clear error)


def _baseline(kind: str) -> Callable[[str | None, dict[str, Any]], Agent]:
    def load(path: str | None, params: dict[str, Any]) -> Agent:
        from agents.baselines import BASELINES

        solver = BASELINES[kind](**params)
        return Agent(solver, AgentIdentity(name=kind, kind=kind, params=params),
                     deterministic=kind != "random")
    return load


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_STATE_KEYS = ("model", "state_dict", "model_state_dict", "policy")
_CONFIG_KEYS = ("model_config", "config", "gpt_config")
_STEP_KEYS = ("update", "training_steps", "global_step", "step", "steps", "iteration")
_KIND_KEYS = ("agent", "kind", "model_kind")  # scripts/train.py stores the agent name as "agent"


def _torch_checkpoint(path: str, device: str) -> dict[str, Any]:
    import torch

    try:  # agents.checkpoint stores only plain types and tensors
        checkpoint = torch.load(path, map_location=device, weights_only=True)
    except Exception as safe_error:  # noqa: BLE001  a pickled object: a trusted local file
        try:
            checkpoint = torch.load(path, map_location=device, weights_only=False)
        except Exception:  # noqa: BLE001  torch raises many kinds for a non-checkpoint
            raise AgentLoadError(f"{path}: not a torch checkpoint ({safe_error})") from None
    if not isinstance(checkpoint, dict):
        raise AgentLoadError(f"{path}: expected a torch.save dict with the model's config and "
                             f"weights, got {type(checkpoint).__name__}")
    return checkpoint


def _first(checkpoint: dict[str, Any], keys: Sequence[str]) -> Any:
    return next((checkpoint[k] for k in keys if k in checkpoint), None)


def _training_steps(checkpoint: dict[str, Any]) -> int | None:
    step = _first(checkpoint, _STEP_KEYS)
    return int(step) if isinstance(step, (int, np.integer)) and not isinstance(step, bool) else None


def _build_policy(kind: str, config: Any, checkpoint: dict[str, Any]):
    """A fresh policy of ``kind`` from a checkpoint's config: ``agents.AGENTS`` (what
    ``scripts/train.py`` trains) first, else the kind's module hook ``load_policy``."""
    import importlib

    import agents

    if kind in agents.AGENTS:
        if dataclasses.is_dataclass(config):
            config = dataclasses.asdict(config)
        return agents.policy_from_config(kind, dict(config))
    module = importlib.import_module(AGENT_KINDS[kind].module)
    hook = getattr(module, "load_policy", None)
    if hook is None:
        raise AgentLoadError(f"{module.__name__} has no load_policy(config, checkpoint) and "
                             f"agents.AGENTS has no {kind!r} entry: cannot rebuild a {kind} policy")
    return hook(config, checkpoint)


def _load_policy_checkpoint(kind: str, path: str | None, params: dict[str, Any]) -> Agent:
    """A ``torch.save`` policy checkpoint (``agents.checkpoint``'s layout: ``"agent"``,
    ``"model_config"``, ``"model"``, ``"update"``) as a ``PolicySolver``."""
    from agents.baselines import PolicySolver

    checkpoint = _torch_checkpoint(path, params["device"])
    state, config = _first(checkpoint, _STATE_KEYS), _first(checkpoint, _CONFIG_KEYS)
    if state is None or config is None:
        raise AgentLoadError(
            f"{path}: a {kind} checkpoint needs the weights (one of {_STATE_KEYS}) and the config "
            f"(one of {_CONFIG_KEYS}); it has keys {sorted(checkpoint)}")
    saved_kind = _first(checkpoint, _KIND_KEYS)
    if isinstance(saved_kind, str) and saved_kind in AGENT_KINDS and saved_kind != kind:
        raise AgentLoadError(f"{path} is a {saved_kind!r} checkpoint, not {kind!r}: use "
                             f"--agent {saved_kind}:{path}")
    try:
        policy = _build_policy(kind, config, checkpoint)
        policy.load_state_dict(state)
    except AgentLoadError:
        raise
    except Exception as e:  # noqa: BLE001  any failure to rebuild: say which file
        raise AgentLoadError(f"{path}: cannot rebuild the {kind} policy from it: {e}") from None
    policy.to(params["device"]).eval()
    if "adaptive_depth" in params and hasattr(policy, "adaptive_depth"):
        policy.adaptive_depth = bool(params["adaptive_depth"])  # TRM: halt per problem
    solver = PolicySolver(policy, MAX_TARGET_TOKENS, name=kind, temperature=params["temperature"],
                          batch_size=params["batch_size"], seed=params["seed"])
    config_dict = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(config)
    config_dict = json.loads(json.dumps(config_dict, default=_json_default))  # as results store it
    details = {"num_params": sum(p.numel() for p in policy.parameters()), "config": config_dict}
    if isinstance(checkpoint.get("run_name"), str):
        details["run_name"] = checkpoint["run_name"]
    return Agent(solver, AgentIdentity(
        name=f"{kind}-{checkpoint_label(path)}", kind=kind,
        params=params, checkpoint=str(path), checkpoint_sha256=file_sha256(path),
        training_steps=_training_steps(checkpoint), details=details),
        deterministic=params["temperature"] == 0)


def checkpoint_label(path: str | os.PathLike) -> str:
    """A short label for a checkpoint: its file stem, or for ``<run name>/latest.pt`` the run
    (``Engram-addition-v0__grpo__1__1700000000`` -> ``grpo-addition-s1``).

    >>> checkpoint_label("checkpoints/Engram-addition-v0__grpo__1__1700000000/latest.pt")
    'grpo-addition-s1'
    >>> checkpoint_label("models/mine.pt")
    'mine'
    """
    path = Path(path)
    stem = path.parent.name if path.stem in ("latest", "best", "final", "model") else path.stem
    parts = stem.split("__")
    if len(parts) == 4:  # scripts/train.py's {env_id}__{exp_name}__{seed}__{time}
        env = re.sub(r"^Engram-(.+)-v0$", r"\1", parts[0])
        return f"{parts[1]}-{env}-s{parts[2]}"
    return stem


def _load_nanochat(path: str | None, params: dict[str, Any]) -> Agent:
    return _load_policy_checkpoint("nanochat", path, params)


def _load_trm(path: str | None, params: dict[str, Any]) -> Agent:
    return _load_policy_checkpoint("trm", path, params)


def sb3_algorithm(path: str) -> str:
    """Which SB3 algorithm saved the model ``.zip`` at ``path`` (a key of ``ALGORITHMS``)."""
    try:
        with zipfile.ZipFile(path) as z:
            data = json.loads(z.read("data"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, OSError) as e:
        raise AgentLoadError(f"{path}: not a stable-baselines3 model .zip ({e})") from None
    policy = json.dumps(data.get("policy_class", ""))
    if "Maskable" in policy or "sb3_contrib" in policy:
        return "maskable_ppo"
    return "ppo" if "clip_range" in data else "a2c"


def _load_sb3(path: str | None, params: dict[str, Any]) -> Agent:
    from agents.sb3 import ALGORITHMS, SB3Solver

    algo = params["algo"] if params["algo"] != "auto" else sb3_algorithm(path)
    if algo not in ALGORITHMS:
        raise AgentLoadError(f"sb3 algo must be 'auto' or one of {sorted(ALGORITHMS)}, "
                             f"got {algo!r}")
    try:
        model = ALGORITHMS[algo].load(path, device=params["device"])
    except Exception as e:  # noqa: BLE001  any failure to rebuild: say which file
        raise AgentLoadError(f"{path}: cannot load it as a {algo} model: {e}") from None
    mask = None
    if params["mask_pad"]:
        from engram_env.vocab import PAD, VOCAB_SIZE

        mask = np.ones(VOCAB_SIZE, dtype=bool)
        mask[PAD] = False
    solver = SB3Solver(model, reward_mode=params["reward_mode"],
                       deterministic=params["deterministic"], action_mask=mask,
                       batch_size=params["batch_size"], name="sb3")
    return Agent(solver, AgentIdentity(
        name=f"sb3-{checkpoint_label(path)}", kind="sb3", params={**params, "algo": algo},
        checkpoint=str(path), checkpoint_sha256=file_sha256(path),
        training_steps=int(model.num_timesteps),
        details={"num_params": sum(p.numel() for p in model.policy.parameters()),
                 "algorithm": type(model).__name__}),
        deterministic=bool(params["deterministic"]))


_POLICY_PARAMS = {"temperature": 0.0, "seed": 0, "batch_size": 256, "device": "cpu"}

AGENT_KINDS: dict[str, AgentKind] = {
    "random": AgentKind(_baseline("random"), {"seed": 0}, "none",
                        "uniformly random tokens (the floor)"),
    "oracle": AgentKind(_baseline("oracle"), {}, "none",
                        "the reference solution (100% by construction)"),
    "answer-only": AgentKind(_baseline("answer-only"), {}, "none",
                             "the reference answer without steps (return 0.5)"),
    "nanochat": AgentKind(_load_nanochat, dict(_POLICY_PARAMS), "required",
                          "a nanochat GPT checkpoint (torch.save dict: config + weights)",
                          module="agents.nanochat"),
    "trm": AgentKind(_load_trm, {**_POLICY_PARAMS, "adaptive_depth": True}, "required",
                     "a TRM checkpoint (torch.save dict: config + weights)", module="agents.trm"),
    "sb3": AgentKind(_load_sb3, {"algo": "auto", "reward_mode": "step", "deterministic": True,
                                 "mask_pad": False, "batch_size": 128, "device": "cpu"},
                     "required", "a stable-baselines3 model .zip (PPO, A2C, MaskablePPO)",
                     module="agents.sb3"),
}


def parse_agent_spec(spec: str) -> tuple[str, str | None]:
    """``"KIND"`` or ``"KIND:PATH"`` -> (kind, path or None)."""
    kind, _, path = spec.partition(":")
    return kind.strip(), (path.strip() or None)


def load_agent(spec: str, params: Mapping[str, Any] | None = None, *,
               name: str | None = None) -> Agent:
    """The agent of ``spec`` (``"oracle"``, ``"nanochat:checkpoints/run.pt"``, ``"sb3:m.zip"``).

    ``params`` override the kind's defaults (``AGENT_KINDS[kind].params``); a parameter the kind
    does not take is an error. ``name`` replaces the default leaderboard label.
    """
    kind, path = parse_agent_spec(spec)
    if kind not in AGENT_KINDS:
        import difflib

        close = difflib.get_close_matches(kind, AGENT_KINDS, n=1)
        raise AgentLoadError(f"unknown agent kind {kind!r} in {spec!r}"
                             + (f"; did you mean {close[0]!r}?" if close else "")
                             + f" (known: {', '.join(AGENT_KINDS)})")
    entry = AGENT_KINDS[kind]
    params = dict(params or {})
    unknown = sorted(set(params) - set(entry.params))
    if unknown:
        raise AgentLoadError(f"agent kind {kind!r} takes no parameter(s) {unknown}; it takes "
                             f"{sorted(entry.params) or 'none'}")
    if entry.path == "none" and path is not None:
        raise AgentLoadError(f"agent kind {kind!r} takes no path, got {spec!r}")
    if entry.path == "required":
        if path is None:
            raise AgentLoadError(f"agent kind {kind!r} needs a file: --agent {kind}:PATH")
        if not Path(path).is_file():
            raise AgentLoadError(f"{kind} checkpoint {path!r} does not exist")
    if entry.module is not None:
        import importlib.util

        if importlib.util.find_spec(entry.module) is None:
            raise AgentLoadError(f"agent kind {kind!r} needs the module {entry.module}, which "
                                 "this checkout does not have (yet)")
    agent = entry.load(path, {**entry.params, **params})
    if name is not None:
        agent.identity = dataclasses.replace(agent.identity, name=name)
    return agent


def detect_kind(path: str | os.PathLike) -> str | None:
    """The agent kind of a checkpoint file, from its contents; None when it is not one.

    ``.zip`` with SB3's ``data`` entry: ``"sb3"``. ``torch.save`` dict: its ``"kind"``/``"agent"``
    entry if it names a kind, else ``"nanochat"``.
    """
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            if "data" in z.namelist() and "policy.pth" in z.namelist():
                return "sb3"
            if not any(n.endswith("data.pkl") for n in z.namelist()):
                return None  # a zip, but neither SB3's nor torch.save's
    if path.suffix not in (".pt", ".pth", ".ckpt"):
        return None
    try:
        checkpoint = _torch_checkpoint(str(path), "cpu")
    except AgentLoadError:
        return None
    named = _first(checkpoint, _KIND_KEYS)
    if isinstance(named, str) and named in AGENT_KINDS:
        return named
    return "nanochat" if _first(checkpoint, _STATE_KEYS) is not None else None


def find_checkpoints(root: str | os.PathLike) -> list[tuple[str, Path]]:
    """Every (kind, path) checkpoint under ``root`` (recursively), sorted by path."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".pt", ".pth", ".ckpt", ".zip"):
            kind = detect_kind(path)
            if kind is not None:
                found.append((kind, path))
    return found


# -- the harness -------------------------------------------------------------------------------


def output_budget(problems: Sequence[Problem]) -> int:
    """Tokens an agent may write for these problems: 1.5x the longest reference + 8, <= 512."""
    longest = max(len(p.target_ids) for p in problems)
    return min(MAX_TARGET_TOKENS, math.ceil(1.5 * longest) + 8)


def make_problems(config: EvalConfig) -> dict[tuple[str, int], list[Problem]]:
    """The held-out problems of every (task, difficulty) cell of ``config``."""
    seeds = config.seeds()
    return {(t, d): get_generator(t).problems(seeds, d)
            for t in config.tasks for d in config.difficulties}


def answer_key(tokens: np.ndarray) -> bytes:
    """What consistency compares: the answer (the segment after the last ``<step>`` before the
    first ``<eos>``) or, when no ``<eos>`` was written, the whole output.

    >>> answer_key(encode("1+1=2 <step> 2", eos=True)) == answer_key(encode("2", eos=True))
    True
    >>> answer_key(encode("2")) == answer_key(encode("2", eos=True))  # unfinished vs answered
    False
    """
    tokens = np.asarray(tokens, dtype=np.int64)
    eos = np.flatnonzero(tokens == EOS)
    if eos.size == 0:
        return b"unfinished:" + tokens.tobytes()
    body = tokens[: eos[0]]
    steps = np.flatnonzero(body == STEP)
    return b"answer:" + body[steps[-1] + 1 if steps.size else 0:].tobytes()


def pairwise_agreement(keys: Sequence[Any]) -> float:
    """The share of ordered pairs of distinct samples with equal keys (needs >= 2 samples).

    >>> pairwise_agreement(["a", "a", "b"]), pairwise_agreement(["a", "b"])
    (0.3333333333333333, 0.0)
    """
    k = len(keys)
    return sum(n * (n - 1) for n in Counter(keys).values()) / (k * (k - 1))


def first_wrong_slot(score: Score) -> int | None:
    """The first reference slot (steps 0..K-1, answer K) a ``"step"``-mode score did not pay."""
    paid = set(score.slots[score.rewards > 0].tolist())
    return next((i for i in range(score.steps_total + 1) if i not in paid), None)


def grade_cell(problems: Sequence[Problem], outputs: Sequence[np.ndarray], samples: int,
               scorer: Scorer, return_scorer: Scorer | None, solve_seconds: float,
               generated_tokens: int) -> Cell:
    """The statistics of one cell: ``outputs[i * samples + j]`` is sample j of problem i."""
    first = problems[0]
    totals: dict[str, float] = dict.fromkeys(COUNT_FIELDS, 0)
    totals.update(problems=len(problems), attempts=len(problems) * samples,
                  solve_seconds=solve_seconds, generated_tokens=generated_tokens)
    for i, problem in enumerate(problems):
        row = outputs[i * samples:(i + 1) * samples]
        correct = 0
        graded: dict[bytes, tuple[Score, float]] = {}  # identical samples are graded once
        for tokens in row:
            key = np.asarray(tokens, dtype=np.int64).tobytes()
            if key not in graded:
                score = scorer.score(problem, tokens)
                graded[key] = score, (return_scorer.score(problem, tokens).total
                                      if return_scorer else score.total)
            score, ret = graded[key]
            correct += score.answer_correct
            totals["steps_correct"] += score.steps_correct
            totals["steps_total"] += score.steps_total
            totals["return_sum"] += ret
            totals["tokens"] += score.length
            totals["unfinished"] += not score.terminated
            wrong = first_wrong_slot(score)
            if wrong is not None:
                totals["errors"] += 1
                totals["first_wrong_sum"] += wrong
                totals["first_wrong_fraction_sum"] += wrong / (score.steps_total + 1)
        totals["answers_correct"] += correct
        totals["answer_successes"] += correct / samples
        if samples >= 2:
            totals["agreement_sum"] += pairwise_agreement([answer_key(t) for t in row])
            totals["agreement_problems"] += 1
    generator = get_generator(first.task)
    return Cell(first.task, first.difficulty, generator.tier, generator.domain,
                generator.pattern, **{k: (int(v) if isinstance(v, (bool, np.integer)) else v)
                                      for k, v in totals.items()})


def environment_info(agent: Agent | None = None) -> dict[str, Any]:
    import engram_env

    info = {"engram_env": engram_env.__version__, "python": platform.python_version(),
            "numpy": np.__version__, "platform": platform.platform(),
            "processor": platform.machine()}
    if "torch" in sys.modules:
        info["torch"] = sys.modules["torch"].__version__
    if agent is not None and "device" in agent.identity.params:
        info["device"] = agent.identity.params["device"]
    return info


def evaluate(agent: Agent | Any, config: EvalConfig, *,
             problems: Mapping[tuple[str, int], list[Problem]] | None = None,
             progress: bool | Any = True) -> EvalResults:
    """Evaluate ``agent`` (an ``Agent``, or any ``Solver``) on ``config``'s problems.

    ``problems`` (from ``make_problems(config)``) may be passed to share them between agents.
    ``progress``: show a tqdm bar on stderr (True), none (False), or update a given bar.
    """
    if not isinstance(agent, Agent):
        if not callable(getattr(agent, "solve", None)):
            raise TypeError(f"expected an Agent or a Solver (with solve(problems)), got {agent!r}")
        agent = Agent(agent, AgentIdentity(name=getattr(agent, "name", type(agent).__name__),
                                           kind="custom"))
    if problems is None:
        problems = make_problems(config)
    scorer = Scorer("step")
    return_scorer = Scorer(config.reward_mode) if config.reward_mode != "step" else None
    bar, own_bar = progress, False
    if progress is True or progress is False:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(config.tasks) * len(config.difficulties), unit="cell",
                   desc=agent.identity.name, disable=not progress, file=sys.stderr,
                   dynamic_ncols=True)
        own_bar = True
    cells = []
    try:
        for task in config.tasks:
            for difficulty in config.difficulties:
                cell_problems = problems[task, difficulty]
                budget = config.max_new_tokens or output_budget(cell_problems)
                asked = 1 if agent.deterministic else config.samples
                batch = [p for p in cell_problems for _ in range(asked)]
                start = time.perf_counter()
                outputs = agent.solve(batch, budget)
                seconds = time.perf_counter() - start
                if len(outputs) != len(batch):
                    raise RuntimeError(f"agent {agent.identity.name!r} returned {len(outputs)} "
                                       f"solutions for {len(batch)} problems")
                outputs = [np.asarray(o)[:budget] for o in outputs]
                generated = sum(len(o) for o in outputs)
                outputs = [o for o in outputs for _ in range(config.samples // asked)]
                cells.append(grade_cell(cell_problems, outputs, config.samples, scorer,
                                        return_scorer, seconds, generated))
                bar.set_postfix_str(f"{task}@{difficulty}", refresh=False)
                bar.update(1)
    finally:
        if own_bar:
            bar.close()
    created = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return EvalResults(agent.identity, config, tuple(cells), created, environment_info(agent))


def results_filename(name: str) -> str:
    """A file name for an agent's results: its name with anything unsafe replaced."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") + ".json"


# -- command-line arguments from a dataclass ---------------------------------------------------


def field_docs(cls: type) -> dict[str, str]:
    """The docstring under each field of a dataclass (the CleanRL/tyro convention), by name."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body
    docs = {}
    for node, after in itertools.pairwise(body):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)):
            docs[node.target.id] = " ".join(after.value.value.split())
    return docs


def parse_args(cls: type, argv: Sequence[str] | None = None):
    """An instance of dataclass ``cls`` from the command line: ``--field-name VALUE`` per field,
    each field's docstring as its help; lists take several values; booleans are flags with a
    ``--no-`` form."""
    import argparse
    import typing

    hints = typing.get_type_hints(cls)
    docs = field_docs(cls)
    parser = argparse.ArgumentParser(description=(cls.__doc__ or "").strip())
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        args = typing.get_args(hint)
        optional = type(None) in args
        if optional:
            hint = next(a for a in args if a is not type(None))
        default = (f.default if f.default is not dataclasses.MISSING else
                   f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
        flag = "--" + f.name.replace("_", "-")
        doc = docs.get(f.name, "")
        if default not in (None, False) and "default" not in doc:
            shown = " ".join(map(str, default)) if isinstance(default, (list, tuple)) else default
            doc += f" (default: {shown})"
        kwargs: dict[str, Any] = {"help": doc or " ", "default": default}
        origin = typing.get_origin(hint)
        if hint is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif origin in (list, tuple):
            kwargs.update(nargs="*" if optional else "+", type=typing.get_args(hint)[0])
        else:
            kwargs["type"] = hint
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            kwargs["required"] = True
        parser.add_argument(flag, **kwargs)
    return cls(**vars(parser.parse_args(argv)))
