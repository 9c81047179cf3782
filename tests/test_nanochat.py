"""The nanochat policy: shapes, masking, KV-cache sampling, configs; and the scorer it trains on."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from agents import build_policy, policy_from_config
from agents.attention import (
    ATTENTION,
    AttentionKernel,
    RelativeAttention,
    SoftmaxAttention,
    distance_bucket,
    key_distances,
)
from agents.baselines import AnswerOnlySolver, OracleSolver, PolicySolver, RandomSolver, Solver
from agents.nanochat import GPTConfig, NanoChat
from agents.rollout import Policy, collate, completion_lengths, eval_problems, evaluate, sample
from engram_env import EngramEnv, get_generator
from engram_env.scoring import Scorer
from engram_env.vocab import EOS, PAD, VOCAB_SIZE, encode

torch.set_num_threads(1)
TINY = dict(n_layer=2, n_head=2, n_kv_head=2, n_embd=32)


def tiny(attention="softmax", seed=0, **overrides) -> NanoChat:
    torch.manual_seed(seed)
    model = NanoChat(GPTConfig(**{**TINY, "attention": attention, **overrides}))
    with torch.no_grad():  # leave the zero-initialised head: a uniform policy hides cache bugs
        for p in model.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return model.eval()


def prompts(n=5, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(3, VOCAB_SIZE, size=int(rng.integers(3, 12))) for _ in range(n)]


def test_presets_and_shapes():
    assert 0.7e6 < NanoChat(GPTConfig.preset("tiny")).num_params() < 1.2e6
    assert 2.5e6 < NanoChat(GPTConfig.preset("small")).num_params() < 3.5e6
    model = tiny()
    tokens, start, P = collate(prompts(4))
    logits, values = model(tokens, start)
    assert logits.shape == (4, P, VOCAB_SIZE) and values.shape == (4, P)
    assert logits.abs().max() <= model.config.softcap
    assert isinstance(model, Policy)


def test_fresh_policy_is_uniform():
    model = NanoChat(GPTConfig(**TINY))
    logits, values = model(torch.randint(0, VOCAB_SIZE, (2, 7)))
    assert torch.all(logits == 0) and torch.all(values == 0)


@pytest.mark.parametrize("attention", sorted(ATTENTION))
def test_left_padding_changes_nothing(attention):
    model = tiny(attention)
    p = prompts(3)
    alone = [model(torch.from_numpy(x)[None])[0][0, -1] for x in p]
    tokens, start, _ = collate(p)
    batched = model(tokens, start)[0][:, -1]
    for a, b in zip(alone, batched):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("attention", sorted(ATTENTION))
def test_kv_cache_sampling_equals_full_recomputation(attention):
    model = tiny(attention, n_kv_head=1)  # grouped-query attention too
    tokens, start, P = collate(prompts(6))
    out, cached_logits = model.generate(tokens, start, 12, generator=torch.Generator().manual_seed(3),
                                        return_logits=True)

    class NoCache(torch.nn.Module):  # the same model without its generate(): full recomputation
        def __init__(self):
            super().__init__()
            self.inner = model

        def forward(self, idx, start):
            return self.inner(idx, start)

    slow = sample(NoCache(), tokens, start, 12, generator=torch.Generator().manual_seed(3))
    assert torch.equal(out, slow)
    full_logits = model(torch.cat([tokens, out], 1), start)[0][:, P - 1:-1]
    torch.testing.assert_close(cached_logits, full_logits, atol=1e-4, rtol=1e-4)


def test_generation_stops_at_eos_and_pads_after():
    model = tiny()
    with torch.no_grad():  # make <eos> likely
        model.lm_head.weight[EOS] += 2 * model.lm_head.weight.abs().max()
    tokens, start, _ = collate(prompts(8))
    out = model.generate(tokens, start, 30, generator=torch.Generator().manual_seed(0))
    lengths = completion_lengths(out)
    for row, n in zip(out, lengths):
        if (row == EOS).any():
            assert row[n - 1] == EOS and torch.all(row[n:] == PAD)
    greedy = model.generate(tokens, start, 30, temperature=0.0)
    assert torch.equal(greedy, model.generate(tokens, start, 30, temperature=0.0))


def test_a_new_attention_kernel_plugs_in(monkeypatch):
    class Doubled(AttentionKernel):  # any (q, k, v, mask) -> (B, H, Tq, D) function
        def forward(self, q, k, v, mask):
            return 2 * SoftmaxAttention.forward(self, q, k, v, mask)

    monkeypatch.setitem(ATTENTION, "doubled", Doubled)
    model = tiny("doubled")
    tokens, start, _ = collate(prompts(2))
    assert model.generate(tokens, start, 4, temperature=0.0).shape[0] == 2


def test_key_distances_count_back_from_each_query():
    # 3 new queries after 4 cached keys: query i sits at key position 4 + i
    d = key_distances(3, 7)
    for i in range(3):
        for j in range(7):
            assert d[i, j] == max(0, 4 + i - j)


def test_distance_buckets_are_exact_then_logarithmic():
    d = torch.arange(0, 3000)
    b = distance_bucket(d)
    assert torch.equal(b[:32], d[:32])  # one bucket per distance below 32
    assert torch.all(b[1:] >= b[:-1]) and b.max() == 47  # monotone, 48 buckets
    assert torch.all(b[1024:] == 47)  # everything from max_distance on shares the last
    assert set(b[32:].tolist()) == set(range(32, 48))  # then 16 log-spaced ones


def test_relative_attention_bias_looks_k_tokens_back():
    kernel = RelativeAttention(n_head=2, head_dim=4)
    with torch.no_grad():  # head 0 looks exactly 3 back, head 1 at itself
        kernel.relative.table.zero_()
        kernel.relative.table[0, 3] = 60.0
        kernel.relative.table[1, 0] = 60.0
    T = 9
    q, k = torch.zeros(1, 2, T, 4), torch.zeros(1, 2, T, 4)  # no content: the bias decides
    v = torch.randn(1, 2, T, 4)
    mask = torch.ones(T, T, dtype=torch.bool).tril()[None, None]
    y = kernel(q, k, v, mask)
    torch.testing.assert_close(y[0, 0, 3:], v[0, 0, :-3])
    torch.testing.assert_close(y[0, 1], v[0, 1])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: GPTConfig(n_embd=30, n_head=4), "divisible by n_head"),
        (lambda: GPTConfig(n_embd=36, n_head=4), "even"),
        (lambda: GPTConfig(n_head=4, n_kv_head=3), "must divide n_head"),
        (lambda: GPTConfig(attention="flash"), "unknown attention 'flash'"),
        (lambda: GPTConfig(n_layer=0), "positive integer"),
        (lambda: GPTConfig(softcap=-1.0), "softcap"),
        (lambda: GPTConfig(allowed_tokens=(EOS, VOCAB_SIZE)), r"token ids in 0\.\.134"),
        (lambda: GPTConfig(allowed_tokens=(13, 14)), "must include <eos>"),
        (lambda: GPTConfig.preset("huge"), "unknown model size 'huge'"),
        (lambda: build_policy("gpt5"), "unknown agent 'gpt5'"),
    ],
)
def test_bad_model_configs_fail_clearly(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_too_long_sequences_fail_clearly():
    model = NanoChat(GPTConfig(**TINY, sequence_len=16))
    with pytest.raises(ValueError, match="sequence_len=16"):
        model(torch.zeros(1, 17, dtype=torch.long))


def test_policy_rebuilds_from_its_config():
    model = tiny()
    copy = policy_from_config("nanochat", dataclasses.asdict(model.config))
    copy.load_state_dict(model.state_dict())
    x = torch.randint(0, VOCAB_SIZE, (1, 5))
    assert torch.equal(model(x)[0], copy(x)[0])


@pytest.mark.parametrize("agent", ["nanochat", "trm"])
def test_allowed_tokens_restrict_sampling_logprobs_and_survive_a_checkpoint(agent):
    allowed = (EOS, 13, 14, 15)
    torch.manual_seed(0)
    model = build_policy(agent, "tiny", n_layer=1, n_embd=32, n_head=2, n_kv_head=2,
                         allowed_tokens=list(allowed))  # a list, as a JSON config would give
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.3 * torch.randn_like(p))
    assert model.config.allowed_tokens == allowed
    tokens, start, _ = collate(prompts(6))
    out = model.generate(tokens, start, 12, generator=torch.Generator().manual_seed(0))
    assert set(out.unique().tolist()) <= {*allowed, PAD} and (out != PAD).sum() > 20
    probs = torch.softmax(model(tokens, start)[0], -1)  # exactly 0 outside, finite log-probs
    outside = torch.ones(VOCAB_SIZE, dtype=torch.bool)
    outside[list(allowed)] = False
    assert torch.all(probs[..., outside] == 0) and torch.allclose(probs.sum(-1), torch.ones(1))
    assert torch.isfinite(torch.log_softmax(model(tokens, start)[0], -1)).all()
    rebuilt = policy_from_config(agent, dataclasses.asdict(model.config))
    rebuilt.load_state_dict(model.state_dict())
    assert torch.equal(rebuilt(tokens, start)[0], model(tokens, start)[0])


# -- the scorer and the baselines --------------------------------------------------------------


def step_env(problem, tokens, reward_mode):
    """The reference: reset an EngramEnv to the problem and step every token."""
    env = EngramEnv(problem.task, reward_mode=reward_mode)
    env.reset(options={"difficulty": problem.difficulty, "problem_seed": problem.seed})
    rewards, info = [], {}
    for token in tokens:
        _, r, terminated, truncated, info = env.step(int(token))
        rewards.append(r)
        if terminated or truncated:
            return rewards, terminated, truncated, info.get("answer_correct")
    return rewards, False, False, False


@pytest.mark.parametrize("reward_mode", ["step", "char", "final"])
def test_scorer_equals_stepping_the_env(reward_mode):
    scorer = Scorer(reward_mode)
    rng = np.random.default_rng(0)
    for task in ("addition", "subtraction", "comparison", "division"):
        for seed in range(4):
            problem = get_generator(task).problem(seed, 3)
            target = problem.target_ids
            wrong_step = target.copy()
            wrong_step[1] = (int(wrong_step[1]) + 1 - 3) % (VOCAB_SIZE - 3) + 3
            candidates = [target, encode(problem.answer, eos=True), wrong_step, target[:-3],
                          rng.integers(0, VOCAB_SIZE, 600), rng.integers(3, 10, 40)]
            for tokens in candidates:
                score = scorer.score(problem, tokens)
                rewards, terminated, truncated, correct = step_env(problem, tokens, reward_mode)
                assert score.rewards.tolist() == rewards
                assert (score.length, score.terminated, score.truncated) == (
                    len(rewards), terminated, truncated)
                assert score.answer_correct == bool(correct)
            assert scorer.score(problem, target).total == 1.0


def test_scorer_reward_slots():
    problem = get_generator("addition").problem(5, 3)  # 3 steps
    score = Scorer("step").score(problem, problem.target_ids)
    assert score.slots[score.slots >= 0].tolist() == [0, 1, 2, 3] and score.n_slots == 4
    with pytest.raises(ValueError, match="no seed"):
        Scorer().score(get_generator("addition").make(1, "1+1=?", ["1+1+0=2"], "2"), [EOS])


def test_baselines_share_one_interface_and_bound_the_scores():
    problems = eval_problems(["addition"], 2, 20)
    scorer = Scorer()
    results = {}
    for solver in (RandomSolver(0), OracleSolver(), AnswerOnlySolver(),
                   PolicySolver(tiny(), 30, name="tiny")):
        assert isinstance(solver, Solver)
        results[solver.name] = evaluate(solver, problems, scorer)
    assert results["oracle"]["answer_accuracy"] == 1.0 and results["oracle"]["episodic_return"] == 1.0
    assert results["answer-only"]["episodic_return"] == 0.5
    assert results["random"]["episodic_return"] < 0.05
    assert results["tiny"]["episodes"] == 20
