"""EngramVectorEnv: the same episodes as SyncVectorEnv over EngramEnv, batched; and its helpers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import engram_env
from engram_env import EngramEnv, EpisodeFinishedError, get_generator
from engram_env.generator import Generator
from engram_env.rng import SeedStreams, stream_value
from engram_env.vector import EngramVectorEnv, encode_batch
from engram_env.verifiers import IntegerAnswer
from engram_env.vocab import PAD, STEP, VocabularyError, encode

MODES = ("step", "char", "final")
ARITHMETIC = ("addition", "subtraction", "multiplication", "division", "comparison")


def _unbatched_task() -> str | None:
    """A registered task without batched sampling, so the generic problem path is covered too."""
    from engram_env.rng import BatchSampling

    for name in engram_env.task_names():
        generator = get_generator(name)
        if not isinstance(generator, BatchSampling):
            try:
                generator.problems(range(20), 2)
                return name
            except Exception:  # noqa: BLE001, S112  (a generator in progress: try the next)
                continue
    return None


# -- equality with SyncVectorEnv -----------------------------------------------------------------


class ScriptedPolicy:
    """Per slot, a script chosen at each episode start: the reference solution, a spaced-out or
    zero-padded one (equivalent forms: the verifier path), a wrong step, an answer alone, extra
    segments, random tokens, or no ``<eos>`` (truncation). Past its script a slot writes random
    tokens. Actions depend only on the problems and the policy's own RNG."""

    def __init__(self, n: int, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.scripts: list[list[int]] = [[] for _ in range(n)]
        self.position = np.zeros(n, dtype=np.int64)
        self.kinds: set[str] = set()

    def start(self, i: int, problem) -> None:
        kind = self.rng.choice(["oracle", "spaced", "wrong", "answer", "extra", "random", "no_eos"],
                               p=[0.25, 0.2, 0.15, 0.1, 0.1, 0.1, 0.1])
        self.kinds.add(str(kind))
        steps, answer = list(problem.steps), problem.answer
        if kind == "spaced":
            steps = [s[:1] + " " + s[1:] if self.rng.random() < 0.7 else s for s in steps]
            answer = (" 0" + answer) if answer.isdigit() else " " + answer
        elif kind == "wrong" and steps:
            j = int(self.rng.integers(len(steps)))
            steps[j] = steps[j] + "1"
        elif kind == "answer":
            steps = []
        elif kind == "extra":
            steps = steps + ["0=0"]
        if kind == "random":
            script = self.rng.integers(0, 135, 40).tolist()
        else:
            script = encode(" <step> ".join([*steps, answer]), eos=kind != "no_eos").tolist()
            if kind == "no_eos":
                script += [PAD] * 512
        self.scripts[i] = script
        self.position[i] = 0

    def actions(self) -> np.ndarray:
        out = self.rng.integers(0, 135, len(self.scripts))
        for i, script in enumerate(self.scripts):
            if self.position[i] < len(script):
                out[i] = script[self.position[i]]
        self.position += 1
        return out


def assert_same(a, b, where: str) -> None:
    """Deep equality of observations / infos, dtypes of numeric arrays included."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), (where, sorted(a), sorted(b))
        for key in a:
            assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, np.ndarray) and a.dtype == object:
        assert isinstance(b, np.ndarray) and b.dtype == object and a.shape == b.shape, where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype, (where, a.dtype, getattr(b, "dtype", b))
        assert np.array_equal(a, b), (where, a, b)
    else:
        assert a == b and type(a) is type(b), (where, a, b)


def run_both(n, steps, *, reward_mode, seed, task=None, tasks=None, difficulty=2, copy=False,
             generator=None):
    """Step EngramVectorEnv and SyncVectorEnv(EngramEnv) side by side, asserting equality."""
    kwargs = {"task": task, "tasks": tasks, "difficulty": difficulty, "reward_mode": reward_mode}
    vec = EngramVectorEnv(n, copy=copy, **kwargs)
    ref = SyncVectorEnv([lambda: EngramEnv(**kwargs) for _ in range(n)],
                        autoreset_mode=AutoresetMode.SAME_STEP)
    if generator is not None:  # stand in for the task's own generator in both
        for env in [vec, *ref.envs]:
            env.generators[generator.name] = generator
    policy = ScriptedPolicy(n, seed)
    stats = {"episodes": 0, "truncated": 0, "returns": [], "step_correct": 0}
    returns = np.zeros(n)

    def reset(**reset_kwargs):
        (obs_v, info_v), (obs_r, info_r) = vec.reset(**reset_kwargs), ref.reset(**reset_kwargs)
        assert_same(obs_v, obs_r, "reset obs")
        assert_same(info_v, info_r, "reset info")
        for i in np.flatnonzero(info_r["_problem"]):
            policy.start(i, info_r["problem"][i])
            returns[i] = 0.0

    reset(seed=seed)
    for t in range(steps):
        if t == steps // 2:  # a partial reset with options, mid-run
            mask = np.arange(n) % 2 == 0
            seeds = [None if i % 4 == 2 else seed + 100 + i for i in range(n)]  # None: carry on
            reset(seed=seeds, options={"reset_mask": mask, "difficulty": 3,
                                             **({"task": tasks[-1]} if tasks else {})})
        actions = policy.actions()
        out_v, out_r = vec.step(actions.copy()), ref.step(actions.copy())
        for name, x, y in zip(("obs", "rewards", "terminated", "truncated", "infos"), out_v, out_r):
            assert_same(x, y, f"step {t} {name}")
        _, rewards, terminated, truncated, infos = out_r
        returns += rewards
        stats["step_correct"] += int(infos.get("step_correct", np.zeros(1)).sum())
        for i in np.flatnonzero(terminated | truncated):
            stats["episodes"] += 1
            stats["truncated"] += bool(truncated[i])
            stats["returns"].append(returns[i])
            returns[i] = 0.0
            policy.start(i, infos["problem"][i])
    vec.close()
    ref.close()
    stats["kinds"] = policy.kinds
    return stats


@pytest.mark.parametrize("reward_mode", MODES)
def test_matches_sync_vector_env_single_task(reward_mode, monkeypatch):
    monkeypatch.setattr(EngramVectorEnv, "seed_block", 3)  # seeds drawn ahead: refill often
    stats = run_both(6, 700, reward_mode=reward_mode, seed=11, task="division")
    assert stats["episodes"] >= 30 and (stats["truncated"] >= 1) == (reward_mode != "char")
    assert 1.0 in stats["returns"] and stats["kinds"] >= {"oracle", "spaced", "random"}


@pytest.mark.parametrize("reward_mode", MODES)
def test_matches_sync_vector_env_multi_task(reward_mode):
    tasks = list(ARITHMETIC) + [t for t in [_unbatched_task()] if t]
    stats = run_both(5, 650, reward_mode=reward_mode, seed=5, tasks=tasks, difficulty=3)
    assert stats["episodes"] >= 20 and (stats["truncated"] >= 1) == (reward_mode != "char")


class _AnswerOnly(IntegerAnswer, Generator):
    """Problems without reference steps (K = 0: the answer earns 1.0). No class-level name, so
    it is not registered; the test names the instance after the task it stands in for."""

    domain, tier, pattern = "arithmetic", 0, "simulation_trace"
    summary = difficulty_doc = "Write the number."

    def sample(self, rng, difficulty):
        value = int(rng.integers(10**difficulty))
        return self.make(difficulty, f"Write {value}.", [], str(value))


@pytest.mark.parametrize("reward_mode", MODES)
def test_matches_sync_vector_env_without_reference_steps(reward_mode):
    generator = _AnswerOnly()
    generator.name = "addition"
    stats = run_both(4, 560, reward_mode=reward_mode, seed=2, task="addition", generator=generator)
    assert 1.0 in stats["returns"]


def test_matches_sync_vector_env_with_copies_and_one_slot():
    run_both(1, 300, reward_mode="step", seed=3, task="addition", copy=True)


# -- the vector env's own contract ---------------------------------------------------------------


def test_make_vec_returns_the_native_vector_env():
    envs = gym.make_vec("Engram-addition-v0", num_envs=8, difficulty=3)
    assert isinstance(envs.unwrapped, EngramVectorEnv)
    assert envs.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    assert envs.single_observation_space == gym.make("Engram-addition-v0").observation_space
    assert envs.observation_space["output"].shape == (8, 512)
    assert envs.single_action_space == gym.spaces.Discrete(135)
    assert envs.action_space.shape == (8,)
    obs, infos = envs.reset(seed=0)
    assert obs in envs.observation_space and infos["_problem"].all()
    sync = gym.make_vec("Engram-addition-v0", num_envs=2, vectorization_mode="sync")
    assert isinstance(sync, SyncVectorEnv)
    if "Engram-tier0-v0" in gym.registry:  # the multi-task ids vectorise natively too
        tier = gym.make_vec("Engram-tier0-v0", num_envs=4)
        assert isinstance(tier, EngramVectorEnv) and len(tier.task_names) > 1


def test_episode_statistics_wrapper_reads_the_autoreset_mode():
    envs = gym.wrappers.vector.RecordEpisodeStatistics(
        gym.make_vec("Engram-addition-v0", num_envs=4, difficulty=2))
    envs.reset(seed=0)
    for _ in range(40):
        *_, infos = envs.step(envs.unwrapped.reference_actions())
        if "episode" in infos:
            break
    assert infos["_episode"].all() and (infos["episode"]["r"] == 1.0).all()


def test_oracle_returns_exactly_one_in_every_mode():
    for mode in MODES:
        for task in ARITHMETIC:
            envs = EngramVectorEnv(16, task=task, difficulty=5, reward_mode=mode)
            envs.reset(seed=1)
            returns, episodes = np.zeros(16), []
            for _ in range(300):
                _, rewards, terminated, truncated, infos = envs.step(envs.reference_actions())
                returns += rewards
                assert not truncated.any()
                for i in np.flatnonzero(terminated):
                    episodes.append(returns[i])
                    returns[i] = 0.0
                    assert infos["final_info"]["answer_correct"][i]
            assert len(episodes) >= 16 and set(episodes) == {1.0}, (mode, task)


def test_equivalent_forms_go_to_the_verifier():
    envs = EngramVectorEnv(2, task="addition", difficulty=3)
    _, infos = envs.reset(seed=0)
    p0, p1 = infos["problem"]
    texts = [" <step> ".join([p0.steps[0].replace("+", " + ", 1), *p0.steps[1:], "0" + p0.answer]),
             " <step> ".join([p1.steps[0] + "9", *p1.steps[1:], p1.answer])]
    scripts = [encode(text, eos=True) for text in texts]
    total = np.zeros(2)
    for t in range(max(map(len, scripts))):
        actions = np.array([s[t] if t < len(s) else PAD for s in scripts])
        total += envs.step(actions)[1]  # after its <eos> a slot writes <pad>: earns nothing
    assert total[0] == 1.0  # spaced step and leading zero: all correct by the verifier
    assert total[1] == pytest.approx(1 - 0.5 / 3)  # first step wrong, the rest right


def test_verifier_runs_only_where_the_exact_match_fails(monkeypatch):
    calls = []
    for task in ("addition", "division"):
        generator = get_generator(task)
        for name in ("check_step", "check_answer"):
            check = getattr(generator, name)
            monkeypatch.setattr(generator, name,
                                lambda *args, _check=check: calls.append(args) or _check(*args))
    envs = EngramVectorEnv(32, tasks=["addition", "division"], difficulty=4)
    envs.reset(seed=0)
    for _ in range(400):  # the oracle: every segment matches exactly
        envs.step(envs.reference_actions())
    assert calls == []
    envs.reset()
    envs.step(np.full(32, STEP))  # an empty first segment is no step: the verifier decides
    assert len(calls) == 32


def test_docstring_examples():
    import doctest

    import engram_env.rng
    import engram_env.vector

    for module in (engram_env.vector, engram_env.rng):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0


def test_observations_are_buffers_unless_copy_is_asked():
    envs = EngramVectorEnv(4, task="addition")
    first, _ = envs.reset(seed=0)
    second = envs.step(envs.reference_actions())[0]
    assert first["output"] is second["output"] and second["output"] is envs._output
    envs = EngramVectorEnv(4, task="addition", copy=True)
    first, _ = envs.reset(seed=0)
    second = envs.step(envs.reference_actions())[0]
    assert not np.shares_memory(first["output"], second["output"])
    assert not first["output"].any() and second["output"][:, 0].all()


def test_final_observation_is_a_copy_of_the_last_one():
    envs = EngramVectorEnv(3, task="comparison", difficulty=1)
    _, infos = envs.reset(seed=4)
    target = [p.target_ids for p in infos["problem"]]
    for t in range(len(target[0])):
        obs, _, terminated, _, infos = envs.step(envs.reference_actions())
    assert terminated[0]
    final = infos["final_obs"][0]
    np.testing.assert_array_equal(final["output"][: len(target[0])], target[0])
    assert not obs["output"][0].any()  # the slot already started its next problem
    assert infos["problem"][0] is envs.problems[0]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda e: e.step(np.zeros(3, dtype=np.int64)), r"shape \(4,\)"),
        (lambda e: e.step(np.zeros(4)), "integer token ids"),
        (lambda e: e.step(np.array([0, 1, 135, 2])), r"0\.\.134, got 135 for env 2"),
        (lambda e: e.step([-1, 0, 0, 0]), "got -1 for env 0"),
        (lambda e: e.reset(options={"level": 2}), "allowed"),
        (lambda e: e.reset(options={"task": "gcd"}), "not one of this env's tasks"),
        (lambda e: e.reset(options={"difficulty": 11}), r"1\.\.10"),
        (lambda e: e.reset(options={"reset_mask": np.zeros(4, dtype=bool)}), "at least one"),
        (lambda e: e.reset(options={"reset_mask": [True] * 4}), "bool array"),
        (lambda e: e.reset(seed=[1, 2]), "list of 4 seeds"),
    ],
)
def test_bad_input_raises_clearly(call, message):
    envs = EngramVectorEnv(4, task="addition")
    envs.reset(seed=0)
    with pytest.raises(ValueError, match=message):
        call(envs)


def test_bad_construction_and_order_raise_clearly():
    with pytest.raises(EpisodeFinishedError, match="reset"):
        EngramVectorEnv(2, task="addition").step([3, 3])
    for kwargs, message in [({"num_envs": 0, "task": "addition"}, "positive"),
                            ({"task": "additon"}, "did you mean"),
                            ({}, "exactly one"),
                            ({"task": "addition", "render_mode": "ansi"}, "does not render"),
                            ({"task": "addition", "reward_mode": "dense"}, "reward_mode")]:
        with pytest.raises(ValueError, match=message):
            EngramVectorEnv(**kwargs)


# -- batched problem supply ----------------------------------------------------------------------


def test_counter_streams_equal_their_scalar_reference():
    seeds = [0, 1, 2, 2**40 + 3, 2**62 - 1, 2**63 - 1]
    for batch in (seeds[:1], seeds, seeds * 3):  # both the scalar and the array implementation
        streams = SeedStreams(batch)
        for index in range(4):
            assert streams.bits().tolist() == [stream_value(s, index) for s in batch]
    draws = SeedStreams(np.arange(10_000)).integers(3, 13)
    assert draws.min() == 3 and draws.max() == 12
    assert abs(np.bincount(draws)[3:].std() / 1000) < 0.1  # roughly uniform


@pytest.mark.parametrize("task", ARITHMETIC)
def test_batched_problems_equal_single_ones(task):
    generator = get_generator(task)
    seeds = [0, 5, 99, 2**40 + 3, 2**62 + 7, 2**63 - 1, *range(1000, 1010)]
    for difficulty in (1, 4, 10):
        batch = generator.problems(seeds, difficulty)
        assert batch == [generator.problem(s, difficulty) for s in seeds]
        assert [p.seed for p in batch] == seeds
    with pytest.raises(ValueError, match="seeds must be integers"):
        generator.problems([-1], 3)


def test_encode_batch_equals_encode():
    problems = get_generator("division").problems(range(50), 6)
    texts = [p.target for p in problems] + ["", "a <step> ", " <step>  <step> x"]
    ids, lengths = encode_batch(texts, eos=True)
    expected = [encode(text, eos=True) for text in texts]
    assert lengths.tolist() == [len(e) for e in expected]
    assert ids.tolist() == np.concatenate(expected).tolist()
    ids, lengths = encode_batch([p.prompt for p in problems], eos=False)
    assert ids.tolist() == np.concatenate([p.prompt_ids for p in problems]).tolist()
    for bad in (["ok", "bad è"], ["ctrl \x01 char"]):
        with pytest.raises((VocabularyError, ValueError)):
            encode_batch(bad, eos=True)


def test_bench_script_runs_and_writes_json(tmp_path):
    out = tmp_path / "bench.json"
    args = ["--quick", "--tasks", "addition", "--sizes", "1", "4", "--async-max", "1",
            "--duration", "0.01", "--generators", "addition", "comparison", "--generator-budget", "0.01",
            "--import-runs", "1", "--out", str(out)]
    script = Path(__file__).parent.parent / "scripts" / "bench_env.py"
    run = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                         timeout=120, check=True)
    assert "Targets (printed, not asserted" in run.stdout
    results = json.loads(out.read_text())
    impls = {(row["impl"], row["n"], row["policy"]) for row in results["throughput"]}
    assert ("EngramVectorEnv", 4, "oracle") in impls and ("AsyncVectorEnv", 1, "random") in impls
    assert {row["task"] for row in results["generators"]} == {"addition", "comparison"}
    assert results["import"]["registered_ids"] >= len(engram_env.ENV_IDS)
