"""The TRM policy (agents/trm.py): recursion, gradients, halting, KV cache, deep supervision, and
that the shared warm-up and policy-gradient trainers make it better on a trivial task."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from agents.algorithms import PolicyGradient, RLConfig
from agents.baselines import PolicySolver
from agents.rollout import Policy, ProblemSource, collate, collect, eval_problems, evaluate
from agents.trm import TRM, TRMConfig, config_like, count_params, load_policy
from agents.warmup import teacher_forcing_batch, warmup_step
from engram_env import get_generator
from engram_env.scoring import Score, Scorer
from engram_env.vocab import EOS, VOCAB_SIZE

TINY = {"n_layer": 2, "n_head": 2, "n_kv_head": 2, "n_embd": 32, "T": 3, "n": 2}


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors: one torch thread per test worker (pytest -n 2 already fills 2 cores, and
    idle OpenMP threads spinning beside another process cost more than they compute)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def make_trm(seed: int = 0, scramble: bool = True, **overrides) -> TRM:
    """A tiny TRM; ``scramble`` replaces the zero-initialised heads and residual projections by
    random weights, so logits, values and halting differ from row to row and position to
    position (a fresh model is uniform, which would make the equality tests vacuous)."""
    torch.manual_seed(seed)
    model = TRM(TRMConfig(**{**TINY, **overrides}))
    if scramble:
        with torch.no_grad():
            for p in model.parameters():
                if p.ndim >= 2 and not p.abs().sum():
                    p.normal_(0, 0.3)
            model.halt_head.bias.zero_()
    return model


def prompts_batch(lengths=(5, 9, 12), seed=1):
    g = torch.Generator().manual_seed(seed)
    rows = [torch.randint(3, VOCAB_SIZE, (n,), generator=g).numpy() for n in lengths]
    prompts, start, _ = collate(rows)
    return prompts, start


def mixed_halting(model: TRM, prompts, start) -> None:
    """A random halting head whose bias puts the median row right at the cycle-1 threshold, so
    that rows stop after different numbers of cycles."""
    with torch.no_grad():
        model.halt_head.weight.normal_(0, 0.5)
        model.halt_head.bias.zero_()
        first = torch.logit(model.halting_probabilities(prompts, start)[:, 0])  # (B,)
        model.halt_head.bias.fill_(-float(first.median()) + 1e-3)


class PassRecorder:
    """Counts applications of the tiny network (its first block) and whether each carried grad."""

    def __init__(self, model: TRM) -> None:
        self.grads: list[bool] = []
        model.blocks[0].register_forward_hook(lambda m, i, out: self.grads.append(out.requires_grad))


# -- the recursion -----------------------------------------------------------------------------


def test_is_a_policy_and_sizes_are_configurable():
    model = make_trm(T=2, n=3, n_layer=1, n_embd=48)
    assert isinstance(model, Policy)
    assert model.config.passes == 2 * 4 and model.config.layers_per_token == 8
    assert count_params(model.config) == model.num_params()
    with pytest.raises(ValueError, match="T must be a positive"):
        TRMConfig(T=0)
    with pytest.raises(ValueError, match="halt_min_cycles"):
        TRMConfig(T=2, halt_min_cycles=3)
    with pytest.raises(ValueError, match="divisible"):
        TRMConfig(n_embd=30, n_head=4)
    assert abs(count_params(config_like(200_000)) / 200_000 - 1) < 0.05


@pytest.mark.parametrize("T, n", [(3, 2), (2, 1), (1, 4)])
def test_forward_runs_T_times_n_plus_1_passes_with_gradients_only_in_the_last_cycle(T, n):
    model = make_trm(T=T, n=n)
    recorder = PassRecorder(model)
    prompts, start = prompts_batch()
    logits, values = model(prompts, start)
    assert logits.shape == (3, prompts.size(1), VOCAB_SIZE) and values.shape == (3, prompts.size(1))
    assert len(recorder.grads) == T * (n + 1)
    assert recorder.grads == [False] * ((T - 1) * (n + 1)) + [True] * (n + 1)
    (logits.square().mean() + values.mean()).backward()
    for name in ("wte.weight", "blocks.0.attn.c_q.weight", "blocks.1.mlp.c_fc.weight", "lm_head.weight"):
        assert model.get_parameter(name).grad.abs().sum() > 0, name
    assert model.halt_head.weight.grad is None  # the policy loss never touches the halting head


def test_causal_and_left_padding_invariant():
    model = make_trm()
    prompts, start = prompts_batch()
    logits, values = model(prompts, start)
    changed = prompts.clone()
    changed[:, 9:] = 7  # alter the tokens after column 8
    logits2, values2 = model(changed, start)
    torch.testing.assert_close(logits[:, :9], logits2[:, :9])
    torch.testing.assert_close(values[:, :9], values2[:, :9])
    # the shortest row computed alone (no padding) equals its padded row
    row = prompts[0, start[0]:][None]
    alone, _ = model(row)
    torch.testing.assert_close(alone[0], logits[0, start[0]:], atol=1e-5, rtol=1e-5)


def test_depth_argument_runs_each_row_its_own_cycles():
    model = make_trm()
    prompts, start = prompts_batch()
    per_depth = [model(prompts, start, depth=torch.full((3,), d))[0] for d in (1, 2, 3)]
    torch.testing.assert_close(per_depth[2], model(prompts, start)[0])
    mixed, _ = model(prompts, start, depth=torch.tensor([2, 1, 3]))
    for b, d in enumerate((2, 1, 3)):
        torch.testing.assert_close(mixed[b], per_depth[d - 1][b])
    assert not torch.allclose(per_depth[0], per_depth[2])  # the cycles do something


# -- halting -----------------------------------------------------------------------------------


def test_halting_stops_early_when_the_head_says_so():
    model = make_trm(T=4, n=1, halt_min_cycles=2)
    prompts, start = prompts_batch()
    recorder = PassRecorder(model)

    def run(bias: float, adaptive: bool):
        with torch.no_grad():
            model.halt_head.weight.zero_()
            model.halt_head.bias.fill_(bias)
        recorder.grads.clear()
        model.reset_depth_stats()
        with model.adaptive(adaptive):
            _, depth = model.generate(prompts, start, 3, temperature=0.0, return_depth=True)
        return depth.tolist(), len(recorder.grads), model.effective_depth()

    depth, passes, stats = run(+10.0, True)  # "halt": stop at the minimum of 2 cycles
    assert depth == [2, 2, 2] and stats["cycles"] == 2
    assert stats["layers_per_token"] == 2 * 2 * 2 and stats["full_layers_per_token"] == 4 * 2 * 2
    assert passes == 2 * 2 + 2 * 2 * 2  # prompt: 2 cycles x 2 passes; 2 more tokens the same
    depth, passes, stats = run(-10.0, True)  # "keep going": all T cycles
    assert depth == [4, 4, 4] and passes == 3 * 4 * 2 and stats["cycles"] == 4
    depth, passes, _ = run(+10.0, False)  # adaptive depth off (rollouts): always T
    assert depth == [4, 4, 4] and passes == 3 * 4 * 2
    assert not model.adaptive_depth  # the context manager restored the mode


def test_halting_decision_follows_the_head_row_by_row():
    model = make_trm(T=3, n=1, seed=3)
    prompts, start = prompts_batch(lengths=(4, 6, 7, 9, 11, 13), seed=5)
    mixed_halting(model, prompts, start)
    p = model.halting_probabilities(prompts, start)  # (B, T)
    expected = [next((c + 1 for c in range(2) if p[b, c] > 0.5), 3) for b in range(p.size(0))]
    assert len(set(expected)) > 1, "pick a seed where rows halt at different cycles"
    with model.adaptive():
        _, depth = model.generate(prompts, start, 2, temperature=0.0, return_depth=True)
    assert depth.tolist() == expected


# -- KV cache equals recomputation ---------------------------------------------------------------


@pytest.mark.parametrize("adaptive", [False, True])
@pytest.mark.parametrize("temperature", [0.0, 1.0])
def test_cached_generation_equals_recomputation(adaptive, temperature):
    model = make_trm(T=3, n=2, seed=3)
    prompts, start = prompts_batch(lengths=(4, 6, 7, 9, 11, 13), seed=5)
    if adaptive:
        mixed_halting(model, prompts, start)
    with model.adaptive(adaptive):
        out, seen, depth = model.generate(prompts, start, 12, temperature=temperature,
                                          generator=torch.Generator().manual_seed(0),
                                          return_logits=True, return_depth=True)
    assert (len(set(depth.tolist())) > 1) == adaptive
    tokens = torch.cat([prompts, out], dim=1)
    full, _ = model(tokens[:, :-1], start, depth=depth)  # one recomputation, no cache
    full = full[:, prompts.size(1) - 1:]  # (B, L, V): the logits each token was drawn from
    P, L = prompts.size(1), out.size(1)
    for b in range(out.size(0)):
        eos = (out[b] == EOS).nonzero()
        n = int(eos[0]) + 1 if len(eos) else L  # after <eos> a row is padding
        torch.testing.assert_close(seen[b, :n], full[b, :n], atol=2e-4, rtol=1e-4)
    assert P + L == tokens.size(1)


# -- deep supervision ---------------------------------------------------------------------------


def test_deep_supervision_is_a_loss_per_cycle_whose_last_equals_forward():
    model = make_trm(T=3, n=1)
    problems = get_generator("copy").problems(range(4), 1)
    tokens, start, P, targets = teacher_forcing_batch(problems)
    recorder = PassRecorder(model)
    loss = model.supervised_loss(tokens, start, P, targets)
    assert recorder.grads == [True] * 6  # every cycle is a supervision step with its gradient
    loss.backward()
    assert model.halt_head.weight.grad.abs().sum() > 0  # the halting head is trained here
    metrics = model.supervision_metrics
    for c in (1, 2, 3):  # cycle c's loss is the loss of a forward that stops after c cycles
        logits, _ = model(tokens[:, :-1], start, depth=torch.full((4,), c))
        ce = F.cross_entropy(logits[:, P - 1:].reshape(-1, VOCAB_SIZE), targets.reshape(-1),
                             ignore_index=-1)
        assert metrics[f"trm/ce_cycle{c}"] == pytest.approx(ce.item(), rel=1e-4)
    assert {f"trm/halt_acc_cycle{c}" for c in (1, 2, 3)} <= metrics.keys()


def test_checkpoint_round_trip_through_load_policy():
    model = make_trm()
    from dataclasses import asdict

    rebuilt = load_policy(asdict(model.config))
    rebuilt.load_state_dict(model.state_dict())
    prompts, start = prompts_batch()
    torch.testing.assert_close(rebuilt(prompts, start)[0], model(prompts, start)[0])


# -- learning with the shared trainers ----------------------------------------------------------


def learner(seed: int = 0) -> TRM:
    torch.manual_seed(seed)
    return TRM(TRMConfig(n_layer=1, n_head=2, n_kv_head=2, n_embd=32, T=2, n=1))


def test_warmup_with_deep_supervision_raises_reward():
    """The shared ``warmup_step`` (which calls the TRM's deep-supervision hook) on comparison at
    level 1: the greedy policy's "char" return on held-out problems goes from 0 to > 0.3."""
    model = learner()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    source = ProblemSource(["comparison"], 1, 0)
    held_out = eval_problems(["comparison"], 1, 16)

    def greedy_return() -> float:
        return evaluate(PolicySolver(model, 40), held_out, Scorer("char"))["episodic_return"]

    before = greedy_return()
    for _ in range(40):
        metrics = warmup_step(model, optimizer, source.sample(16))
    assert before < 0.05 and greedy_return() > 0.3
    assert {"losses/sft_loss", "trm/ce_cycle1", "trm/ce_cycle2", "trm/halt_acc_cycle2"} <= metrics.keys()


class WriteDigitsOrLetters:
    """A trivial task: each of the first 4 tokens earns 0.25 if it is a digit or a lowercase
    letter (ids 3..38, 36 of the 135 tokens); the first other token ends the episode. Slots are
    positions. A uniform policy earns about 0.09, a perfect one 1.0."""

    def score(self, problem, tokens):
        tokens = np.asarray(tokens)
        rewards, n = [], len(tokens)
        for t, token in enumerate(tokens[:4]):
            good = 3 <= token < 39
            rewards.append(0.25 if good else 0.0)
            if not good or t == 3:
                break
        n = len(rewards)
        return Score(np.array(rewards), np.arange(n), 4, n, True, False, sum(rewards) == 1.0, 0, 0)


@pytest.mark.parametrize("algorithm", ["reinforce", "grpo", "ppo"])
def test_each_policy_gradient_algorithm_raises_reward(algorithm):
    model = learner()
    config = RLConfig(algorithm=algorithm, batch_size=32,
                      group_size=4 if algorithm == "grpo" else 1, learning_rate=1e-2)
    trainer = PolicyGradient(model, torch.optim.Adam(model.parameters(), lr=1e-2), config)
    source = ProblemSource(["comparison"], 1, 0)
    generator = torch.Generator().manual_seed(0)
    returns = []
    for _ in range(25):
        batch = collect(model, source.sample(32, config.group_size), WriteDigitsOrLetters(), 5,
                        generator=generator)
        returns.append(batch.returns.mean().item())
        metrics = trainer.update(batch)
    assert np.mean(returns[-5:]) > np.mean(returns[:5]) + 0.3, returns
    assert np.isfinite(metrics["losses/entropy"]) and metrics["losses/entropy"] > 0.1


# -- the training entry point --------------------------------------------------------------------


def test_train_script_trains_and_checkpoints_a_trm(tmp_path):
    import importlib.util
    import sys
    from pathlib import Path

    from agents.checkpoint import load_checkpoint
    from agents.evaluation import load_agent

    path = Path(__file__).resolve().parent.parent / "scripts" / "train.py"
    spec = importlib.util.spec_from_file_location("script_train_trm", path)
    train = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = train  # dataclasses look their module up while building Args
    spec.loader.exec_module(train)
    common = ["--agent", "trm", "--env-id", "comparison", "--n-layer", "1", "--n-embd", "32",
              "--n-head", "2", "--trm-cycles", "2", "--trm-latent-steps", "1",
              "--torch-threads", "1", "--no-progress", "--eval-episodes", "2",
              "--runs-dir", str(tmp_path / "runs"), "--checkpoints-dir", str(tmp_path / "ckpt")]
    result = train.main(common + ["--warmup-steps", "2", "--warmup-batch-size", "4",
                                  "--algorithm", "ppo", "--total-steps", "1", "--batch-size", "4",
                                  "--group-size", "1"])
    assert isinstance(result["policy"], TRM) and result["updates"] == 3
    checkpoint = load_checkpoint(result["checkpoint"])
    assert checkpoint["agent"] == "trm"
    assert (checkpoint["model_config"]["T"], checkpoint["model_config"]["n"]) == (2, 1)
    agent = load_agent(f"trm:{result['checkpoint']}")  # the evaluation harness rebuilds it
    assert agent.identity.details["num_params"] == result["policy"].num_params()
    with pytest.raises(SystemExit, match="T must be a positive integer"):
        train.main(common + ["--trm-cycles", "-1"])
