"""The evaluation harness: baselines on every env of a tier, confidence intervals against a
reference computation, metrics on hand-made solvers, results files (round trip, corruption),
agent loading (baselines, nanochat and SB3 checkpoints, clear errors) and scripts/evaluate.py."""

from __future__ import annotations

import doctest
import json
import math
import os
import subprocess
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
import torch

from agents import evaluation
from agents.evaluation import (
    AgentLoadError,
    EvalConfig,
    EvalResults,
    ResultsError,
    detect_kind,
    evaluate,
    find_checkpoints,
    load_agent,
    make_problems,
    read_results,
    select_tasks,
    wilson_interval,
    write_results,
)
from engram_env.problem import TRAIN_SEED_LIMIT, eval_seed
from engram_env.registry import select
from engram_env.vocab import EOS, STEP, encode

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parent.parent
SMALL = EvalConfig(tasks=("addition", "gcd"), difficulties=(1, 3), problems=6, samples=2)


@pytest.fixture(scope="module")
def baselines():
    problems = make_problems(SMALL)
    return {kind: evaluate(load_agent(kind), SMALL, problems=problems, progress=False)
            for kind in ("oracle", "random", "answer-only")}


# -- confidence intervals ----------------------------------------------------------------------


def score_test_inversion(k: float, n: int, z: float) -> tuple[float, float]:
    """The Wilson interval by definition, independently of the closed form: the p where the score
    statistic (p_hat - p) / sqrt(p (1 - p) / n) equals -z and +z, found by bisection."""
    p_hat = k / n

    def stat(p):
        return (p_hat - p) / math.sqrt(p * (1 - p) / n)

    def root(lo, hi, target):  # stat is decreasing in p
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if stat(mid) > target else (lo, mid)
        return (lo + hi) / 2

    eps = 1e-15
    low = 0.0 if k == 0 else root(eps, p_hat, z)
    high = 1.0 if k == n else root(p_hat, 1 - eps, -z)
    return low, high


@pytest.mark.parametrize("k,n", [(0, 1), (1, 1), (0, 20), (20, 20), (3, 7), (81, 263), (15, 148),
                                 (1, 29), (500, 1000), (997, 1000), (12.5, 40)])
@pytest.mark.parametrize("confidence", [0.95, 0.99])
def test_wilson_interval_matches_the_score_test_inversion(k, n, confidence):
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    assert wilson_interval(k, n, confidence) == pytest.approx(score_test_inversion(k, n, z),
                                                              abs=1e-9)


def test_wilson_interval_matches_published_values():
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I,
    # method 3 (score interval without continuity correction).
    published = {(81, 263): (0.2553, 0.3662), (15, 148): (0.0624, 0.1605),
                 (0, 20): (0.0, 0.1611), (1, 29): (0.0061, 0.1718)}
    for (k, n), expected in published.items():
        assert [round(x, 4) for x in wilson_interval(k, n)] == list(expected)


def test_wilson_interval_matches_scipy_when_installed():
    stats = pytest.importorskip("scipy.stats", reason="scipy is not installed; the score-test "
                                "inversion above is the reference")
    for k, n in [(0, 10), (3, 10), (10, 10), (81, 263)]:
        ci = stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
        assert wilson_interval(k, n) == pytest.approx((ci.low, ci.high), abs=1e-9)


def test_wilson_interval_rejects_nonsense():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    for bad in [(3, 2), (-1, 5)]:
        with pytest.raises(ValueError, match="successes"):
            wilson_interval(*bad)
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 2, confidence=1.5)


def test_reported_interval_treats_problems_as_the_unit(baselines):
    """With 2 samples per problem the CI is the Wilson interval over problems, not attempts."""
    s = baselines["oracle"].summary()
    n = 2 * 2 * 6  # tasks x difficulties x problems
    assert s["problems"] == n and s["attempts"] == 2 * n
    assert s["answer_ci"] == list(wilson_interval(n, n))


# -- the baselines on every env of a tier ------------------------------------------------------


def check_baselines_on_tier(tier: int, difficulties=(1, 5), problems=8):
    tasks = [g.name for g in select(tier=tier)]
    config = EvalConfig(tasks=tuple(tasks), difficulties=difficulties, problems=problems)
    shared = make_problems(config)
    results = {k: evaluate(load_agent(k), config, problems=shared, progress=False)
               for k in ("oracle", "random")}
    oracle, random = (results[k].groups("task") for k in ("oracle", "random"))
    assert set(oracle) == set(tasks)
    for task in tasks:
        o, r = oracle[task], random[task]
        assert o["answer_accuracy"] == 1.0, task
        assert o["step_accuracy"] in (1.0, None), task  # None: a task without steps
        assert o["mean_return"] == 1.0 and o["perfect_rate"] == 1.0, task
        assert o["first_wrong_step"] is None, task
        assert r["answer_accuracy"] <= 0.05, task
        assert (r["step_accuracy"] or 0.0) <= 0.05, task
        assert r["mean_return"] <= 0.05, task
    return results


