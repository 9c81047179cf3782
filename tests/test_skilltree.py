"""The skill tree and the task sampler, on small synthetic trees (no generator needed)."""

from __future__ import annotations

import copy
import doctest
import json
from collections import Counter

import numpy as np
import pytest

from engram_env import skilltree
from engram_env.registry import UnknownTaskError, get_generator
from engram_env.skilltree import (
    CurriculumConfig,
    SkillTree,
    SkillTreeError,
    TaskNode,
    TaskSampler,
    render_tree_png,
    render_tree_text,
    with_prerequisites,
)
from engram_env.taxonomy import REASONING_PATTERNS

FAST = {"window": 10, "mastery_threshold": 0.8, "mastery_difficulty": 2, "raise_above": 0.9,
        "lower_below": 0.3, "retention": 0.2, "tier_gate": 0.5}


def node(name, tier=0, prerequisites=(), pattern="simulation_trace"):
    return TaskNode(name, tier, pattern, tuple(prerequisites))


def ladder() -> list[TaskNode]:
    """Four tiers, 14 tasks, patterns with 1 to 4 tasks each, prerequisites across and within
    tiers (like the real tree: subtraction needs addition, both tier 0)."""
    p = REASONING_PATTERNS
    return [
        node("add", 0, (), p[5]), node("count", 0, (), p[11]), node("compare", 0, (), p[22]),
        node("subtract", 0, ("add",), p[5]),
        node("multiply", 1, ("add",), p[21]), node("divide", 1, ("multiply", "subtract"), p[21]),
        node("parity", 1, ("count",), p[14]), node("sort", 1, ("compare",), p[22]),
        node("gcd", 2, ("divide",), p[14]), node("modpow", 2, ("multiply", "parity"), p[14]),
        node("search", 2, ("sort",), p[25]),
        node("rsa", 3, ("modpow", "gcd"), p[14]), node("crt", 3, ("gcd",), p[14]),
        node("knapsack", 3, ("search", "multiply"), p[16]),
    ]


class Learner:
    """A scripted learner: accuracy on a task rises with practice on it, falls with difficulty."""

    def __init__(self, seed: int = 0, rate: float = 0.05) -> None:
        self.rng = np.random.default_rng(seed)
        self.rate = rate
        self.practice: Counter[str] = Counter()

    def attempt(self, task: str, difficulty: int) -> bool:
        self.practice[task] += 1
        p = min(0.98, 0.05 + self.rate * self.practice[task] - 0.02 * (difficulty - 1))
        return bool(self.rng.random() < p)


def run(sampler: TaskSampler, learner: Learner, episodes: int, check_unlocked: bool = True):
    """Drive ``episodes`` episodes; return the (task, difficulty) sequence."""
    seen = []
    for _ in range(episodes):
        task, difficulty = sampler.next()
        if check_unlocked:
            assert sampler.tree.is_unlocked(task), f"locked task {task} was sampled"
        seen.append((task, difficulty))
        sampler.record(task, difficulty, learner.attempt(task, difficulty))
    return seen


