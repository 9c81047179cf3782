"""The curriculum wrapper over real envs (tier-0 arithmetic only), its env ids and `engram tree`."""

from __future__ import annotations

import copy
import doctest
import json
import warnings
from collections import Counter

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import engram_env
from engram_env import EngramEnv
from engram_env.registration import CURRICULUM_ID, register_collections, tier_env_id
from engram_env.registry import select
from engram_env.skilltree import CurriculumConfig, SkillTree, SkillTreeError, TaskSampler
from engram_env.vocab import encode
from wrappers import CurriculumRecorder, CurriculumWrapper, curriculum, make_curriculum_vec_env

TASKS = ["addition", "comparison", "subtraction"]  # tier 0; subtraction requires addition
FAST = {"window": 8, "mastery_threshold": 0.8, "mastery_difficulty": 2, "raise_above": 0.9,
        "lower_below": 0.3, "retention": 0.25}
WRONG = encode("?", eos=True)  # never a correct answer to these tasks


class Agent:
    """A scripted learner: writes the reference solution with a probability that rises with
    practice on the task and falls with difficulty, else a wrong answer."""

    def __init__(self, seed: int = 0, rate: float = 0.08, only: str | None = None) -> None:
        self.rng = np.random.default_rng(seed)
        self.rate, self.only = rate, only
        self.practice: Counter[str] = Counter()

    def solution(self, problem) -> np.ndarray:
        self.practice[problem.task] += 1
        p = min(0.98, 0.1 + self.rate * self.practice[problem.task] - 0.05 * problem.difficulty)
        good = self.rng.random() < p and self.only in (None, problem.task)
        return problem.target_ids if good else WRONG


def play(env, agent: Agent, episodes: int) -> list[tuple]:
    """Play ``episodes`` episodes; return (task, difficulty, problem seed, correct) of each, and
    check that nothing locked is handed out."""
    log = []
    for _ in range(episodes):
        _, info = env.reset()
        c = info["curriculum"]
        assert c["pool"] in ("frontier", "retention")
        assert env.tree.is_unlocked(c["task"]), f"locked task {c['task']} was sampled"
        assert (info["task"], info["difficulty"]) == (c["task"], c["difficulty"])
        for token in agent.solution(info["problem"]):
            _, _, terminated, truncated, step = env.step(int(token))
            if terminated or truncated:
                break
            assert "curriculum" not in step
        outcome = step["curriculum"]
        assert outcome["correct"] == step["answer_correct"]
        log.append((c["task"], c["difficulty"], info["problem"].seed, outcome["correct"]))
    return log


def wrapper(config=FAST, seed=0, **kwargs) -> CurriculumWrapper:
    return CurriculumWrapper(EngramEnv(tasks=TASKS), config, seed=seed, **kwargs)


def test_docstring_example():
    result = doctest.testmod(curriculum)
    assert result.attempted > 0 and result.failed == 0


def test_a_learner_unlocks_tasks_after_their_prerequisites_and_climbs_in_difficulty():
    env = wrapper()
    assert env.tree.unlocked == ("addition", "comparison")
    log = play(env, Agent(seed=1), 400)
    events = [e for e in env.tree.history if e.kind in ("unlock", "mastered")]
    order = [(e.kind, e.task) for e in events]
    assert order.index(("mastered", "addition")) < order.index(("unlock", "subtraction"))
    first_subtraction = next(i for i, entry in enumerate(log) if entry[0] == "subtraction")
    assert first_subtraction >= env.tree.history[order.index(("unlock", "subtraction"))].episode
    assert set(env.tree.mastered) == set(TASKS)
    assert all(env.tree.difficulty(t) >= 3 for t in TASKS)
    assert max(d for _, d, _, _ in log) >= 3