def test_oracle_perfect_and_random_near_zero_on_every_env_of_tier_0():
    results = check_baselines_on_tier(0)
    assert results["oracle"].summary()["consistency"] is None  # one sample per problem


@pytest.mark.slow
@pytest.mark.parametrize("tier", sorted({g.tier for g in select()}))
def test_oracle_perfect_and_random_near_zero_on_every_env_of_every_tier(tier):
    check_baselines_on_tier(tier, difficulties=(1, 5, 10), problems=10)


def test_answer_only_scores_half(baselines):
    s = baselines["answer-only"].summary()
    assert s["answer_accuracy"] == 1.0 and s["step_accuracy"] == 0.0
    assert s["mean_return"] == 0.5
    assert s["first_wrong_step"] == 0.0 and s["first_wrong_fraction"] == 0.0
    assert s["consistency"] == 1.0


def test_random_is_inconsistent_and_oracle_consistent(baselines):
    assert baselines["oracle"].summary()["consistency"] == 1.0
    assert baselines["random"].summary()["consistency"] < 0.2


# -- metrics on hand-made solvers --------------------------------------------------------------


class FirstStepThenWrong:
    """Writes reference step 0, then a wrong step and a wrong answer (when there are steps)."""

    name = "first-step"

    def solve(self, problems):
        out = []
        for p in problems:
            if len(p.steps) >= 2:
                out.append(np.concatenate([encode(p.steps[0]), [STEP], encode("?"), [STEP],
                                           encode("?"), [EOS]]))
            else:
                out.append(encode("?", eos=True))
        return out


class Alternating:
    """Right answer on even calls within a batch, a wrong one on odd: samples disagree."""

    name = "alternating"

    def solve(self, problems):
        return [encode(p.answer if i % 2 == 0 else p.answer + "9", eos=True)
                for i, p in enumerate(problems)]


def test_first_wrong_step_and_step_accuracy():
    config = EvalConfig(tasks=("addition",), difficulties=(3,), problems=5)
    results = evaluate(FirstStepThenWrong(), config, progress=False)
    s = results.summary()
    k = len(make_problems(config)["addition", 3][0].steps)
    assert k >= 2
    assert s["first_wrong_step"] == 1.0
    assert s["first_wrong_fraction"] == pytest.approx(1 / (k + 1))
    assert s["step_accuracy"] == pytest.approx(1 / k)
    assert s["answer_accuracy"] == 0.0 and s["mean_return"] == pytest.approx(0.5 / k)
    assert results.agent.kind == "custom" and results.agent.name == "first-step"


def test_consistency_and_accuracy_over_samples():
    config = EvalConfig(tasks=("addition",), difficulties=(2,), problems=4, samples=2)
    s = evaluate(Alternating(), config, progress=False).summary()
    assert s["answer_accuracy"] == 0.5 and s["consistency"] == 0.0
    assert s["answer_ci"] == list(wilson_interval(2, 4))  # half of 4 problems, not of 8 attempts
    config = replace(config, samples=3)  # keys a, b, a: 2 agreeing ordered pairs of 6
    assert evaluate(Alternating(), config, progress=False).summary()["consistency"] == \
        pytest.approx(1 / 3)


def test_mean_length_unfinished_and_tokens_per_second(baselines):
    oracle, random = baselines["oracle"], baselines["random"]
    problems = make_problems(SMALL)
    expected = np.mean([len(p.target_ids) for ps in problems.values() for p in ps])
    assert oracle.summary()["mean_length"] == pytest.approx(expected)
    assert oracle.summary()["unfinished_rate"] == 0.0
    assert 0 < random.summary()["unfinished_rate"] <= 1
    assert oracle.summary()["tokens_per_s"] > 0


def test_output_budget_applies_to_every_agent():
    config = EvalConfig(tasks=("addition",), difficulties=(1,), problems=3, max_new_tokens=5)
    s = evaluate(load_agent("random"), config, progress=False).summary()
    assert s["mean_length"] <= 5