def test_docstring_examples():
    result = doctest.testmod(skilltree, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3 and result.failed == 0


# -- structure ------------------------------------------------------------------------------------


def test_tree_is_sorted_into_tiers_and_starts_with_the_free_tasks_of_the_first_tier():
    tree = SkillTree(ladder(), CurriculumConfig(**FAST))
    assert tree.tiers[0] == ("add", "compare", "count", "subtract")
    assert tree.tasks[:4] == tree.tiers[0] and tree.tasks[-1] == "rsa"
    assert tree.unlocked == ("add", "compare", "count") and tree.mastered == ()
    assert tree.open_tiers == (0,)
    assert {e.task for e in tree.history} == {"add", "compare", "count"}
    assert all(e.kind == "unlock" and e.episode == 0 for e in tree.history)
    assert tree.dependents["multiply"] == ("divide", "modpow", "knapsack")  # tree order


def test_generators_and_mappings_are_accepted_as_task_descriptions():
    addition = get_generator("addition")
    tree = SkillTree([addition, {"name": "x", "tier": 1, "pattern": "optimization",
                                 "prerequisites": ["addition"]}])
    assert tree.nodes["addition"] == TaskNode("addition", 0, addition.pattern, (), "arithmetic")
    assert tree.nodes["x"].prerequisites == ("addition",)


@pytest.mark.parametrize(
    "nodes, message",
    [
        ([], "expected at least one task"),
        ([node("a", 0, ("b",)), node("b", 0, ("a",))], r"prerequisite cycle: a -> b -> a"),
        ([node("a", 0, ("a",))], r"prerequisite cycle: a -> a"),
        ([node("a"), node("b", 1, ("c",)), node("c", 1, ("d",)), node("d", 1, ("b",))],
         r"cycle: b -> c -> d -> b"),
        ([node("addition"), node("b", 1, ("additon",))],
         r"requires 'additon', which is not in the tree; did you mean 'addition'"),
        ([node("a", 2), node("b", 1, ("a",))],
         r"'b' \(tier 1\) requires 'a' of tier 2: expected a prerequisite in the same or a lower"),
        ([node("a", 11)], r"tier expected an integer in 0..10, got 11"),
        ([node("a", -1)], r"got -1"),
        ([node("a", True)], r"got True"),
        ([node("a", "1")], r"got '1'"),
        ([node("a", 0, (), "simulation_traces")],
         r"expected one of the 26 reasoning patterns.*did you mean 'simulation_trace'"),
        ([node("a"), node("a")], r"'a' is declared twice"),
        ([node("")], r"task name: expected a non-empty string"),
        ([{"name": "a", "tier": 0}], r"needs name, tier and pattern.*lacks \['pattern'\]"),
        ([{"name": "a", "tier": 0, "pattern": "optimization", "prerequisites": "b"}],
         r"prerequisites expected a tuple of task names, got the string 'b'"),
    ],
)
def test_invalid_trees_raise_clear_errors(nodes, message):
    with pytest.raises(SkillTreeError, match=message):
        SkillTree(nodes)


def test_every_problem_of_a_tree_is_reported_at_once():
    with pytest.raises(SkillTreeError) as error:
        SkillTree([node("a", 0, ("zz",)), node("b", 0, ("b",)), node("c", 0, ("d",)),
                   node("d", 1)])
    text = str(error.value)
    assert "'zz'" in text and "cycle: b -> b" in text and "'c' (tier 0) requires 'd'" in text


@pytest.mark.parametrize(
    "values, message",
    [
        ({"window": 0}, r"window: expected an integer in 1..1000000, got 0"),
        ({"window": 2.5}, r"window: expected an integer"),
        ({"retention": 1.0}, r"retention: expected a number in \[0, 1\), got 1.0"),
        ({"retention": -0.1}, r"retention: expected a number in \[0, 1\)"),
        ({"tier_gate": 1.5}, r"tier_gate: expected a number in \[0, 1\], got 1.5"),
        ({"mastery_difficulty": 11}, r"mastery_difficulty: expected an integer in 1..10"),
        ({"start_difficulty": 0}, r"start_difficulty: expected an integer in 1..10"),
        ({"mastery_threshold": 0.95}, r"expected lower_below < mastery_threshold <= raise_above"),
        ({"lower_below": 0.85}, r"expected lower_below < mastery_threshold"),
        ({"raise_above": "0.9"}, r"raise_above: expected a number in \(0, 1\], got '0.9'"),
        ({"mastery_threshold": 0}, r"mastery_threshold: expected a number in \(0, 1\]"),
    ],
)
def test_invalid_configs_raise_clear_errors(values, message):
    with pytest.raises(SkillTreeError, match=message):
        CurriculumConfig(**values)


def test_unknown_config_options_are_named_with_the_allowed_ones():
    with pytest.raises(SkillTreeError, match=r"unknown curriculum option\(s\) \['windw'\]; "
                                             r"allowed: \['window'"):
        CurriculumConfig.from_dict({"windw": 3})
    with pytest.raises(SkillTreeError, match="expected a CurriculumConfig"):
        SkillTree(ladder(), {"window": 3})


# -- progress --------------------------------------------------------------------------------------


def master(tree: SkillTree, task: str) -> None:
    """Feed perfect windows until ``task`` is mastered."""
    while not tree.is_mastered(task):
        tree.record(task, tree.difficulty(task), True)


def test_difficulty_follows_the_window_and_the_window_follows_the_difficulty():
    tree = SkillTree([node("a")], CurriculumConfig(**FAST))
    for _ in range(9):
        assert tree.record("a", 1, True) == []
    assert tree.accuracy("a") == 1.0 and tree.difficulty("a") == 1  # window not full yet
    [up] = tree.record("a", 1, True)
    assert (up.kind, up.difficulty, up.episode) == ("difficulty_up", 2, 10)
    assert tree.accuracy("a") is None  # the window is per difficulty
    assert tree.record("a", 1, False) == [] and tree.accuracy("a") is None  # stale level: ignored
    assert tree.progress("a")["episodes"] == 11
    for _ in range(10):
        events = tree.record("a", 2, False)
    assert [(e.kind, e.difficulty) for e in events] == [("difficulty_down", 1)]
    for _ in range(20):  # floor: stays at 1, window keeps rolling
        tree.record("a", 1, False)
    assert tree.difficulty("a") == 1 and tree.accuracy("a") == 0.0


def test_mastery_needs_the_threshold_at_the_mastery_difficulty_and_is_sticky():
    tree = SkillTree([node("a"), node("b", 0, ("a",))], CurriculumConfig(**FAST))
    outcomes = [True] * 8 + [False] * 2  # accuracy 0.8: enough to master, not to raise
    for c in outcomes * 3:
        tree.record("a", 1, c)
    assert not tree.is_mastered("a") and tree.difficulty("a") == 1  # below mastery_difficulty
    for c in [True] * 10:
        tree.record("a", 1, c)
    assert tree.difficulty("a") == 2
    events = [e for c in outcomes for e in tree.record("a", 2, c)]
    assert [(e.kind, e.task) for e in events] == [("mastered", "a"), ("unlock", "b")]
    for _ in range(30):
        tree.record("a", tree.difficulty("a"), False)  # forgetting lowers the level ...
    assert tree.is_mastered("a") and tree.is_unlocked("b")  # ... but not the mastery
    assert tree.difficulty("a") == 1


def test_tier_gate_opens_a_tier_when_enough_of_the_tier_below_is_mastered():
    nodes = [node("a"), node("b"), node("c"), node("d"), node("x", 1, ("a",)),
             node("y", 3, ("x",))]
    tree = SkillTree(nodes, CurriculumConfig(**FAST))
    master(tree, "a")
    assert tree.open_tiers == (0,) and not tree.is_unlocked("x")  # 1 of 4 < 0.5
    master(tree, "b")
    assert tree.open_tiers == (0, 1) and tree.is_unlocked("x")
    master(tree, "x")
    assert tree.open_tiers == (0, 1, 3)  # empty tier 2 is skipped: tier 3 gates on tier 1
    assert tree.is_unlocked("y")
    ungated = SkillTree(nodes, CurriculumConfig(**{**FAST, "tier_gate": 0.0}))
    master(ungated, "a")
    assert ungated.is_unlocked("x")  # only prerequisites matter


def test_record_rejects_unknown_locked_and_malformed_outcomes():
    tree = SkillTree(ladder(), CurriculumConfig(**FAST))
    with pytest.raises(UnknownTaskError, match=r"'ad' is not in the skill tree; did you mean"):
        tree.record("ad", 1, True)
    with pytest.raises(SkillTreeError, match=r"task 'rsa' is locked"):
        tree.record("rsa", 1, True)
    with pytest.raises(SkillTreeError, match=r"difficulty: expected an integer in 1..10, got '1'"):
        tree.record("add", "1", True)
    with pytest.raises(SkillTreeError, match=r"difficulty: expected an integer in 1..10, got 11"):
        tree.record("add", 11, True)
    with pytest.raises(SkillTreeError, match=r"correct: expected a bool, got 'yes'"):
        tree.record("add", 1, "yes")
    assert tree.episodes == 0


# -- the scripted learner --------------------------------------------------------------------------


def test_a_learner_unlocks_the_tiers_in_prerequisite_order_and_never_sees_a_locked_task():
    tree = SkillTree(ladder(), CurriculumConfig(**FAST))
    sampler = TaskSampler(tree, seed=1)
    run(sampler, Learner(seed=2), 4000)  # asserts every draw is unlocked
    assert set(tree.mastered) == set(tree.tasks), tree.summary()
    unlocked_at = {e.task: e.episode for e in tree.history if e.kind == "unlock"}
    mastered_at = {e.task: e.episode for e in tree.history if e.kind == "mastered"}
    assert set(unlocked_at) == set(tree.tasks)
    for name, n in tree.nodes.items():
        for q in n.prerequisites:
            assert mastered_at[q] <= unlocked_at[name], (name, q)
        assert unlocked_at[name] <= mastered_at[name]
    first = {t: min(unlocked_at[n] for n in names) for t, names in tree.tiers.items()}
    assert [first[t] for t in sorted(first)] == sorted(first.values())
    assert first[0] < first[1] < first[2] < first[3]
    # each tier opened only after half the tier below was mastered
    for tier in (1, 2, 3):
        below = tree.tiers[tier - 1]
        assert sum(mastered_at[n] <= first[tier] for n in below) >= 0.5 * len(below)


@pytest.mark.parametrize("seed", range(5))
def test_nothing_locked_is_ever_sampled_on_random_trees(seed):
    rng = np.random.default_rng(seed)
    nodes = []
    for i in range(30):
        tier = int(rng.integers(0, 5))
        pool = [n.name for n in nodes if n.tier <= tier]
        picks = rng.choice(pool, size=min(len(pool), int(rng.integers(0, 3))), replace=False)
        nodes.append(node(f"t{i}", tier, tuple(picks), REASONING_PATTERNS[rng.integers(26)]))
    tree = SkillTree(nodes, CurriculumConfig(window=5, mastery_difficulty=1, tier_gate=0.3))
    sampler = TaskSampler(tree, seed=seed)
    coin = np.random.default_rng(seed + 100)
    for _ in range(3000):
        task, difficulty = sampler.next()
        assert tree.is_unlocked(task)
        for q in tree.nodes[task].prerequisites:
            assert tree.is_mastered(q)
        sampler.record(task, difficulty, bool(coin.random() < 0.85))


# -- retention and pattern balance ----------------------------------------------------------------


def test_retention_samples_mastered_tasks_at_the_configured_ratio():
    patterns = REASONING_PATTERNS
    nodes = [node(f"t{i}", 0, (), patterns[i % 3]) for i in range(9)]
    tree = SkillTree(nodes, CurriculumConfig(**{**FAST, "retention": 0.3}))
    for name in ("t0", "t4"):
        master(tree, name)
    sampler = TaskSampler(tree, seed=3)
    draws = [sampler.next()[0] for _ in range(20_000)]
    share = np.mean([tree.is_mastered(t) for t in draws])
    assert abs(share - 0.3) < 0.015, share
    assert sampler.retention_draws / sampler.draws == share
    assert Counter(draws)["t0"] > 0 and Counter(draws)["t4"] > 0


def test_retention_edges_no_mastered_tasks_or_no_frontier():
    tree = SkillTree([node("a"), node("b")], CurriculumConfig(**FAST))
    sampler = TaskSampler(tree, seed=0)
    assert sampler.retention_draws == 0 and {sampler.next()[0] for _ in range(200)} == {"a", "b"}
    master(tree, "a")
    master(tree, "b")
    assert {sampler.next()[0] for _ in range(200)} == {"a", "b"}  # all mastered: all retention
    assert sampler.last_retained


SIZES = {"greedy_selection": 1, "optimization": 2, "linear_algebra": 5, "logical_deduction": 12}


@pytest.mark.parametrize(
    "retention, mastered",
    [
        (0.0, []),  # nothing mastered: the frontier alone
        (0.2, ["linear_algebra_0"]),  # early: one pattern in both pools
        (0.5, ["greedy_selection_0", "optimization_0", "linear_algebra_0"]),  # greedy: all mastered
        (0.6, ["greedy_selection_0", "optimization_0", "optimization_1", "linear_algebra_1"]),
    ],
)
def test_pattern_exposure_is_equal_whatever_the_number_of_generators(retention, mastered):
    nodes = [node(f"{p}_{i}", 0, (), p) for p, n in SIZES.items() for i in range(n)]
    tree = SkillTree(nodes, CurriculumConfig(**{**FAST, "retention": retention}))
    for name in mastered:
        master(tree, name)
    sampler = TaskSampler(tree, seed=4)
    draws = [sampler.next()[0] for _ in range(20_000)]
    exposure = Counter(tree.nodes[t].pattern for t in draws)
    for p in SIZES:
        assert abs(exposure[p] / 20_000 - 0.25) <= 0.1 * 0.25, exposure
    retained = np.mean([tree.is_mastered(t) for t in draws])
    assert abs(retained - (retention if mastered else 0.0)) < 0.015  # and retention still holds
    assert set(draws) == set(tree.tasks)  # every task of a pattern is practised


@pytest.mark.parametrize("retention", [0.2, 0.5])
def test_no_unlocked_task_is_starved_when_equal_exposure_is_impossible(retention):
    # five patterns of two tasks; one mastered task: its pattern alone cannot take the
    # retention share at an equal split, yet its other task must still be practised
    nodes = [node(f"{p}_{i}", 0, (), p) for p in REASONING_PATTERNS[:5] for i in range(2)]
    tree = SkillTree(nodes, CurriculumConfig(**{**FAST, "retention": retention}))
    master(tree, nodes[0].name)
    sampler = TaskSampler(tree, seed=6)
    counts = Counter(sampler.next()[0] for _ in range(5000))
    assert set(counts) == set(tree.tasks)
    assert abs(counts[nodes[0].name] / 5000 - retention) < 0.03
    assert counts[nodes[1].name] / 5000 > 0.5 * (1 - retention) / 9  # its frontier sibling


def test_when_equal_exposure_is_impossible_the_retention_share_is_kept():
    # three of four patterns fully mastered but only 10% retention: they share that 10%
    nodes = [node(f"{p}_{i}", 0, (), p) for p, n in SIZES.items() for i in range(n)]
    tree = SkillTree(nodes, CurriculumConfig(**{**FAST, "retention": 0.1}))
    for name in tree.tasks:
        if not name.startswith("logical"):
            master(tree, name)
    sampler = TaskSampler(tree, seed=5)
    exposure = Counter(tree.nodes[sampler.next()[0]].pattern for _ in range(20_000))
    assert abs(exposure["logical_deduction"] / 20_000 - 0.9) < 0.015
    for p in ("greedy_selection", "optimization", "linear_algebra"):
        assert abs(exposure[p] / 20_000 - 0.1 / 3) < 0.01


# -- state -----------------------------------------------------------------------------------------


def test_save_and_load_mid_run_reproduce_the_same_tasks_and_difficulties(tmp_path):
    path = tmp_path / "curriculum.json"
    tree = SkillTree(ladder(), CurriculumConfig(**FAST))
    sampler, learner = TaskSampler(tree, seed=5), Learner(seed=6)
    run(sampler, learner, 700)
    sampler.save(path)
    saved_learner = copy.deepcopy(learner)
    expected = run(sampler, learner, 1500)
    assert len(set(expected)) > 10  # the continuation moves through tasks and levels

    resumed = TaskSampler(SkillTree(ladder()), seed=999)  # other seed, default config
    resumed.load(path)
    assert resumed.config == CurriculumConfig(**FAST)
    assert run(resumed, saved_learner, 1500) == expected
    assert resumed.tree.state_dict() == tree.state_dict()
    assert [p.name for p in tmp_path.iterdir()] == ["curriculum.json"]  # no temp file left
    state = json.loads(path.read_text())
    assert state["format"] == "engram-curriculum" and state["version"] == 1


def test_loading_into_a_grown_tree_keeps_progress_and_unlocks_new_tasks(tmp_path):
    tree = SkillTree(ladder()[:4], CurriculumConfig(**FAST))
    master(tree, "add")
    state = tree.state_dict()
    grown = SkillTree(ladder())
    grown.load_state_dict(state)
    assert grown.is_mastered("add") and grown.is_unlocked("subtract")
    assert not grown.is_unlocked("multiply")  # tier 1 stays gated: 1 of 4 tier-0 tasks mastered
    with pytest.raises(SkillTreeError, match=r"tasks this skill tree lacks: \['compare', 'count'"):
        SkillTree([node("add")]).load_state_dict(
            SkillTree(ladder()[:4], CurriculumConfig(**FAST)).state_dict())


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", r"expected a curriculum state in JSON, got invalid JSON"),
        ('{"format": "other"}',
         r"expected a curriculum state \(format 'engram-curriculum'\), got 'other'"),
        ('[1, 2]', r"format 'engram-curriculum'\), got 'list'"),
        ('{"format": "engram-curriculum", "version": 9}',
         r"expected curriculum state version 1, got 9"),
    ],
)
def test_bad_state_files_raise_clear_errors(tmp_path, text, message):
    path = tmp_path / "state.json"
    path.write_text(text)
    with pytest.raises(SkillTreeError, match=message):
        TaskSampler(SkillTree(ladder())).load(path)