def test_retention_over_20000_resets_and_pattern_balance():
    env = wrapper()
    play(env, Agent(seed=2, rate=1.0, only="addition"), 60)  # masters addition, nothing else
    assert env.tree.mastered == ("addition",) and env.tree.frontier == ("comparison", "subtraction")
    episodes = env.tree.episodes
    counts = Counter(env.reset()[1]["curriculum"]["task"] for _ in range(20_000))
    assert env.tree.episodes == episodes  # abandoned episodes are not outcomes
    shares = {t: counts[t] / 20_000 for t in TASKS}
    assert abs(shares["addition"] - 0.25) < 0.015, shares  # the retention ratio
    # two patterns present: simulation_trace (addition, subtraction), comparison_and_ordering
    assert abs(shares["comparison"] - 0.5) <= 0.05, shares
    assert abs(shares["addition"] + shares["subtraction"] - 0.5) <= 0.05, shares


def test_save_and_load_mid_run_reproduce_tasks_difficulties_and_problems(tmp_path):
    path = tmp_path / "curriculum.json"
    env, agent = wrapper(seed=3), Agent(seed=4)
    play(env, agent, 60)
    env.save(path)
    saved_agent = copy.deepcopy(agent)
    expected = play(env, agent, 120)
    assert len({(t, d) for t, d, _, _ in expected}) >= 3

    resumed = CurriculumWrapper(EngramEnv(tasks=TASKS))  # default config, unseeded
    resumed.load(path)
    assert resumed.tree.config == CurriculumConfig(**FAST)
    assert play(resumed, saved_agent, 120) == expected
    assert json.loads(path.read_text())["tree"]["episodes"] == 60


def test_forced_episodes_bypass_the_curriculum_and_are_not_recorded():
    env = wrapper()
    _, info = env.reset(options={"task": "subtraction", "difficulty": 7})  # locked, but asked for
    assert info["curriculum"]["pool"] == "forced" and info["problem"].difficulty == 7
    for token in info["problem"].target_ids:
        *_, step = env.step(int(token))
    assert step["answer_correct"] and "curriculum" not in step
    assert env.tree.episodes == 0
    _, info = env.reset(seed=5, options={"problem_seed": 11})  # other options pass through
    assert info["curriculum"]["pool"] == "frontier" and info["problem"].seed == 11


def test_info_reports_progress_and_events():
    env = wrapper(config={**FAST, "mastery_difficulty": 1}, seed=6)
    _, info = env.reset()
    assert info["curriculum"] == {"task": info["task"], "difficulty": 1, "pool": "frontier",
                                  "episodes": 0, "tasks": 3, "unlocked": 2, "mastered": 0,
                                  "open_tiers": 1}
    events = []
    agent = Agent(rate=1.0, only="addition")
    for _ in range(40):
        _, info = env.reset()
        for token in agent.solution(info["problem"]):
            *_, step = env.step(int(token))
        events += step["curriculum"]["events"]
    kinds = [(e["kind"], e["task"]) for e in events]
    assert ("mastered", "addition") in kinds and ("unlock", "subtraction") in kinds
    assert ("difficulty_up", "addition") in kinds
    assert step["curriculum"]["unlocked"] == 3 and step["curriculum"]["mastered"] == 1


class FakeWriter:
    def __init__(self) -> None:
        self.scalars: list[tuple[str, float, int]] = []

    def add_scalar(self, tag, value, step) -> None:
        self.scalars.append((tag, value, step))


def test_progress_is_logged_every_log_every_episodes():
    writer = FakeWriter()
    env = wrapper(writer=writer, log_every=5)
    play(env, Agent(seed=7), 12)
    steps = sorted({s for _, _, s in writer.scalars})
    assert steps == [5, 10]
    tags = {t for t, _, s in writer.scalars if s == 10}
    assert {"curriculum/unlocked", "curriculum/mastered", "curriculum/open_tiers",
            "curriculum_difficulty/addition", "curriculum_difficulty/comparison"} <= tags
    assert any(t.startswith("curriculum_accuracy/") for t in tags)
    assert not any(t.endswith("/subtraction") for t in tags)  # locked tasks are not logged


