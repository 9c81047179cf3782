"""Warm-up and policy-gradient trainers: advantages, learning on a trivial task, exact resume."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from agents.algorithms import PolicyGradient, RLConfig, gae, grpo_advantages, reverse_cumsum
from agents.checkpoint import load_checkpoint, save_checkpoint
from agents.nanochat import GPTConfig, NanoChat
from agents.optim import make_optimizer, set_learning_rate
from agents.rollout import CurriculumSource, ProblemSource, branch_agreeing_groups, collect
from agents.warmup import supervised_loss, warmup_step
from engram_env.registry import get_generator
from engram_env.scoring import Score, Scorer
from engram_env.vocab import EOS, PAD, STEP, encode

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parent.parent
TINY = dict(n_layer=1, n_head=2, n_kv_head=2, n_embd=32)


def load_script(name):
    spec = importlib.util.spec_from_file_location(f"script_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building Args
    spec.loader.exec_module(module)
    return module


class WriteWords:
    """A trivial task: each of the first 4 tokens earns 0.25 if it is a digit or a letter
    (ids 3..64, about half of the vocabulary); the first other token ends the episode. Reward
    slots are token positions, as in the env's "char" mode. A uniform policy earns ~0.3."""

    def score(self, problem, tokens):
        tokens = np.asarray(tokens)
        rewards, terminated = [], False
        for t, token in enumerate(tokens[:4]):
            good = 3 <= token < 65
            rewards.append(0.25 if good else 0.0)
            if not good or t == 3:
                terminated = True
                break
        n = len(rewards)
        return Score(np.array(rewards), np.arange(n), 4, n, terminated, False, sum(rewards) == 1.0,
                     0, 0)


def tiny_policy(seed=0):
    torch.manual_seed(seed)
    return NanoChat(GPTConfig(**TINY))


def setup(algorithm, lr=1e-2, seed=0):
    policy = tiny_policy(seed)
    config = RLConfig(algorithm=algorithm, batch_size=32, group_size=4 if algorithm == "grpo" else 1,
                      learning_rate=lr)
    trainer = PolicyGradient(policy, torch.optim.Adam(policy.parameters(), lr=lr), config)
    source = ProblemSource(["addition"], 1, seed)
    generator = torch.Generator().manual_seed(seed)

    def rollout():
        problems = source.sample(config.batch_size, config.group_size)
        return collect(policy, problems, WriteWords(), 6, generator=generator)

    return trainer, rollout


# -- advantages --------------------------------------------------------------------------------


def test_grpo_step_level_advantages():
    # one group of two attempts at a problem with slots 0 (a step) and 1 (the answer)
    rewards = torch.tensor([[0.0, 0.5, 0.0, 0.5], [0.0, 0.5, 0.0, 0.0]])
    slots = torch.tensor([[-1, 0, -1, 1], [-1, 0, -1, 1]])
    mask = torch.ones(2, 4, dtype=torch.bool)
    adv, agree = grpo_advantages(rewards, slots, mask, group_size=2)
    # both got the step, so tokens up to it are credited only with the answer's difference
    d = 0.25 / (0.25**2) ** 0.5  # answer deviation / RMS scale
    expected = torch.tensor([[d, d, d, d], [-d, -d, -d, -d]])
    torch.testing.assert_close(adv, expected)
    assert not agree.any()
    # the second attempt wrote a wrong step: its first segment is blamed, the shared answer not
    rewards2 = torch.tensor([[0.0, 0.5, 0.0, 0.5], [0.0, 0.0, 0.0, 0.5]])
    adv2, _ = grpo_advantages(rewards2, slots, mask, group_size=2)
    assert adv2[0, 0] > 0 > adv2[1, 0] and adv2[0, 3] == adv2[1, 3] == 0


def test_grpo_agreeing_groups_and_early_eos():
    slots = torch.tensor([[0, 1, 2], [0, 1, 2], [0, 1, -1], [0, -1, -1]])
    mask = torch.tensor([[1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 0, 0]], dtype=torch.bool)
    rewards = torch.tensor([[0.2, 0.3, 0.5], [0.2, 0.3, 0.5], [0.2, 0.3, 0.0], [0.0, 0.0, 0.0]])
    adv, agree = grpo_advantages(rewards, slots, mask, group_size=2)
    assert agree.tolist() == [True, False] and torch.all(adv[:2] == 0)
    # the attempt that stopped after one token carries every slot it missed, at that token
    assert adv[3, 0] < 0 < adv[2, 0] and torch.all(adv[3, 1:] == 0)
    # the first token's advantage is the whole return's group-relative difference, scaled
    assert adv[2, 0] == -adv[3, 0]


