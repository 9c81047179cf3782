"""The environment contract of DESIGN.md, over every registered env id."""

from __future__ import annotations

import tracemalloc
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import engram_env
from engram_env import EngramEnv, EpisodeFinishedError, UnknownTaskError
from engram_env.render import COLUMNS, FRAME_SHAPE, MAX_LINES, frame_lines
from engram_env.vocab import EOS, PAD, STEP, decode, encode

ENV_IDS = engram_env.ENV_IDS
MODES = ("step", "char", "final")


def run_episode(env, actions_for, seed=None, options=None):
    """Play one episode; ``actions_for(problem)`` gives the token ids to write."""
    obs, info = env.reset(seed=seed, options=options)
    total, last = 0.0, {}
    for token in actions_for(info["problem"]):
        obs, reward, terminated, truncated, last = env.step(int(token))
        total += reward
        if terminated or truncated:
            break
    return total, last, info["problem"]


def oracle(problem):
    return problem.target_ids


def answer_only(problem):
    return encode(problem.answer, eos=True)


def test_every_task_is_registered():
    assert len(ENV_IDS) == len(engram_env.task_names()) >= 25
    assert all(env_id in gym.registry for env_id in ENV_IDS)
    assert gym.make("engram_env:Engram-addition-v0").unwrapped.task_names == ["addition"]


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_checkers_pass(env_id):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gym_check_env(gym.make(env_id).unwrapped, skip_render_check=False)
        sb3_check_env(EngramEnv(task=env_id[len("Engram-"):-len("-v0")]), warn=True)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_oracle_returns_exactly_one(env_id):
    for mode in MODES:
        env = gym.make(env_id, reward_mode=mode)
        for difficulty in (1, 5, 10):
            total, info, problem = run_episode(env, oracle, seed=difficulty,
                                               options={"difficulty": difficulty})
            assert total == 1.0, (env_id, mode, difficulty, problem)
            assert info["answer_correct"] and info["steps_correct"] == len(problem.steps)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_answer_only_earns_the_answer_share(env_id):
    env = gym.make(env_id, difficulty=5)
    total, info, problem = run_episode(env, answer_only, seed=3)
    assert info["answer_correct"]
    assert total == (0.5 if problem.steps else 1.0)


def test_random_policy_returns_near_zero():
    rng = np.random.default_rng(0)
    for env_id in ENV_IDS:
        env = gym.make(env_id, difficulty=3)
        returns = [run_episode(env, lambda p: rng.integers(0, 135, 512), seed=s)[0]
                   for s in range(3)]
        assert np.mean(returns) < 0.05, env_id


def test_step_rewards_follow_the_contract():
    env = EngramEnv("addition", difficulty=3)
    _, info = env.reset(seed=1)
    p = info["problem"]
    k = len(p.steps)
    rewards = []
    # first step right, second wrong, third right, answer right
    for i, step in enumerate(p.steps):
        text = step if i != 1 else step + "9"
        for token in encode(text):
            assert env.step(token)[1] == 0.0
        _, r, term, trunc, info = env.step(STEP)
        assert info == {"step_index": i, "step_correct": i != 1}
        rewards.append(r)
    for token in encode(p.answer, eos=True):
        _, r, term, trunc, info = env.step(token)
    rewards.append(r)
    assert rewards == [0.5 / k, 0.0, 0.5 / k, 0.5]
    assert term and not trunc and info["answer_correct"] and info["steps_correct"] == k - 1
    with pytest.raises(EpisodeFinishedError, match="reset"):
        env.step(EOS)


def test_equivalent_answer_form_is_rewarded_and_extra_segments_earn_nothing():
    env = EngramEnv("division", difficulty=2, reward_mode="final")
    _, info = env.reset(seed=4)
    p = info["problem"]
    quotient, remainder = p.answer.split(" r")
    text = " <step> ".join([*p.steps, "extra", f"{quotient} remainder {remainder}"])
    total = sum(env.step(t)[1] for t in encode(text, eos=True))
    assert total == 1.0


def test_pad_and_length_limit_earn_nothing():
    env = EngramEnv("addition", difficulty=1, reward_mode="step")
    env.reset(seed=0)
    total, steps = 0.0, 0
    while True:
        _, r, term, trunc, info = env.step(PAD)
        total, steps = total + r, steps + 1
        if term or trunc:
            break
    assert (total, steps, term, trunc) == (0.0, 512, False, True)
    assert info["answer_correct"] is False


def test_char_mode_stops_at_first_mismatch():
    env = EngramEnv("addition", difficulty=4, reward_mode="char")
    _, info = env.reset(seed=2)
    target = info["problem"].target_ids
    _, r0, *_ = env.step(target[0])
    wrong = (int(target[1]) + 1) % 135 or 3
    _, r1, term, trunc, info = env.step(wrong)
    assert r0 == pytest.approx(1 / len(target)) and r1 == 0.0 and term and not trunc


