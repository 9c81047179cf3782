"""The skill tree: tiers, prerequisites, mastery and unlocking; and the task sampler on top of it.

Design choices, and why:

- **Structure and progress in one pure object.** ``SkillTree`` holds the task graph (validated
  once: tiers 0..10, known prerequisites, none in a higher tier, no cycles) and the learner's
  progress on it. It needs no generator and no Gymnasium: a tree is built from any task
  descriptions (``TaskNode``, a ``Generator``, or a mapping with ``name``, ``tier``, ``pattern``,
  ``prerequisites``), so it is tested on small synthetic trees.
- **Unlocking.** A task is unlocked when its tier is open and every prerequisite is mastered. The
  lowest tier present is open; each next tier opens once ``tier_gate`` of the tasks of the tier
  below it (the nearest one that has tasks) are mastered. Prerequisites keep RSA behind modular
  arithmetic; the tier gate keeps a task whose author declared few prerequisites from appearing
  on day one. Mastery is sticky, so the unlocked set only grows and unlock events happen once.
- **Mastery and difficulty from one rolling window per task.** Each task has a current difficulty
  and a window of the last ``window`` answer outcomes *at that difficulty*. Once the window is
  full: accuracy >= ``mastery_threshold`` at a difficulty >= ``mastery_difficulty`` masters the
  task; accuracy >= ``raise_above`` raises the difficulty, < ``lower_below`` lowers it, and a
  change of difficulty empties the window (old outcomes say nothing about the new level). An
  outcome reported for another difficulty than the current one (a vector env's slot that started
  before a change) counts in the totals but not in the window.
- **Sampling (``TaskSampler``).** With probability ``retention`` the next task is drawn from the
  mastered tasks (so they stay alive), otherwise from the unlocked, unmastered frontier; when one
  of the two is empty the other is used. Within a pool a reasoning pattern is drawn, then a task
  of it uniformly: a pattern with 12 generators gets as much practice as one with a single
  generator. The pattern weights of the two pools are set together so that every pattern present
  in the unlocked set gets the same share of all draws whenever that is compatible with the
  retention share and with every unlocked task being drawn; when it is not (say, most patterns
  have only mastered tasks and retention is 0.2), the retention share wins and each pool is
  balanced over its own patterns (see ``_pools``). Nothing locked is ever drawn.
- **Exact resumption.** ``state_dict`` holds every number the next draws depend on (windows,
  difficulties, the random generator's state); files are written atomically (temp file in the
  same folder, then ``os.replace``), so a crash never leaves half a state.

Rendering for people: ``render_tree_text(tree)`` for a terminal and ``render_tree_png(tree,
path)`` for an image (matplotlib, imported only when called).
"""

from __future__ import annotations

import bisect
import difflib
import json
import os
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from engram_env.files import write_json
from engram_env.registry import UnknownTaskError
from engram_env.taxonomy import MAX_DIFFICULTY, MAX_TIER, MIN_DIFFICULTY, REASONING_PATTERNS

STATE_FORMAT = "engram-curriculum"
STATE_VERSION = 1
EVENT_KINDS = ("unlock", "mastered", "difficulty_up", "difficulty_down")
Pool = tuple[list[float], list[tuple[str, ...]]]  # a sampling pool: cumulative pattern weights,
                                                   # and the unlocked tasks of each pattern


class SkillTreeError(ValueError):
    """An invalid skill tree, curriculum configuration or saved curriculum state."""


# -- configuration ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurriculumConfig:
    """Every knob of the curriculum; saved with its state so a resumed run uses the same ones."""

    window: int = 50  # answer outcomes kept per task, all at its current difficulty
    mastery_threshold: float = 0.8  # window accuracy that masters a task ...
    mastery_difficulty: int = 3  # ... once its difficulty has reached this level
    raise_above: float = 0.9  # window accuracy at or above which the difficulty goes up one
    lower_below: float = 0.4  # window accuracy below which it goes down one
    start_difficulty: int = 1  # difficulty of a task when it is unlocked
    retention: float = 0.2  # share of draws given to mastered tasks (while a frontier exists)
    tier_gate: float = 0.5  # share of a tier that must be mastered to open the next; 0 = no gate

    def __post_init__(self) -> None:
        def integer(name: str, low: int, high: int) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not (
                low <= value <= high
            ):
                raise SkillTreeError(f"{name}: expected an integer in {low}..{high}, got {value!r}")

        def share(name: str, low_open: bool = False, high_open: bool = False) -> None:
            value = getattr(self, name)
            ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
                value, bool
            )
            ok = ok and (0 < value if low_open else 0 <= value) and (
                value < 1 if high_open else value <= 1
            )
            if not ok:
                interval = f"{'(' if low_open else '['}0, 1{')' if high_open else ']'}"
                raise SkillTreeError(f"{name}: expected a number in {interval}, got {value!r}")

        integer("window", 1, 1_000_000)
        integer("mastery_difficulty", MIN_DIFFICULTY, MAX_DIFFICULTY)
        integer("start_difficulty", MIN_DIFFICULTY, MAX_DIFFICULTY)
        share("mastery_threshold", low_open=True)
        share("raise_above", low_open=True)
        share("lower_below")
        share("retention", high_open=True)  # 1 would starve the frontier: nothing new unlocks
        share("tier_gate")
        if not self.lower_below < self.mastery_threshold <= self.raise_above:
            raise SkillTreeError(
                "expected lower_below < mastery_threshold <= raise_above (a window that raises "
                "the difficulty is emptied, so it must also be able to show mastery), got "
                f"lower_below={self.lower_below}, mastery_threshold={self.mastery_threshold}, "
                f"raise_above={self.raise_above}"
            )

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> CurriculumConfig:
        """A config from keyword values; an unknown key is named with the allowed ones."""
        allowed = [f.name for f in fields(cls)]
        unknown = sorted(set(values) - set(allowed))
        if unknown:
            raise SkillTreeError(f"unknown curriculum option(s) {unknown}; allowed: {allowed}")
        return cls(**values)


