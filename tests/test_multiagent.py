"""PettingZoo envs: the API and seed tests, oracle play, planted errors, bad actions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test

from engram_env.multiagent import critic_v0, duel_v0, proposer_solver_v0
from engram_env.skilltree import CurriculumConfig
from engram_env.vocab import EOS, STEP, encode


@pytest.fixture(autouse=True)
def _quiet_advisory_warnings():
    # PettingZoo's api_test advises Box/Discrete observations; ours are Dicts by design.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="pettingzoo.test")
        yield


def test_duel_passes_pettingzoo_tests():
    parallel_api_test(duel_v0.parallel_env(num_agents=3, difficulty=2), num_cycles=600)
    api_test(duel_v0.env(num_agents=2), num_cycles=600)
    parallel_seed_test(lambda: duel_v0.parallel_env(num_agents=2, tasks=["addition", "comparison"]))
    seed_test(lambda: duel_v0.env(num_agents=2))


def test_duel_oracles_tie_for_the_bonus_and_reach_the_maximum():
    env = duel_v0.parallel_env(task="multiplication", num_agents=3, difficulty=4, bonus=0.25)
    _, infos = env.reset(seed=3)
    target = infos["solver_0"]["problem"].target_ids
    assert all(infos[a]["problem"] == infos["solver_0"]["problem"] for a in env.agents)
    returns = dict.fromkeys(env.possible_agents, 0.0)
    for token in target:
        _, rewards, *_ = env.step({agent: int(token) for agent in env.agents})
        for agent, reward in rewards.items():
            returns[agent] += reward
    assert returns == dict.fromkeys(env.possible_agents, 1.25) and env.agents == []


def test_duel_bonus_goes_only_to_the_first():
    env = duel_v0.parallel_env(task="addition", num_agents=2, difficulty=3)
    _, infos = env.reset(seed=1)
    target = infos["solver_0"]["problem"].target_ids
    returns = {"solver_0": 0.0, "solver_1": 0.0}
    slow = [0, *target]  # solver_1 writes the same solution one step later
    for t in range(len(slow)):
        actions = {}
        if "solver_0" in env.agents:
            actions["solver_0"] = int(target[t])
        actions["solver_1"] = int(slow[t])
        _, rewards, *_ = env.step(actions)
        for agent, reward in rewards.items():
            returns[agent] += reward
    # <pad> writes nothing, so solver_1's late solution is right too: 1.0, but no bonus
    assert returns == {"solver_0": 1.5, "solver_1": 1.0}


def test_duel_bad_input():
    with pytest.raises(ValueError, match="num_agents must be an int >= 2"):
        duel_v0.parallel_env(num_agents=1)
    env = duel_v0.parallel_env(num_agents=2)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="missing \\['solver_1'\\]"):
        env.step({"solver_0": 3})
    with pytest.raises(ValueError, match="token id in 0..134"):
        env.step({"solver_0": 3, "solver_1": 999})


def play_critic(env, solution_text: str, claim: int):
    """The solver writes ``solution_text`` then <eos>; the critic claims ``claim``."""
    env.reset(seed=11)
    tokens = list(encode(solution_text, eos=True)) if solution_text is not None else []
    returns = {"solver": 0.0, "critic": 0.0}
    for agent in env.agent_iter():
        observation, reward, termination, truncation, info = env.last()
        returns[agent] += reward
        if termination or truncation:
            action = None
        elif agent == "solver":
            action = int(tokens.pop(0))
        else:
            action = claim
        env.step(action)
    return returns, env.unwrapped.verdict


def reference(env) -> list[str]:
    env.reset(seed=11)
    problem = env.unwrapped._solver.problem
    return [*problem.steps, problem.answer]


def test_critic_passes_pettingzoo_tests():
    api_test(critic_v0.env(difficulty=2), num_cycles=1000)
    seed_test(lambda: critic_v0.env(tasks=["addition", "subtraction"]))


@pytest.mark.parametrize("planted", [None, 0, 1, 2, "answer"])
def test_critic_is_paid_for_the_true_first_wrong_step(planted):
    env = critic_v0.env(task="addition", difficulty=3)
    segments = reference(env)
    if planted is not None:
        index = len(segments) - 1 if planted == "answer" else planted
        segments[index] = segments[index] + "1"  # a near miss at a known place
    text = " <step> ".join(segments)
    truth = critic_v0.CORRECT if planted is None else index + 1
    for claim in {truth, critic_v0.CORRECT, 1, 2} - {None}:
        returns, verdict = play_critic(env, text, claim)
        assert verdict["truth"] == truth
        assert returns["critic"] == (1.0 if claim == truth else -1.0)
        # the solver keeps exactly its verified step rewards
        assert returns["solver"] == (1.0 if planted is None else pytest.approx(returns["solver"]))


def test_sneaky_solver_is_paid_for_fooling_the_critic():
    env = critic_v0.env(task="addition", difficulty=2, sneaky=True)
    segments = reference(env)
    segments[0] += "1"
    returns, verdict = play_critic(env, " <step> ".join(segments), critic_v0.CORRECT)
    assert not verdict["critic_right"] and returns["critic"] == -1.0
    assert returns["solver"] == pytest.approx(1.0 - 0.5 / (len(segments) - 1) + 1.0)


def test_critic_refuses_claims_outside_the_mask():
    env = critic_v0.raw_env(task="addition", difficulty=1)
    env.reset(seed=0)
    env.step(EOS)  # an empty answer: one closed segment
    assert env.agent_selection == "critic"
    mask = env.observe("critic")["action_mask"]
    assert mask[:2].all() and not mask[2:].any()
    with pytest.raises(ValueError, match="critic's action must be 0"):
        env.step(5)


def test_critic_sees_the_solution_only_when_it_is_finished():
    env = critic_v0.raw_env(task="addition", difficulty=1)
    env.reset(seed=0)
    env.step(int(encode("5")[0]))
    assert not env.observe("critic")["solution"].any()
    env.step(STEP)
    env.step(EOS)
    assert env.observe("critic")["solution"][:3].tolist() == [int(encode("5")[0]), STEP, EOS]


def test_proposer_solver_passes_pettingzoo_tests():
    api_test(proposer_solver_v0.env(rounds=2), num_cycles=1000)
    seed_test(lambda: proposer_solver_v0.env(rounds=2))


def test_proposer_is_paid_most_at_the_solvers_frontier():
    pay = proposer_solver_v0.frontier_reward
    assert pay(0, 0) == 1.0  # an untried level is worth exploring
    assert pay(5, 10) > pay(9, 10) > pay(10, 10)
    assert pay(5, 10) > pay(1, 10) > pay(0, 10)
    assert np.isclose(pay(1, 2), 1.0) and 0 < pay(10, 10) < 0.5


def test_oracle_solver_unlocks_the_menu_in_prerequisite_order():
    config = CurriculumConfig(window=4, mastery_difficulty=2, tier_gate=0)
    env = proposer_solver_v0.raw_env(tasks=["addition", "subtraction"], rounds=30, config=config)
    env.reset(seed=0)
    assert env.unlocked_menu() == [("addition", 1)]
    solver_return, first_subtraction = 0.0, None
    for agent in env.agent_iter():
        _, reward, termination, truncation, info = env.last()
        if agent == "solver":
            solver_return += reward
        if termination or truncation:
            env.step(None)
            continue
        if agent == "proposer":
            menu = env.unlocked_menu()
            choice = max(menu, key=lambda entry: (entry[0] == "subtraction", entry[1]))
            if choice[0] == "subtraction" and first_subtraction is None:
                first_subtraction = env._round
            env.step(env.menu.index(choice))
        else:
            problem = info["problem"]
            env.step(int(problem.target_ids[int((env.observe("solver")["output"] > 0).sum())]))
    assert solver_return == pytest.approx(30.0)  # the oracle earns the maximum every round
    assert env.tree.is_mastered("addition") and first_subtraction is not None
    assert first_subtraction >= 8  # addition had to be mastered at level 2 first (2 windows of 4)


def test_proposer_refuses_locked_entries():
    env = proposer_solver_v0.raw_env(tasks=["addition", "subtraction"], rounds=1)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="unlocked menu entry"):
        env.step(env.menu.index(("subtraction", 1)))
    with pytest.raises(ValueError, match="rounds must be"):
        proposer_solver_v0.raw_env(rounds=0)