def test_multi_task_env_and_reset_options():
    env = EngramEnv(tasks=["addition", "comparison"], difficulty=2)
    seen = {env.reset(seed=s)[1]["task"] for s in range(20)}
    assert seen == {"addition", "comparison"}
    _, info = env.reset(options={"task": "comparison", "difficulty": 7, "problem_seed": 11})
    assert (info["task"], info["difficulty"]) == ("comparison", 7)
    assert info["problem"] == engram_env.get_generator("comparison").problem(11, 7)


def test_reset_seed_reproduces_and_neighbouring_seeds_are_unrelated():
    env = EngramEnv("addition", difficulty=10)

    def prompts(seed, n=20):
        env.reset(seed=seed)
        return [env.reset()[1]["problem"].prompt for _ in range(n)]

    assert prompts(5) == prompts(5)
    for s in range(5):
        assert set(prompts(s)).isdisjoint(prompts(s + 1))


def test_reset_clears_the_previous_episode():
    env = EngramEnv("multiplication", difficulty=10)
    obs, _ = env.reset(seed=0)
    for token in env.problem.target_ids[:-1]:
        env.step(token)
    obs, info = env.reset(seed=1)
    assert not obs["output"].any()
    assert decode(obs["prompt"]) == info["problem"].prompt
    assert env.render() is None
    assert env._verdicts == [] and env._cursor == 0

    # a long-lived env keeps no growing state
    tracemalloc.start()
    for s in range(200):
        env.reset(seed=s)
        for token in env.problem.target_ids:
            env.step(token)
    before = tracemalloc.get_traced_memory()[0]
    for s in range(2000):
        env.reset(seed=s)
        for token in env.problem.target_ids:
            env.step(token)
    growth = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert growth < 100_000


def test_render_ansi_shows_prompt_output_and_verdicts():
    env = EngramEnv("addition", difficulty=2, render_mode="ansi")
    _, info = env.reset(seed=0)
    p = info["problem"]
    for token in encode(p.steps[0] + " <step> 0", eos=True):
        env.step(token)
    text = env.render()
    assert p.prompt in text and p.steps[0] in text
    assert "step 0: correct" in text and "answer 1: wrong" in text


def test_render_rgb_array_draws_the_text_in_fixed_size_frames():
    env = EngramEnv("addition", difficulty=10, render_mode="rgb_array")
    _, info = env.reset(seed=0)
    first = env.render()
    assert first.shape == FRAME_SHAPE and first.dtype == np.uint8
    assert (first < 128).any() and (first == 255).mean() > 0.5  # dark glyphs on white
    for token in info["problem"].target_ids:
        env.step(token)
    last = env.render()
    assert last.shape == FRAME_SHAPE and (last < 128).sum() > (first < 128).sum()


def test_frame_lines_wrap_and_cut():
    lines = frame_lines("x" * (3 * COLUMNS) + "\n" + "\n".join(["y"] * 100))
    assert len(lines) == MAX_LINES and all(len(line) <= COLUMNS for line in lines)
    assert lines[:3] == ["x" * COLUMNS, "  " + "x" * (COLUMNS - 2), "  " + "x" * (COLUMNS - 2)]
    assert lines[-1] == f"... {3 + 1 + 100 - (MAX_LINES - 1)} more lines"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: gym.make("Engram-additon-v0"), "addition"),  # gymnasium suggests close ids
        (lambda: EngramEnv("additon"), "did you mean 'addition'"),
        (lambda: EngramEnv("addition", difficulty=0), r"1\.\.10"),
        (lambda: EngramEnv("addition", difficulty=11), r"1\.\.10"),
        (lambda: EngramEnv("addition", difficulty=2.5), "integer"),
        (lambda: EngramEnv("addition", reward_mode="dense"), "step"),
        (lambda: EngramEnv("addition", render_mode="human"), "'ansi' or 'rgb_array'"),
        (lambda: EngramEnv(), "exactly one"),
        (lambda: EngramEnv(tasks=[]), "at least one"),
    ],
)
def test_bad_construction_raises_clearly(make, message):
    with pytest.raises((ValueError, gym.error.Error), match=message):
        make()


def test_bad_steps_and_resets_raise_clearly():
    env = EngramEnv("addition")
    with pytest.raises(EpisodeFinishedError):
        env.step(3)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"0\.\.134, got 135"):
        env.step(135)
    with pytest.raises(ValueError, match=r"0\.\.134, got -1"):
        env.step(-1)
    with pytest.raises(ValueError, match="integer token id"):
        env.step(3.5)
    with pytest.raises(ValueError, match="allowed"):
        env.reset(options={"level": 3})
    with pytest.raises(ValueError, match="not one of this env's tasks"):
        env.reset(options={"task": "comparison"})
    with pytest.raises(UnknownTaskError):
        engram_env.get_generator("multiplicaton")