def test_char_reward_mode_scores_the_return_in_that_mode():
    config = EvalConfig(tasks=("addition",), difficulties=(1,), problems=3, reward_mode="char")
    s = evaluate(load_agent("answer-only"), config, progress=False).summary()
    assert s["answer_accuracy"] == 1.0  # verdicts are the step rules' in every mode
    assert 0 <= s["mean_return"] < 0.5  # char mode: the answer is not the target's first token


# -- held-out seeds and task sets --------------------------------------------------------------


def test_problems_come_from_the_held_out_seed_domain():
    config = EvalConfig(tasks=("addition", "gcd"), difficulties=(1, 2), problems=3, seed_offset=7)
    for ps in make_problems(config).values():
        assert [p.seed for p in ps] == [eval_seed(7 + i) for i in range(3)]
        assert all(p.seed >= TRAIN_SEED_LIMIT for p in ps)
    doc = EvalResults(evaluation.AgentIdentity("x", "custom"), config, ()).to_dict()
    assert doc["config"]["seed_domain"]["first_eval_seed"] == 2**62 + 7


def test_select_tasks():
    tier0 = [g.name for g in select(tier=0)]
    assert select_tasks(tier=0) == tier0
    assert select_tasks("Engram-tier0-v0") == tier0
    assert select_tasks(["all"], tier=0) == tier0
    assert select_tasks(domain="arithmetic") == [g.name for g in select(domain="arithmetic")]
    assert select_tasks(pattern="graph_traversal") == \
        [g.name for g in select(pattern="graph_traversal")]
    assert select_tasks(["gcd", "Engram-addition-v0"]) == ["addition", "gcd"]
    with pytest.raises(ValueError, match="did you mean 'addition'"):
        select_tasks(["additon"])
    with pytest.raises(ValueError, match="no task matches"):
        select_tasks(["addition"], tier=4)


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="difficulty"):
        EvalConfig(tasks=("addition",), difficulties=(11,))
    with pytest.raises(ValueError, match="problems"):
        EvalConfig(tasks=("addition",), problems=0)
    with pytest.raises(ValueError, match="reward_mode"):
        EvalConfig(tasks=("addition",), reward_mode="dense")
    with pytest.raises(ValueError, match="unknown task"):
        EvalConfig(tasks=("nope",))


# -- results files -----------------------------------------------------------------------------


def test_results_written_then_read_back_are_equal(baselines, tmp_path):
    for results in baselines.values():
        path = write_results(results, tmp_path / f"{results.agent.name}.json")
        back = read_results(path)
        assert back == results
        assert back.summary() == results.summary()
        assert all(back.groups(by) == results.groups(by) for by in evaluation.GROUPS)
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        ["answer-only.json", "oracle.json", "random.json"]  # no temporary files left


def test_results_document_is_versioned_and_describes_the_agent(baselines, tmp_path):
    doc = json.loads(write_results(baselines["random"], tmp_path / "r.json").read_text())
    assert doc["schema"] == "engram-eval" and doc["schema_version"] == 1
    assert doc["agent"]["kind"] == "random" and doc["agent"]["params"] == {"seed": 0}
    assert set(doc["agent"]) >= {"checkpoint", "checkpoint_sha256", "training_steps"}
    assert doc["config"]["ci_method"] == "wilson"
    assert set(doc["groups"]) == {"task", "difficulty", "tier", "domain", "pattern"}
    cell = doc["cells"][0]
    assert {"task", "difficulty", "tier", "pattern", "metrics"} <= set(cell)
    assert set(cell["metrics"]) >= {"answer_accuracy", "answer_ci", "step_accuracy",
                                    "first_wrong_step", "mean_return", "mean_length",
                                    "consistency", "tokens_per_s"}