def test_progress_reaches_a_real_tensorboard_file(tmp_path):
    tensorboard = pytest.importorskip("torch.utils.tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    writer = tensorboard.SummaryWriter(str(tmp_path))
    env = wrapper(writer=writer, log_every=4)
    play(env, Agent(seed=8), 8)
    writer.close()
    events = EventAccumulator(str(tmp_path))
    events.Reload()
    unlocked = events.Scalars("curriculum/unlocked")
    assert [e.step for e in unlocked] == [4, 8] and unlocked[0].value == 2
    assert "curriculum_accuracy/addition" in events.Tags()["scalars"]


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(TypeError, match=r"env: expected an EngramEnv .*got"):
        CurriculumWrapper(gym.make("CartPole-v1"))
    with pytest.raises(SkillTreeError, match=r"requires 'addition', which is not in the tree"
                                             r"(.|\n)*with_prerequisites"):
        CurriculumWrapper(EngramEnv(tasks=["subtraction", "comparison"]))
    sampler = TaskSampler(SkillTree.from_registry(["addition"]))
    with pytest.raises(ValueError, match="not both"):
        CurriculumWrapper(EngramEnv(tasks=TASKS), FAST, sampler=sampler)
    with pytest.raises(SkillTreeError, match=r"sampler's tree has tasks the env lacks: "
                                             r"\['addition'\]"):
        CurriculumWrapper(EngramEnv(tasks=["comparison"]), sampler=sampler)
    with pytest.raises(TypeError, match=r"writer: expected a TensorBoard SummaryWriter"):
        wrapper(writer=object())
    with pytest.raises(ValueError, match=r"log_every: expected an integer >= 1, got 0"):
        wrapper(log_every=0)
    with pytest.raises(SkillTreeError, match=r"unknown curriculum option\(s\) \['windw'\]"):
        gym.make(CURRICULUM_ID, tasks=["subtraction"], windw=3)
    with pytest.raises(SkillTreeError, match=r"retention: expected a number in \[0, 1\)"):
        wrapper(config={"retention": 2})


def test_a_sampler_can_be_shared_and_drives_the_wrapper():
    sampler = TaskSampler(SkillTree.from_registry(["subtraction"], CurriculumConfig(**FAST)),
                          seed=9)
    env = CurriculumWrapper(EngramEnv(tasks=TASKS), sampler=sampler)
    tasks = {env.reset()[1]["task"] for _ in range(50)}
    assert tasks == {"addition"}  # the sampler's tree gates the env's tasks


# -- vector forms -----------------------------------------------------------------------------------


def vector_play(envs, steps: int, seed: int, recorder=None) -> Counter:
    """Step a vector env with a policy that answers right half the time; count finished episodes
    per task."""
    rng = np.random.default_rng(seed)
    queues: list[list[int]] = [[] for _ in range(envs.num_envs)]
    finished: Counter[str] = Counter()
    tasks = [None] * envs.num_envs

    def start(infos):
        for i in np.flatnonzero(infos.get("_problem", [])).tolist():
            problem = infos["problem"][i]
            tasks[i] = problem.task
            good = rng.random() < 0.5
            queues[i] = list(encode(problem.answer if good else "?", eos=True))

    _, infos = envs.reset(seed=seed)
    start(infos)
    if recorder:
        recorder.reset(infos)
    for _ in range(steps):
        actions = np.array([q.pop(0) if q else 0 for q in queues])
        _, _, terminated, truncated, infos = envs.step(actions)
        for i in np.flatnonzero(terminated | truncated).tolist():
            finished[tasks[i]] += 1
        if recorder:
            recorder.step(infos)
        start(infos)
    return finished


@pytest.mark.parametrize("mode", ["NextStep", "SameStep"])
def test_vector_envs_share_one_curriculum(mode):
    envs = make_curriculum_vec_env(4, ["subtraction", "comparison"], seed=0, autoreset_mode=mode,
                                   **{**FAST, "mastery_difficulty": 1})
    sampler = envs.envs[0].sampler
    assert all(e.sampler is sampler for e in envs.envs)
    finished = vector_play(envs, 150, seed=1)
    assert sampler.tree.episodes == sum(finished.values()) > 100
    assert sampler.tree.episodes == sum(sampler.tree.progress(t)["episodes"] for t in TASKS[:3])


@pytest.mark.parametrize("mode", ["NextStep", "SameStep"])
def test_recorder_feeds_a_vector_envs_outcomes_to_the_sampler(mode):
    sampler = TaskSampler(SkillTree.from_registry(["addition", "comparison"],
                                                  CurriculumConfig(**FAST)))
    envs = gym.vector.SyncVectorEnv([lambda: EngramEnv(tasks=TASKS) for _ in range(3)],
                                    autoreset_mode=mode)
    recorder = CurriculumRecorder(sampler, 3)
    finished = vector_play(envs, 200, seed=2, recorder=recorder)
    tree = sampler.tree
    for task in ("addition", "comparison"):
        assert tree.progress(task)["episodes"] == finished[task] > 0
    assert recorder.skipped == finished["subtraction"] > 0  # not the sampler's: not recorded
    correct = tree.progress("addition")["correct"] + tree.progress("comparison")["correct"]
    assert 0.3 < correct / tree.episodes < 0.7
    with pytest.raises(TypeError, match="sampler: expected a TaskSampler"):
        CurriculumRecorder(sampler.tree, 3)


# -- registration ---------------------------------------------------------------------------------


def test_tier_and_curriculum_ids_are_registered():
    tiers = sorted({g.tier for g in select()})
    ids = register_collections()  # idempotent
    assert ids == [tier_env_id(t) for t in tiers] + [CURRICULUM_ID]
    assert not set(ids) & set(engram_env.ENV_IDS)  # ENV_IDS stays one id per task
    for t in tiers:
        assert gym.spec(tier_env_id(t)).kwargs["tasks"] == [g.name for g in select(tier=t)]
    env = gym.make("Engram-tier0-v0")
    assert set(TASKS) <= set(env.unwrapped.task_names)
    env.reset(seed=0)
    drawn = {env.reset()[1]["task"] for _ in range(40 * len(env.unwrapped.task_names))}
    assert drawn == set(env.unwrapped.task_names)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)