# -- task descriptions and events ---------------------------------------------------------------


@dataclass(frozen=True)
class TaskNode:
    """What the skill tree needs to know about a task (a ``Generator`` declares all of it)."""

    name: str
    tier: int
    pattern: str
    prerequisites: tuple[str, ...] = ()
    domain: str = ""

    @classmethod
    def of(cls, task: Any) -> TaskNode:
        """A node from a ``TaskNode``, a ``Generator`` or any object or mapping with the fields."""
        if isinstance(task, TaskNode):
            return task
        get = task.get if isinstance(task, Mapping) else lambda k, d=None: getattr(task, k, d)
        missing = [k for k in ("name", "tier", "pattern") if get(k) is None]
        if missing:
            raise SkillTreeError(
                f"a task description needs name, tier and pattern; {task!r} lacks {missing}"
            )
        prerequisites = get("prerequisites", ()) or ()
        if isinstance(prerequisites, str):
            raise SkillTreeError(
                f"task {get('name')!r}: prerequisites expected a tuple of task names, "
                f"got the string {prerequisites!r}"
            )
        return cls(get("name"), get("tier"), get("pattern"), tuple(prerequisites),
                   get("domain", "") or "")


@dataclass(frozen=True)
class Event:
    """Something that changed in the learner's progress, after ``episode`` recorded episodes
    (0 for the tasks unlocked from the start)."""

    episode: int
    kind: str  # one of EVENT_KINDS
    task: str
    difficulty: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Progress:
    """A task's mutable progress: current difficulty, rolling window, totals, milestones."""

    __slots__ = ("correct", "difficulty", "episodes", "hits", "mastered_at", "unlocked_at",
                 "window")

    def __init__(self, difficulty: int, window: int) -> None:
        self.difficulty = difficulty
        self.window: deque[bool] = deque(maxlen=window)
        self.hits = 0  # correct outcomes in the window
        self.episodes = 0  # every outcome recorded, at any difficulty
        self.correct = 0
        self.unlocked_at: int | None = None
        self.mastered_at: int | None = None

    def push(self, correct: bool) -> None:
        if len(self.window) == self.window.maxlen:
            self.hits -= self.window[0]
        self.window.append(correct)
        self.hits += correct

    def clear(self) -> None:
        self.window.clear()
        self.hits = 0


# -- the tree ------------------------------------------------------------------------------------