def test_gae_with_lambda_one_is_the_return_to_go_minus_value():
    rewards = torch.tensor([[0.0, 0.5, 0.5, 0.0]])
    values = torch.tensor([[0.1, 0.2, 0.3, 0.4]])
    mask = torch.tensor([[True, True, True, False]])
    adv = gae(rewards, values, mask, gamma=1.0, lam=1.0)
    expected = (reverse_cumsum(rewards * mask) - values) * mask
    torch.testing.assert_close(adv, expected)


# -- learning ----------------------------------------------------------------------------------


def test_warmup_reduces_the_supervised_loss():
    policy = tiny_policy()
    optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)
    problems = ProblemSource(["addition"], 1, 0).sample(16)
    before = supervised_loss(policy, problems).item()
    for _ in range(15):
        warmup_step(policy, optimizer, problems)
    assert supervised_loss(policy, problems).item() < 0.7 * before


@pytest.mark.parametrize("algorithm", ["reinforce", "grpo", "ppo"])
def test_each_algorithm_reduces_its_loss_and_raises_reward(algorithm):
    trainer, rollout = setup(algorithm)
    # one update lowers the loss it stepped on, on that same batch
    batch = rollout()
    prepared, _ = trainer.prepare(batch)
    before = trainer.loss(prepared)[0].item()
    trainer.step(prepared)
    assert trainer.loss(prepared)[0].item() < before
    # and updates raise the reward
    returns = [batch.returns.mean().item()]
    for _ in range(25):
        batch = rollout()
        returns.append(batch.returns.mean().item())
        metrics = trainer.update(batch)
    assert np.mean(returns[-5:]) > np.mean(returns[:5]) + 0.2, returns
    for key in ("losses/policy_loss", "losses/entropy", "losses/grad_norm"):
        assert np.isfinite(metrics[key])


def test_agreeing_failing_groups_branch_at_the_token_that_ended_them():
    scorer = Scorer(reward_mode="char")
    problem = get_generator("copy").problem(7, 1)  # target: "abcd <step> abcd <eos>"
    letters = encode(problem.answer).tolist()
    wrong = int(encode("z" if problem.answer[0] != "z" else "y")[0])
    stuck = [*letters, letters[0]]  # copies on where the reference writes <step>
    mixed = [[*letters, STEP, *letters, EOS], stuck, stuck]  # groups of 3 that do not agree
    problems = [problem] * 9
    rows = [stuck] * 3 + mixed + [[*letters, STEP, *letters, EOS]] * 3
    width = max(map(len, rows))
    completions = torch.tensor([r + [PAD] * (width - len(r)) for r in rows])
    scores = [scorer.score(p, c) for p, c in zip(problems, completions.numpy())]
    before = completions.clone()
    alphabet = (STEP, letters[0], wrong)  # the two alternatives to letters[0] are forced
    count = branch_agreeing_groups(problems, completions, scores, scorer, 3, alphabet,
                                   torch.Generator().manual_seed(0))
    assert count == 1  # only the first group agrees and fails; the others are untouched
    assert torch.equal(completions[3:], before[3:]) and torch.equal(completions[0], before[0])
    branched = completions[1:3, 4].tolist()
    assert sorted(branched) == sorted([STEP, wrong])
    for r in (1, 2):
        assert completions[r, :4].tolist() == letters and torch.all(completions[r, 5:] == PAD)
        fresh = scorer.score(problem, completions[r, :5].numpy())
        assert scores[r].length == fresh.length == 5
        assert np.array_equal(scores[r].rewards, fresh.rewards)
    step_row = 1 + branched.index(STEP)
    assert scores[step_row].rewards[4] > 0 and not scores[step_row].terminated  # right, goes on
    assert scores[3 - step_row].rewards[4] == 0 and scores[3 - step_row].terminated


def test_problem_sources_stream_training_problems_and_resume():
    source = ProblemSource(["addition", "subtraction"], 2, seed=3)
    problems = source.sample(8, group_size=4)
    assert problems[0] == problems[3] and problems[4] == problems[7]  # groups are adjacent
    assert all(p.seed < 2**62 for p in problems)  # training seeds, never held-out ones
    state = source.state_dict()
    again = ProblemSource(["addition", "subtraction"], 2, seed=0)
    again.load_state_dict(state)
    assert again.sample(6) == source.sample(6)


def test_curriculum_source_follows_the_skill_tree():
    source = CurriculumSource(["subtraction"], seed=0, window=8, raise_above=0.9)
    problems = source.sample(8, group_size=4)
    assert {p.task for p in problems} == {"addition"}  # subtraction waits for addition
    assert source.eval_tasks() == [("addition", 1)]
    scorer = Scorer()
    events = source.record(problems, [scorer.score(p, p.target_ids) for p in problems])
    assert "difficulty_up" in {e.kind for e in events}
    assert source.eval_tasks() == [("addition", 2)]
    state = source.state_dict()
    again = CurriculumSource(["subtraction"], seed=5, window=8, raise_above=0.9)
    again.load_state_dict(state)
    assert again.sample(4, 2) == source.sample(4, 2)