def test_corrupt_state_content_raises_a_clear_error():
    sampler = TaskSampler(SkillTree(ladder()))
    state = sampler.state_dict()
    del state["tree"]["tasks"]["add"]["window"]
    with pytest.raises(SkillTreeError, match=r"not a valid skill-tree state \(KeyError"):
        sampler.load_state_dict(state)


# -- registry and rendering ------------------------------------------------------------------------


def test_the_registered_generators_form_a_valid_tree():
    tree = SkillTree.from_registry()  # raises on a cycle, unknown or higher-tier prerequisite
    assert {"addition", "subtraction", "comparison"} <= set(tree.tiers[0])
    assert tree.is_unlocked("addition") and not tree.is_unlocked("subtraction")
    assert with_prerequisites(["subtraction"]) == ["addition", "subtraction"]
    assert SkillTree.from_registry(["subtraction"]).tasks == ("addition", "subtraction")


def test_text_rendering_shows_tiers_status_and_prerequisites():
    tree = SkillTree(ladder(), CurriculumConfig(**FAST))
    master(tree, "add")
    text = render_tree_text(tree)
    assert "14 tasks in 4 tiers; 4 unlocked, 1 mastered" in text
    assert "tier 0 (open): 4 tasks, 4 unlocked, 1 mastered" in text
    assert "tier 3 (closed)" in text
    lines = {line.split()[1]: line for line in text.splitlines() if line.startswith("  ")
             and len(line.split()) > 1 and line.split()[0] in "✓●·"}
    assert lines["add"].lstrip().startswith("✓") and "d3" in lines["add"]
    assert lines["subtract"].lstrip().startswith("●") and lines["subtract"].endswith("<- add")
    assert lines["rsa"].lstrip().startswith("·") and lines["rsa"].endswith("<- modpow, gcd")


def test_png_rendering_of_a_150_task_tree(tmp_path):
    rng = np.random.default_rng(0)
    nodes = []
    for tier, count in enumerate([16, 18, 18, 17, 16, 15, 14, 12, 10, 8, 6]):
        pool = [n.name for n in nodes if n.tier >= tier - 3]
        for i in range(count):
            picks = rng.choice(pool, size=min(len(pool), 2), replace=False) if pool else ()
            nodes.append(node(f"task_with_a_long_name_{tier}_{i}", tier, tuple(picks),
                              REASONING_PATTERNS[rng.integers(26)]))
    tree = SkillTree(nodes, CurriculumConfig(window=5, mastery_difficulty=1))
    run(TaskSampler(tree, seed=0), Learner(seed=0, rate=0.2), 1500)
    path = tmp_path / "tree.png"
    render_tree_png(tree, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 50_000