class SkillTree:
    """Tasks in tiers 0..10 with prerequisites, and a learner's mastery of them.

    >>> tree = SkillTree([TaskNode("count", 0, "counting_and_enumeration"),
    ...                   TaskNode("add", 0, "simulation_trace", ("count",)),
    ...                   TaskNode("multiply", 1, "recursive_decomposition", ("add",))],
    ...                  CurriculumConfig(window=4, mastery_difficulty=1, tier_gate=0))
    >>> tree.unlocked
    ('count',)
    >>> events = [tree.record("count", 1, True) for _ in range(4)][-1]
    >>> [(e.kind, e.task) for e in events]
    [('mastered', 'count'), ('unlock', 'add'), ('difficulty_up', 'count')]
    >>> tree.unlocked, tree.difficulty("count")
    (('add', 'count'), 2)
    """

    def __init__(self, tasks: Iterable[Any], config: CurriculumConfig | None = None) -> None:
        if config is not None and not isinstance(config, CurriculumConfig):
            raise SkillTreeError(f"config: expected a CurriculumConfig, got {config!r}")
        self.config = config or CurriculumConfig()
        nodes = [TaskNode.of(t) for t in tasks]
        _validate(nodes)
        nodes.sort(key=lambda n: (n.tier, n.name))
        self.nodes: dict[str, TaskNode] = {n.name: n for n in nodes}
        self.tasks: tuple[str, ...] = tuple(self.nodes)
        tiers: dict[int, list[str]] = {}
        for n in nodes:
            tiers.setdefault(n.tier, []).append(n.name)
        self.tiers: dict[int, tuple[str, ...]] = {t: tuple(v) for t, v in tiers.items()}
        self.dependents: dict[str, tuple[str, ...]] = {
            name: tuple(n.name for n in nodes if name in n.prerequisites) for name in self.nodes
        }
        self.revision = 0  # bumped whenever the unlocked or mastered set changes
        self._open_tiers: tuple[int, tuple[int, ...]] = (-1, ())  # (revision, tiers)
        self.reset_progress()

    @classmethod
    def from_registry(
        cls, tasks: Sequence[str] | None = None, config: CurriculumConfig | None = None
    ) -> SkillTree:
        """The tree of the registered generators (all, or the named ones with their
        prerequisites, recursively)."""
        from engram_env.registry import get_generator, load_generators

        names = list(load_generators()) if tasks is None else with_prerequisites(tasks)
        return cls([get_generator(n) for n in names], config)

    # -- progress ---------------------------------------------------------------------------------

    def reset_progress(self) -> None:
        """Forget all progress: nothing mastered, only the first tier's free tasks unlocked."""
        self._forget()
        self._unlock_new()

    def _forget(self) -> None:
        self.episodes = 0
        self.history: list[Event] = []
        self._progress = {
            n: _Progress(self.config.start_difficulty, self.config.window) for n in self.tasks
        }
        self._unlocked: list[str] = []
        self._mastered: list[str] = []
        self.revision += 1

    def record(self, task: str, difficulty: int, correct: bool) -> list[Event]:
        """Record one episode's answer outcome; return what it changed (mastery, unlocks,
        difficulty), in that order."""
        p = self._get(task)
        if p.unlocked_at is None:
            raise SkillTreeError(
                f"task {task!r} is locked; outcomes are recorded for unlocked tasks only "
                f"(unlocked: {', '.join(self._unlocked)})"
            )
        if isinstance(difficulty, bool) or not isinstance(difficulty, (int, np.integer)) or not (
            MIN_DIFFICULTY <= difficulty <= MAX_DIFFICULTY
        ):
            raise SkillTreeError(f"difficulty: expected an integer in {MIN_DIFFICULTY}.."
                                 f"{MAX_DIFFICULTY}, got {difficulty!r}")
        if not (isinstance(correct, (bool, np.bool_)) or correct in (0, 1)):
            raise SkillTreeError(f"correct: expected a bool, got {correct!r}")
        correct = bool(correct)
        self.episodes += 1
        p.episodes += 1
        p.correct += correct
        if difficulty != p.difficulty:
            return []  # an episode started before the last change of level
        p.push(correct)
        cfg = self.config
        if len(p.window) < cfg.window:
            return []
        accuracy = p.hits / cfg.window
        events: list[Event] = []
        if (p.mastered_at is None and accuracy >= cfg.mastery_threshold
                and p.difficulty >= cfg.mastery_difficulty):
            p.mastered_at = self.episodes
            self._mastered.append(task)
            self.revision += 1
            events.append(Event(self.episodes, "mastered", task, p.difficulty))
            self.history.append(events[-1])
            events += self._unlock_new()
        if accuracy >= cfg.raise_above and p.difficulty < MAX_DIFFICULTY:
            p.difficulty += 1
            p.clear()
            events.append(Event(self.episodes, "difficulty_up", task, p.difficulty))
        elif accuracy < cfg.lower_below and p.difficulty > MIN_DIFFICULTY:
            p.difficulty -= 1
            p.clear()
            events.append(Event(self.episodes, "difficulty_down", task, p.difficulty))
        return events

    def _unlock_new(self) -> list[Event]:
        """Unlock every task whose tier is open and whose prerequisites are all mastered."""
        open_tiers = set(self.open_tiers)
        events = []
        for name in self.tasks:
            p = self._progress[name]
            node = self.nodes[name]
            if p.unlocked_at is None and node.tier in open_tiers and all(
                self._progress[q].mastered_at is not None for q in node.prerequisites
            ):
                p.unlocked_at = self.episodes
                events.append(Event(self.episodes, "unlock", name, p.difficulty))
        if events:
            self._unlocked = [n for n in self.tasks if self._progress[n].unlocked_at is not None]
            self.history += events
            self.revision += 1
        return events

    # -- queries ----------------------------------------------------------------------------------

    @property
    def open_tiers(self) -> tuple[int, ...]:
        """Tiers whose tasks may unlock: the lowest, then each next while the one below it has
        at least ``tier_gate`` of its tasks mastered."""
        if self._open_tiers[0] != self.revision:
            self._open_tiers = (self.revision, self._compute_open_tiers())
        return self._open_tiers[1]

    def _compute_open_tiers(self) -> tuple[int, ...]:
        opened: list[int] = []
        for tier in sorted(self.tiers):
            if opened:
                below = self.tiers[opened[-1]]
                mastered = sum(self._progress[n].mastered_at is not None for n in below)
                if mastered < self.config.tier_gate * len(below):
                    break
            opened.append(tier)
        return tuple(opened)

    @property
    def unlocked(self) -> tuple[str, ...]:
        """Unlocked tasks, mastered ones included, in tree order (tier, then name)."""
        return tuple(self._unlocked)

    @property
    def mastered(self) -> tuple[str, ...]:
        """Mastered tasks, in the order they were mastered."""
        return tuple(self._mastered)

    @property
    def frontier(self) -> tuple[str, ...]:
        """Unlocked tasks not yet mastered, in tree order."""
        return tuple(n for n in self._unlocked if self._progress[n].mastered_at is None)

    def is_unlocked(self, task: str) -> bool:
        return self._get(task).unlocked_at is not None

    def is_mastered(self, task: str) -> bool:
        return self._get(task).mastered_at is not None

    def difficulty(self, task: str) -> int:
        """The task's current difficulty."""
        return self._get(task).difficulty

    def accuracy(self, task: str) -> float | None:
        """Answer accuracy over the task's window at its current difficulty (None if empty)."""
        p = self._get(task)
        return p.hits / len(p.window) if p.window else None

    def progress(self, task: str) -> dict[str, Any]:
        """A snapshot of one task's progress, for people and logs."""
        p = self._get(task)
        return {
            "task": task, "tier": self.nodes[task].tier, "difficulty": p.difficulty,
            "accuracy": self.accuracy(task), "window": len(p.window), "episodes": p.episodes,
            "correct": p.correct, "unlocked": p.unlocked_at is not None,
            "mastered": p.mastered_at is not None,
        }

    def summary(self) -> dict[str, Any]:
        """Counts for a progress line or ``info``."""
        return {"episodes": self.episodes, "tasks": len(self.tasks),
                "unlocked": len(self._unlocked), "mastered": len(self._mastered),
                "open_tiers": len(self.open_tiers)}

    def _get(self, task: str) -> _Progress:
        try:
            return self._progress[task]
        except (KeyError, TypeError):
            close = difflib.get_close_matches(str(task), self.tasks, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise UnknownTaskError(
                f"task {task!r} is not in the skill tree{hint} ({len(self.tasks)} tasks)"
            ) from None

    # -- state -------------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Everything about the progress, as JSON-ready values (the structure is not saved)."""
        return {
            "config": asdict(self.config),
            "episodes": self.episodes,
            "tasks": {
                n: {"difficulty": p.difficulty, "window": "".join("01"[c] for c in p.window),
                    "episodes": p.episodes, "correct": p.correct,
                    "unlocked_at": p.unlocked_at, "mastered_at": p.mastered_at}
                for n, p in self._progress.items()
            },
            "history": [e.as_dict() for e in self.history],
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore progress saved by ``state_dict`` (its config included).

        Tasks of the tree that the state does not know (generators added since) start fresh and
        unlock by the usual rule; a saved task the tree lacks is an error.
        """
        try:
            config = CurriculumConfig.from_dict(state["config"])
            saved = state["tasks"]
            unknown = sorted(set(saved) - set(self.tasks))
            if unknown:
                raise SkillTreeError(
                    f"the saved curriculum has tasks this skill tree lacks: {unknown}; expected "
                    f"a state over (a subset of) the tree's {len(self.tasks)} tasks"
                )
            self.config = config
            self._forget()
            self.episodes = int(state["episodes"])
            for name, s in saved.items():
                p = self._progress[name]
                p.difficulty = int(s["difficulty"])
                for c in s["window"]:
                    p.push(c == "1")
                p.episodes, p.correct = int(s["episodes"]), int(s["correct"])
                p.unlocked_at, p.mastered_at = s["unlocked_at"], s["mastered_at"]
            self.history = [Event(**e) for e in state["history"]]
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, SkillTreeError):
                raise
            raise SkillTreeError(f"not a valid skill-tree state ({type(error).__name__}: "
                                 f"{error})") from None
        mastered = [n for n in self.tasks if self._progress[n].mastered_at is not None]
        self._mastered = sorted(mastered, key=lambda n: self._progress[n].mastered_at)
        self._unlocked = [n for n in self.tasks if self._progress[n].unlocked_at is not None]
        self.revision += 1
        self._unlock_new()

    def __repr__(self) -> str:
        s = self.summary()
        return (f"<SkillTree {s['tasks']} tasks in {len(self.tiers)} tiers: {s['unlocked']} "
                f"unlocked, {s['mastered']} mastered after {s['episodes']} episodes>")


def _validate(nodes: Sequence[TaskNode]) -> None:
    """Raise ``SkillTreeError`` listing every problem: bad fields, duplicate or unknown names,
    prerequisites in a higher tier, cycles."""
    problems: list[str] = []
    if not nodes:
        raise SkillTreeError("expected at least one task in the skill tree, got none")
    names: dict[str, TaskNode] = {}
    for n in nodes:
        if not isinstance(n.name, str) or not n.name:
            problems.append(f"task name: expected a non-empty string, got {n.name!r}")
            continue
        if n.name in names:
            problems.append(f"task {n.name!r} is declared twice")
        names[n.name] = n
        if isinstance(n.tier, bool) or not isinstance(n.tier, (int, np.integer)) or not (
            0 <= n.tier <= MAX_TIER
        ):
            problems.append(f"task {n.name!r}: tier expected an integer in 0..{MAX_TIER}, "
                            f"got {n.tier!r}")
        if n.pattern not in REASONING_PATTERNS:
            close = difflib.get_close_matches(str(n.pattern), REASONING_PATTERNS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"task {n.name!r}: pattern expected one of the 26 reasoning patterns "
                            f"of taxonomy.REASONING_PATTERNS, got {n.pattern!r}{hint}")
        if not all(isinstance(q, str) for q in n.prerequisites):
            problems.append(f"task {n.name!r}: prerequisites expected task names, "
                            f"got {n.prerequisites!r}")
    if problems:
        raise SkillTreeError("invalid skill tree:\n  " + "\n  ".join(problems))
    for n in nodes:
        for q in n.prerequisites:
            if q not in names:
                close = difflib.get_close_matches(q, names, n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
                problems.append(f"task {n.name!r} requires {q!r}, which is not in the tree{hint}")
            elif names[q].tier > n.tier:
                problems.append(
                    f"task {n.name!r} (tier {n.tier}) requires {q!r} of tier {names[q].tier}: "
                    f"expected a prerequisite in the same or a lower tier"
                )
    problems += [f"prerequisite cycle: {' -> '.join(c)}" for c in _cycles(names)]
    if problems:
        raise SkillTreeError("invalid skill tree:\n  " + "\n  ".join(problems))


def _cycles(nodes: Mapping[str, TaskNode]) -> list[list[str]]:
    """One cycle through each strongly tangled part of the prerequisite graph (iterative DFS)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles = []
    for root in sorted(nodes):
        if root in state:
            continue
        path: list[str] = []
        stack: list[tuple[str, Iterable[str]]] = [(root, iter(nodes[root].prerequisites))]
        state[root] = 1
        path.append(root)
        while stack:
            name, children = stack[-1]
            for child in children:
                if child not in nodes:
                    continue  # reported as unknown
                if state.get(child) == 1:
                    cycles.append(path[path.index(child):] + [child])
                elif child not in state:
                    state[child] = 1
                    path.append(child)
                    stack.append((child, iter(nodes[child].prerequisites)))
                    break
            else:
                stack.pop()
                state[name] = 2
                path.pop()
    return cycles


def with_prerequisites(tasks: Sequence[str]) -> list[str]:
    """The named registered tasks and all their prerequisites, recursively, sorted by name."""
    from engram_env.registry import get_generator

    if isinstance(tasks, str):
        raise SkillTreeError(f"tasks: expected a list of task names, got the string {tasks!r}")
    seen: set[str] = set()
    todo = list(tasks)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += get_generator(name).prerequisites
    return sorted(seen)


# -- sampling --------------------------------------------------------------------------------------


class TaskSampler:
    """Chooses the (task, difficulty) of each episode and learns from the outcomes.

    The whole interface a training loop or a vector env needs::

        task, difficulty = sampler.next()   # or sampler() / sampler(slot): only unlocked tasks
        events = sampler.record(task, difficulty, correct)   # after the episode ends

    ``record`` takes the difficulty the episode was played at, so outcomes may come back late and
    out of order (vector envs). ``save(path)`` / ``load(path)`` write and read the state as JSON
    atomically; a loaded sampler continues with exactly the draws the saved one would have made.

    >>> tree = SkillTree([TaskNode("a", 0, "optimization"), TaskNode("b", 0, "greedy_selection")])
    >>> sampler = TaskSampler(tree, seed=0)
    >>> sorted({sampler.next() for _ in range(20)})
    [('a', 1), ('b', 1)]
    """

    def __init__(self, tree: SkillTree, seed: int | None = None) -> None:
        if not isinstance(tree, SkillTree):
            raise SkillTreeError(f"tree: expected a SkillTree, got {tree!r}")
        self.tree = tree
        self.rng = np.random.default_rng(seed)
        self.draws = 0
        self.retention_draws = 0  # draws that came from the mastered pool
        self.last_retained = False  # whether the last draw came from the mastered pool
        self._pools: tuple[Pool, Pool] = (([], []), ([], []))
        self._revision = -1

    @property
    def config(self) -> CurriculumConfig:
        return self.tree.config

    def seed(self, seed: int | Sequence[int] | None) -> None:
        """Reseed the draws (progress is kept)."""
        self.rng = np.random.default_rng(seed)

    def next(self) -> tuple[str, int]:
        """The next episode's task (unlocked, pattern-balanced) and its current difficulty."""
        if self._revision != self.tree.revision:
            self._pools = _pools(self.tree, self.config.retention)
            self._revision = self.tree.revision
        frontier, retained = self._pools
        rng = self.rng
        use_retained = bool(retained[1]) and (
            not frontier[1] or rng.random() < self.config.retention)
        cumulative, groups = retained if use_retained else frontier
        group = groups[min(bisect.bisect_right(cumulative, rng.random()), len(groups) - 1)]
        task = group[int(rng.integers(len(group)))]
        self.draws += 1
        self.retention_draws += use_retained
        self.last_retained = use_retained
        return task, self.tree.difficulty(task)

    def __call__(self, *_: Any) -> tuple[str, int]:
        """``next()``; any arguments (a vector env may pass the slot index) are ignored."""
        return self.next()

    def record(self, task: str, difficulty: int, correct: bool) -> list[Event]:
        """Learn one episode's outcome; see ``SkillTree.record``."""
        return self.tree.record(task, difficulty, correct)

    # -- state -------------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "tree": self.tree.state_dict(),
            "sampler": {"rng": self.rng.bit_generator.state, "draws": self.draws,
                        "retention_draws": self.retention_draws},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        check_state(state)
        self.tree.load_state_dict(state["tree"])
        s = state["sampler"]
        try:
            rng = np.random.Generator(np.random.PCG64())
            rng.bit_generator.state = s["rng"]
        except (KeyError, TypeError, ValueError) as error:
            raise SkillTreeError(f"saved sampler random state: expected a PCG64 state, got "
                                 f"{s.get('rng')!r} ({error})") from None
        self.rng = rng
        self.draws, self.retention_draws = int(s["draws"]), int(s["retention_draws"])
        self._revision = -1

    def save(self, path: str | os.PathLike) -> None:
        """Write the state as JSON atomically."""
        write_json(path, self.state_dict())

    def load(self, path: str | os.PathLike) -> None:
        """Restore a state written by ``save`` (or by the curriculum wrapper's ``save``)."""
        self.load_state_dict(read_state(path))


def _pools(tree: SkillTree, retention: float) -> tuple[Pool, Pool]:
    """The frontier and mastered pools, each as cumulative pattern weights and the pattern's
    tasks, weighted so that every pattern present gets the same share of all draws.

    A draw takes the mastered pool with probability r = ``retention``, so a pattern whose
    unlocked tasks are all mastered can only be drawn from it, one with none mastered only from
    the frontier, and one with both from either. With P patterns, M of them mastered-only and
    B in both, equal shares 1/P with exactly r of the draws retained and no pattern left out of
    a pool it is in need M < rP < M + B (or B = 0 and rP = M): mastered-only patterns get
    1/(rP) of the mastered pool, frontier-only ones 1/((1-r)P) of the frontier, and the shared
    ones split the rest evenly. Otherwise (early on, say, when one pattern has all the mastered
    tasks) the retention share is kept and each pool is spread evenly over its own patterns:
    equal exposure is given up before a task is starved of practice.
    """
    frontier = _by_pattern(tree, tree.frontier)
    mastered = _by_pattern(tree, tree.mastered)
    m_only = [p for p in mastered if p not in frontier]
    f_only = [p for p in frontier if p not in mastered]
    both = len(frontier) - len(f_only)
    n, r = len(f_only) + len(mastered), retention
    slack = r * n - len(m_only)  # retention share the shared patterns must absorb, times n
    exact = 1e-9 < slack < both - 1e-9 or (both == 0 and abs(slack) < 1e-9)
    if frontier and mastered and exact:
        shared = (r - len(m_only) / n) / (r * both) if both else 0.0
        w_m = {p: 1 / (r * n) if p in m_only else shared for p in mastered}
        w_f = {p: 1 / ((1 - r) * n) if p in f_only else (1 / n - r * shared) / (1 - r)
               for p in frontier}
    else:
        w_f = dict.fromkeys(frontier, 1.0)
        w_m = dict.fromkeys(mastered, 1.0)

    def pool(groups: dict[str, tuple[str, ...]], weights: dict[str, float]) -> Pool:
        if not groups:
            return [], []
        cumulative = np.cumsum([weights[p] for p in groups]).tolist()
        return [c / cumulative[-1] for c in cumulative], list(groups.values())

    return pool(frontier, w_f), pool(mastered, w_m)


def _by_pattern(tree: SkillTree, tasks: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """``tasks`` grouped by reasoning pattern, patterns in taxonomy order, tasks in tree order."""
    groups: dict[str, list[str]] = {}
    for name in tasks:
        groups.setdefault(tree.nodes[name].pattern, []).append(name)
    return {p: tuple(groups[p]) for p in REASONING_PATTERNS if p in groups}


# -- files -----------------------------------------------------------------------------------------


def check_state(state: Any) -> None:
    if not (isinstance(state, Mapping) and state.get("format") == STATE_FORMAT):
        got = state.get("format") if isinstance(state, Mapping) else type(state).__name__
        raise SkillTreeError(f"expected a curriculum state (format {STATE_FORMAT!r}), got {got!r}")
    if state.get("version") != STATE_VERSION:
        raise SkillTreeError(f"expected curriculum state version {STATE_VERSION}, "
                             f"got {state.get('version')!r}")


def read_state(path: str | os.PathLike) -> dict[str, Any]:
    """A curriculum state file, checked to be one."""
    try:
        with open(path) as f:
            state = json.load(f)
    except json.JSONDecodeError as error:
        raise SkillTreeError(f"{path}: expected a curriculum state in JSON, got invalid JSON "
                             f"({error})") from None
    check_state(state)
    return state


# -- rendering -------------------------------------------------------------------------------------

_MARKS = {"mastered": "✓", "unlocked": "●", "locked": "·"}


def _status(tree: SkillTree, name: str) -> str:
    if tree.is_mastered(name):
        return "mastered"
    return "unlocked" if tree.is_unlocked(name) else "locked"


def render_tree_text(tree: SkillTree) -> str:
    """The skill tree as text: one block per tier, one line per task with its status mark,
    pattern, difficulty, window accuracy and prerequisites."""
    s = tree.summary()
    open_tiers = set(tree.open_tiers)
    width = max(map(len, tree.tasks))
    pattern_width = max(len(n.pattern) for n in tree.nodes.values())
    lines = [
        (f"skill tree: {s['tasks']} tasks in {len(tree.tiers)} tiers; {s['unlocked']} unlocked, "
         f"{s['mastered']} mastered after {s['episodes']} episodes"),
        ("  ✓ mastered  ● unlocked  · locked;  d = current difficulty, acc = accuracy over the "
         f"window at it (of {tree.config.window})"),
    ]
    for tier, names in sorted(tree.tiers.items()):
        unlocked = sum(tree.is_unlocked(n) for n in names)
        mastered = sum(tree.is_mastered(n) for n in names)
        lines.append(f"\ntier {tier} ({'open' if tier in open_tiers else 'closed'}): "
                     f"{len(names)} tasks, {unlocked} unlocked, {mastered} mastered")
        for name in names:
            node, status = tree.nodes[name], _status(tree, name)
            acc = tree.accuracy(name)
            stats = (f"d{tree.difficulty(name):<2} acc {'  - ' if acc is None else f'{acc:.2f}'}"
                     if status != "locked" else " " * 11)
            needs = f"  <- {', '.join(node.prerequisites)}" if node.prerequisites else ""
            lines.append(f"  {_MARKS[status]} {name:<{width}}  {node.pattern:<{pattern_width}}  "
                         f"{stats}{needs}".rstrip())
    return "\n".join(lines)


def _layout(tree: SkillTree) -> dict[str, tuple[int, int]]:
    """(column, row) of each task: tiers as columns; within a column, tasks ordered by the mean
    row of their prerequisites (a barycentre sweep, which keeps most edges short), then domain."""
    rows: dict[str, float] = {}
    place: dict[str, tuple[int, int]] = {}
    for column, (tier, names) in enumerate(sorted(tree.tiers.items())):
        def key(name: str) -> tuple:
            node = tree.nodes[name]
            placed = [rows[q] for q in node.prerequisites if q in rows]
            return (np.mean(placed) if placed else -1.0, node.domain, name)

        ordered = sorted(names, key=key)
        for row, name in enumerate(ordered):
            rows[name] = row
            place[name] = (column, row)
    return place


def render_tree_png(tree: SkillTree, path: str | os.PathLike, *, dpi: int = 110) -> None:
    """Draw the tree to ``path``: tiers as columns, prerequisite edges, and each task's box
    coloured by its state (grey locked, white unlocked with no data, red-to-green accuracy at
    its current difficulty, a green frame and check mark when mastered)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.patches import FancyBboxPatch, Patch

    place = _layout(tree)
    columns = len(tree.tiers)
    tallest = max(len(v) for v in tree.tiers.values())
    col_w, row_h, box_w, box_h = 3.0, 1.0, 2.15, 0.78
    fig_w = max(8.0, 2.1 * columns + 1.0)
    fig_h = max(4.5, 0.23 * tallest + 2.2)
    fig, ax = plt.subplots(figsize=(fig_w, fig_h), dpi=dpi)
    cmap = LinearSegmentedColormap.from_list("accuracy", ["#d73027", "#fee08b", "#1a9850"])
    font = 7.0 if tallest <= 30 else 6.0

    def xy(name: str) -> tuple[float, float]:
        column, row = place[name]
        return column * col_w, -row * row_h

    # edges under the boxes, from the prerequisite's right side to the dependent's left side
    # (straight lines in one collection: hundreds of annotate() arrows take seconds to draw)
    segments: dict[bool, list] = {True: [], False: []}  # by "prerequisite mastered"
    for name, node in tree.nodes.items():
        x1, y1 = xy(name)
        for q in node.prerequisites:
            x0, y0 = xy(q)
            colour, alpha = ("#1a9850", 0.5) if tree.is_mastered(q) else ("#7f7f7f", 0.35)
            if place[q][0] == place[name][0]:  # same tier: an arc on the left of the column
                ax.annotate("", xy=(x1 - box_w / 2, y1), xytext=(x0 - box_w / 2, y0),
                            arrowprops={"arrowstyle": "-|>", "color": colour, "alpha": alpha,
                                        "lw": 0.7, "connectionstyle": "arc3,rad=0.5",
                                        "shrinkA": 0, "shrinkB": 0, "mutation_scale": 6},
                            zorder=1)
            else:
                segments[tree.is_mastered(q)].append([(x0 + box_w / 2, y0), (x1 - box_w / 2, y1)])
    for done, lines in segments.items():
        colour, alpha = ("#1a9850", 0.5) if done else ("#7f7f7f", 0.35)
        ax.add_collection(LineCollection(lines, colors=colour, alpha=alpha, linewidths=0.6,
                                         zorder=1))

    for name, node in tree.nodes.items():
        x, y = xy(name)
        status = _status(tree, name)
        acc = tree.accuracy(name)
        if status == "locked":
            face, text_colour = "#e6e6e6", "#8c8c8c"
        else:
            no_data = "#c7e9c0" if status == "mastered" else "#ffffff"
            face, text_colour = (no_data if acc is None else cmap(acc)), "#111111"
        edge, lw = ("#00441b", 1.6) if status == "mastered" else ("#9e9e9e", 0.5)
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0,rounding_size=0.12", facecolor=face,
                                    edgecolor=edge, linewidth=lw, zorder=2))
        label = name if len(name) <= 22 else name[:21] + "…"
        if status != "locked":
            label = f"{'✓ ' if status == 'mastered' else ''}{label} d{tree.difficulty(name)}"
        ax.text(x, y, label, ha="center", va="center", fontsize=font, color=text_colour,
                fontweight="bold" if status == "mastered" else "normal", zorder=3, clip_on=True)

    open_tiers = set(tree.open_tiers)
    for column, (tier, names) in enumerate(sorted(tree.tiers.items())):
        mastered = sum(tree.is_mastered(n) for n in names)
        unlocked = sum(tree.is_unlocked(n) for n in names)
        ax.text(column * col_w, 1.1 * row_h, f"tier {tier}\n{mastered}✓ {unlocked}● /{len(names)}"
                f"{'' if tier in open_tiers else ' (closed)'}", ha="center", va="bottom",
                fontsize=8, fontweight="bold")

    s = tree.summary()
    ax.set_title(f"Engram skill tree: {s['tasks']} tasks, {s['unlocked']} unlocked, "
                 f"{s['mastered']} mastered after {s['episodes']} episodes", fontsize=10, pad=18)
    handles = [Patch(facecolor="#e6e6e6", edgecolor="#9e9e9e", label="locked"),
               Patch(facecolor="#ffffff", edgecolor="#9e9e9e", label="unlocked, no data"),
               Patch(facecolor=cmap(0.0), label="accuracy 0"),
               Patch(facecolor=cmap(0.5), label="accuracy 0.5"),
               Patch(facecolor=cmap(1.0), label="accuracy 1"),
               Patch(facecolor="#c7e9c0", edgecolor="#00441b", linewidth=1.6,
                     label="✓ mastered (frame; fill = accuracy at its current level)")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=6,
              fontsize=7, frameon=False)
    ax.set_xlim(-col_w / 2 - 0.3, (columns - 0.5) * col_w + 0.3)
    ax.set_ylim(-(tallest - 0.5) * row_h - 0.3, 2.2 * row_h)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def tree_command(png: str | None = None, state: str | None = None) -> int:
    """``engram tree``: print the registered skill tree (with a saved curriculum's progress)
    and optionally draw it to a PNG."""
    tree = SkillTree.from_registry()
    if state is not None:
        saved = read_state(state)
        tree.load_state_dict(saved["tree"])
    print(render_tree_text(tree))
    if png is not None:
        render_tree_png(tree, png)
        print(f"\nwrote {png}")
    return 0