# -- bad configurations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (dict(algorithm="a2c"), "unknown algorithm 'a2c'"),
        (dict(algorithm="grpo", group_size=1), "group_size must be >= 2"),
        (dict(batch_size=10, group_size=4), "multiple of group_size"),
        (dict(algorithm="ppo", group_size=1, batch_size=10, num_minibatches=4), "num_minibatches"),
        (dict(temperature=0.0), "temperature"),
        (dict(baseline_momentum=1.0), "baseline_momentum"),
    ],
)
def test_bad_rl_configs_fail_clearly(config, message):
    with pytest.raises(ValueError, match=message):
        RLConfig(**config)


def test_train_script_rejects_bad_arguments():
    train = load_script("train")
    for argv, message in [
        (["--algorithm", "a2c"], "unknown algorithm 'a2c'"),
        (["--env-id", "Engram-additon-v0"], "did you mean 'addition'"),
        (["--difficulty", "11"], r"1\.\.10"),
        (["--batch-size", "10", "--group-size", "4"], "multiple of group_size"),
        (["--n-embd", "30", "--n-head", "4"], "divisible"),
        (["--reward-mode", "dense"], "reward_mode"),
        (["--resume", "nowhere.pt"], "no checkpoint at nowhere.pt"),
        (["--allowed-tokens", "alphabet", "--curriculum"], "needs fixed tasks"),
        (["--allowed-tokens", "ab\u00e9"], "expected a token"),
        (["--table-lr-scale", "0"], "table-lr-scale must be > 0"),
        (["--branch", "--algorithm", "ppo"], "needs --algorithm grpo"),
    ]:
        with pytest.raises(SystemExit, match=message):
            train.main(argv)


def test_optimizer_gives_tables_their_own_learning_rate():
    model = NanoChat(GPTConfig(**TINY, attention="relative"))
    optimizer = make_optimizer(model, 1e-3, table_lr_scale=10)
    tables = {id(model.wte.weight), *(id(b.attn.kernel.relative.table) for b in model.blocks)}
    for group in optimizer.param_groups:
        in_tables = {id(p) in tables for p in group["params"]}
        assert len(in_tables) == 1  # a group holds tables only or matrices only
        assert group["lr"] == pytest.approx(1e-2 if in_tables == {True} else 1e-3)
    assert sum(len(g["params"]) for g in optimizer.param_groups) == len(list(model.parameters()))
    set_learning_rate(optimizer, 2e-4)  # a schedule keeps the ratio
    assert sorted(g["lr"] for g in optimizer.param_groups) == pytest.approx([2e-4, 2e-3])
    with pytest.raises(ValueError, match="table_lr_scale"):
        make_optimizer(model, 1e-3, table_lr_scale=0)


# -- checkpoints -------------------------------------------------------------------------------


def test_checkpoints_are_written_atomically(tmp_path, monkeypatch):
    path = tmp_path / "run" / "latest.pt"
    save_checkpoint(path, {"update": 1, "weights": torch.ones(3)})
    assert load_checkpoint(path)["update"] == 1

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError):
        save_checkpoint(path, {"update": 2})
    assert load_checkpoint(path)["update"] == 1  # the old checkpoint survives, no temp files left
    assert [p.name for p in path.parent.iterdir()] == ["latest.pt"]


@pytest.mark.parametrize(("algorithm", "stop", "extra"), [
    ("reinforce", 3, []), ("grpo", 2, []), ("ppo", 4, []),
    ("grpo", 3, ["--attention", "relative", "--table-lr-scale", "10"]),  # two optimizer groups
])
def test_resume_reproduces_the_next_update_exactly(tmp_path, algorithm, stop, extra):
    """Stop a run after `stop` updates (2 warm-up + RL), resume it: the next update is identical.

    A tiny model earns no reward yet, so the entropy bonus makes every RL update depend on the
    sampled tokens (and PPO's on the minibatch order): a resume that lost any RNG state differs.
    """
    train = load_script("train")
    common = ["--warmup-steps", "2", "--warmup-batch-size", "4", "--algorithm", algorithm,
              "--ent-coef", "0.01", "--learning-rate", "1e-3",
              "--batch-size", "8", "--group-size", "4" if algorithm == "grpo" else "1",
              "--n-layer", "1", "--n-embd", "32", "--n-head", "2", "--eval-episodes", "2",
              "--torch-threads", "1", "--no-progress", "--checkpoint-every", "0",
              "--runs-dir", str(tmp_path / "runs"), *extra]
    full = train.main(common + ["--total-steps", str(stop - 2 + 1), "--checkpoints-dir",
                                str(tmp_path / "full")])
    first = train.main(common + ["--total-steps", str(stop - 2), "--checkpoints-dir",
                                 str(tmp_path / "part")])
    resumed = train.main(["--resume", first["checkpoint"], "--total-steps", str(stop - 2 + 1)])
    assert resumed["updates"] == full["updates"] == stop + 1
    a, b = full["policy"].state_dict(), resumed["policy"].state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    before = first["policy"].state_dict()
    assert not all(torch.equal(a[k], before[k]) for k in a)  # the resumed update did something
    saved_a, saved_b = load_checkpoint(full["checkpoint"]), load_checkpoint(resumed["checkpoint"])
    assert torch.equal(saved_a["sampling_rng"], saved_b["sampling_rng"])
    assert saved_b["run_name"] == first["run_name"]