def test_curriculum_env_from_gym_make():
    env = gym.make(CURRICULUM_ID, tasks=["subtraction"], seed=0, **FAST)
    assert env.unwrapped.task_names == ["addition", "subtraction"]  # prerequisites pulled in
    assert env.reset(seed=1)[1]["curriculum"]["task"] == "addition"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=".*different from the unwrapped version")
        check_env(env.env.env)  # the CurriculumWrapper itself, under make's own wrappers


def test_curriculum_env_resumes_from_a_state_file(tmp_path):
    env = gym.make(CURRICULUM_ID, tasks=["subtraction"], seed=2, **FAST)
    play(env.env.env, Agent(seed=3), 30)
    env.env.env.save(tmp_path / "state.json")
    resumed = gym.make(CURRICULUM_ID, tasks=["subtraction"], state=tmp_path / "state.json")
    assert resumed.env.env.tree.state_dict() == env.env.env.tree.state_dict()


# -- engram tree ----------------------------------------------------------------------------------


def test_engram_tree_prints_and_draws_the_tree_with_a_saved_state(tmp_path, capsys):
    from engram_env.cli import main

    env = wrapper(config={**FAST, "mastery_difficulty": 1})
    play(env, Agent(seed=2, rate=1.0, only="addition"), 40)
    env.save(tmp_path / "state.json")
    png = tmp_path / "tree.png"
    assert main(["tree", "--png", str(png), "--state", str(tmp_path / "state.json")]) == 0
    out = capsys.readouterr().out
    assert "tier 0 (open)" in out and f"wrote {png}" in out
    line = next(x for x in out.splitlines() if " addition " in x)
    assert line.lstrip().startswith("✓")
    assert png.read_bytes()[:4] == b"\x89PNG"