def test_write_is_atomic(baselines, tmp_path, monkeypatch):
    path = write_results(baselines["oracle"], tmp_path / "oracle.json")
    before = path.read_bytes()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_results(baselines["random"], path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["oracle.json"]


def corrupt(tmp_path, baselines, edit) -> Path:
    doc = baselines["oracle"].to_dict()
    edit(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("edit,message", [
    (lambda d: d.update(schema="something-else"), "not an engram evaluation results file"),
    (lambda d: d.update(schema_version=2), "schema_version 2 is not supported.*newer"),
    (lambda d: d.update(schema_version=0), "schema_version 0 is not supported.*re-run"),
    (lambda d: d.update(env_version="v1"), "env version 'v1'"),
    (lambda d: d.pop("agent"), "missing field 'agent'"),
    (lambda d: d["agent"].pop("kind"), "agent: missing field.*'kind'"),
    (lambda d: d["config"].update(problemz=3), "config: unknown field.*'problemz'"),
    (lambda d: d["summary"].update(answer_accuracy=0.99), "summary disagrees with its cells"),
    (lambda d: d["groups"]["tier"]["0"].update(mean_return=0.1), "groups\\['tier'\\] disagree"),
    (lambda d: d["cells"].pop(), "missing gcd@3"),
    (lambda d: d["cells"].append(d["cells"][0]), "repeated addition@1"),
    (lambda d: d["cells"][0].update(attempts=5), "addition@1 has inconsistent counts"),
    (lambda d: d["config"].update(difficulties=[1, 42]), "difficulty must be in 1..10"),
    (lambda d: d.update(cells={}), "cells: expected a list"),
    (lambda d: d["cells"][1].update(tokens="many"), "addition@3: tokens must be a non-negative"),
    (lambda d: d.update(config=[]), "config: expected an object, got list"),
    (lambda d: d["cells"].__setitem__(0, 5), "cells\\[0\\]: expected an object, got int"),
])
def test_corrupt_results_give_clear_errors(baselines, tmp_path, edit, message):
    path = corrupt(tmp_path, baselines, edit)
    with pytest.raises(ResultsError, match=message) as info:
        read_results(path)
    assert str(path) in str(info.value)


def test_unreadable_results_give_clear_errors(baselines, tmp_path):
    good = write_results(baselines["oracle"], tmp_path / "good.json").read_text()
    truncated = tmp_path / "truncated.json"
    truncated.write_text(good[: len(good) // 2])
    with pytest.raises(ResultsError, match=r"truncated.json: not valid JSON \(line \d+"):
        read_results(truncated)
    with pytest.raises(ResultsError, match="no such results file"):
        read_results(tmp_path / "absent.json")
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(ResultsError, match="expected a JSON object, got list"):
        read_results(tmp_path / "list.json")


# -- agents ------------------------------------------------------------------------------------


def test_agent_spec_errors_are_clear(tmp_path):
    with pytest.raises(AgentLoadError, match="unknown agent kind 'orcale'.*did you mean 'oracle'"):
        load_agent("orcale")
    with pytest.raises(AgentLoadError, match="needs a file: --agent nanochat:PATH"):
        load_agent("nanochat")
    with pytest.raises(AgentLoadError, match="does not exist"):
        load_agent(f"nanochat:{tmp_path / 'absent.pt'}")
    with pytest.raises(AgentLoadError, match="takes no path"):
        load_agent("oracle:x.pt")
    with pytest.raises(AgentLoadError, match="takes no parameter.*temperature"):
        load_agent("random", {"temperature": 0.5})
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(AgentLoadError, match="not a torch checkpoint"):
        load_agent(f"nanochat:{junk}")
    torch.save({"weights": {}}, tmp_path / "odd.pt")
    with pytest.raises(AgentLoadError, match="needs the weights.*has keys \\['weights'\\]"):
        load_agent(f"nanochat:{tmp_path / 'odd.pt'}")


def test_missing_agent_module_is_a_clear_error(tmp_path, monkeypatch):
    kinds = dict(evaluation.AGENT_KINDS)
    kinds["trm"] = replace(kinds["trm"], module="agents.not_written_yet")
    monkeypatch.setattr(evaluation, "AGENT_KINDS", kinds)
    (tmp_path / "t.pt").write_bytes(b"")
    with pytest.raises(AgentLoadError, match="needs the module agents.not_written_yet"):
        load_agent(f"trm:{tmp_path / 't.pt'}")


def save_tiny_nanochat(path: Path, update: int = 7) -> Path:
    from agents.checkpoint import save_checkpoint
    from agents.nanochat import GPTConfig, NanoChat

    torch.manual_seed(0)
    policy = NanoChat(GPTConfig(n_layer=1, n_head=2, n_kv_head=2, n_embd=32))
    return save_checkpoint(path, {"agent": "nanochat", "model_config": asdict(policy.config),
                                  "model": policy.state_dict(), "update": update,
                                  "run_name": path.parent.name})


def test_nanochat_checkpoint_is_loaded_identified_and_evaluated(tmp_path):
    path = save_tiny_nanochat(tmp_path / "Engram-addition-v0__grpo__3__1700000000" / "latest.pt")
    agent = load_agent(f"nanochat:{path}", {"temperature": 0.0})
    identity = agent.identity
    assert identity.kind == "nanochat" and identity.name == "nanochat-grpo-addition-s3"
    assert identity.training_steps == 7
    assert identity.checkpoint_sha256 == evaluation.file_sha256(path) and \
        len(identity.checkpoint_sha256) == 64
    assert identity.details["config"]["n_embd"] == 32 and identity.details["num_params"] > 0
    config = EvalConfig(tasks=("addition",), difficulties=(1,), problems=2, samples=2)
    results = evaluate(agent, config, progress=False)
    s = results.summary()
    assert s["answer_accuracy"] == 0.0 and s["consistency"] == 1.0  # greedy: deterministic
    assert s["tokens_per_s"] > 0
    assert read_results(write_results(results, tmp_path / "r.json")) == results
    assert detect_kind(path) == "nanochat"
    assert find_checkpoints(tmp_path) == [("nanochat", path)]
    with pytest.raises(AgentLoadError, match="is a 'nanochat' checkpoint, not 'trm'"):
        load_agent(f"trm:{path}")


def test_trm_checkpoint_is_loaded_and_evaluated(tmp_path):
    trm = pytest.importorskip("agents.trm", reason="agents.trm is not in this checkout")
    from agents.checkpoint import save_checkpoint

    torch.manual_seed(0)
    policy = trm.TRM(trm.TRMConfig(n_layer=1, n_head=2, n_kv_head=2, n_embd=32, T=2, n=1))
    path = save_checkpoint(tmp_path / "trm.pt", {"agent": "trm", "model_config":
                                                 asdict(policy.config),
                                                 "model": policy.state_dict(), "update": 3})
    assert detect_kind(path) == "trm"
    agent = load_agent(f"trm:{path}")
    assert agent.identity.name == "trm-trm" and agent.identity.training_steps == 3
    assert agent.solver.policy.adaptive_depth  # evaluation halts per problem
    config = EvalConfig(tasks=("addition",), difficulties=(1,), problems=2, max_new_tokens=4)
    assert evaluate(agent, config, progress=False).summary()["attempts"] == 2


def test_sb3_model_is_loaded_and_evaluated(tmp_path):
    import gymnasium as gym
    from stable_baselines3 import PPO

    from agents.sb3 import token_policy_kwargs

    env = gym.make("Engram-addition-v0")
    model = PPO("MultiInputPolicy", env, n_steps=8, batch_size=8, device="cpu",
                policy_kwargs=token_policy_kwargs(features_dim=16, d_model=16, net_arch=(16,)))
    model.save(tmp_path / "ppo_addition.zip")
    path = tmp_path / "ppo_addition.zip"
    assert detect_kind(path) == "sb3" and evaluation.sb3_algorithm(str(path)) == "ppo"
    agent = load_agent(f"sb3:{path}")
    assert agent.identity.params["algo"] == "ppo" and agent.identity.training_steps == 0
    config = EvalConfig(tasks=("addition",), difficulties=(1,), problems=2, max_new_tokens=6)
    s = evaluate(agent, config, progress=False).summary()
    assert s["attempts"] == 2 and s["mean_length"] <= 6


def test_doctests():
    result = doctest.testmod(evaluation, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# -- scripts/evaluate.py -----------------------------------------------------------------------


def run_script(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "evaluate.py"), *args],
                          check=False, capture_output=True, text=True, cwd=cwd, timeout=120)


def test_evaluate_script_writes_results(tmp_path):
    save_tiny_nanochat(tmp_path / "ckpt" / "Engram-addition-v0__sft__1__1700000000" / "latest.pt")
    out = tmp_path / "results"
    done = run_script("--agent", "oracle", "random", "--tasks", "addition", "gcd",
                      "--difficulties", "1", "--problems", "3", "--checkpoints",
                      str(tmp_path / "ckpt"), "--out-dir", str(out), "--no-progress")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == \
        ["nanochat-sft-addition-s1.json", "oracle.json", "random.json"]
    oracle = read_results(out / "oracle.json")
    assert oracle.config.tasks == ("addition", "gcd") and oracle.config.samples == 2
    assert oracle.summary()["answer_accuracy"] == 1.0
    assert "oracle" in done.stdout


def test_evaluate_script_errors_and_help():
    done = run_script("--agent", "trm", "--tier", "0")
    assert done.returncode == 2 and "needs a file: --agent trm:PATH" in done.stderr
    done = run_script("--agent", "oracle", "--param", "temperature=1", "--tier", "0")
    assert done.returncode == 2 and "no agent being evaluated takes it" in done.stderr
    done = run_script("--help")
    assert done.returncode == 0 and "held-out seed" in done.stdout and "--agent" in done.stdout