def test_allowed_tokens_alphabet_reaches_the_policy_and_its_checkpoint(tmp_path):
    train = load_script("train")
    result = train.main(["--env-id", "Engram-copy-v0", "--reward-mode", "char", "--warmup-steps",
                         "0", "--total-steps", "1", "--batch-size", "8", "--group-size", "4",
                         "--n-layer", "1", "--n-embd", "32", "--n-head", "2",
                         "--allowed-tokens", "alphabet", "--eval-episodes", "4",
                         "--torch-threads", "1", "--no-progress", "--checkpoint-every", "0",
                         "--runs-dir", str(tmp_path / "runs"),
                         "--checkpoints-dir", str(tmp_path / "ckpt")])
    letters = encode("abcdefghijklmnopqrstuvwxyz")
    expected = (EOS, STEP, *letters)  # copy writes lowercase letters, steps and <eos>
    assert result["policy"].config.allowed_tokens == tuple(sorted(expected))
    saved = load_checkpoint(result["checkpoint"])["model_config"]["allowed_tokens"]
    assert tuple(saved) == tuple(sorted(expected))


def test_train_script_runs_as_a_subprocess(tmp_path):
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train.py"), "--warmup-steps", "2",
         "--total-steps", "2", "--batch-size", "8", "--group-size", "4", "--n-layer", "1",
         "--n-embd", "32", "--n-head", "2", "--eval-episodes", "2", "--torch-threads", "1",
         "--runs-dir", str(tmp_path / "runs"), "--checkpoints-dir", str(tmp_path / "ckpt")],
        check=False, capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert "TensorBoard: tensorboard --logdir" in out.stdout
    run = next((tmp_path / "runs").iterdir())
    assert run.name.startswith("Engram-addition-v0__train__1__")
    assert any(p.name.startswith("events.out.tfevents") for p in run.iterdir())
    checkpoint = load_checkpoint(tmp_path / "ckpt" / run.name / "latest.pt")
    assert checkpoint["update"] == 4 and checkpoint["args"]["algorithm"] == "grpo"
    assert checkpoint["model_config"]["n_embd"] == 32


def test_main_job_prints_the_table_against_the_baselines(tmp_path, capsys):
    main = load_script("main")
    result = main.main(["--warmup-steps", "2", "--total-steps", "1", "--eval-episodes", "3",
                        "--n-layer", "1", "--n-embd", "32", "--n-head", "2", "--torch-threads", "1",
                        "--no-progress", "--runs-dir", str(tmp_path / "runs"),
                        "--checkpoints-dir", str(tmp_path / "ckpt")])
    out = capsys.readouterr().out
    for row in ("| random", "| answer-only", "| nanochat, warm-up only (2)",
                "| nanochat, warm-up + GRPO (3)", "| oracle"):
        assert row in out
    assert f"TensorBoard: tensorboard --logdir {result['run_dir']}" in out
    assert result["baselines"]["oracle"]["answer_accuracy"] == 1.0
    with pytest.raises(SystemExit, match="tier-1 task"):
        main.main(["--task", "multiplication"])


@pytest.mark.slow  # ~10 s: two runs of the default-size models
def test_learning_benchmark_runs_with_a_tiny_budget(tmp_path):
    bench = load_script("bench_learning")
    results = bench.main(["--add-warmup-steps", "1", "--add-rl-steps", "1", "--add-eval-every", "1",
                          "--rl-steps", "1", "--rl-eval-every", "1", "--eval-episodes", "2",
                          "--torch-threads", "1", "--no-progress", "--out-dir", str(tmp_path / "out"),
                          "--runs-dir", str(tmp_path / "runs")])
    assert len(results) == 2
    assert (tmp_path / "out" / "results.json").is_file() and (tmp_path / "out" / "curves.png").is_file()
