"""stable-baselines3 integration: env checker, the token extractor, PPO/A2C/MaskablePPO runs that
save, load and predict, the action mask, held-out evaluation, and the training script."""

import doctest
import importlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from stable_baselines3.common.env_checker import check_env

from agents.sb3 import (
    ALGORITHMS,
    SB3Solver,
    TokenFeaturesExtractor,
    env_tasks,
    evaluate_model,
    make_vec_env,
    save_model,
    token_lengths,
    token_policy_kwargs,
)
from engram_env.env import EngramEnv, observation_space
from engram_env.problem import eval_seed
from engram_env.registry import get_generator
from engram_env.vocab import EOS, PAD, VOCAB_SIZE, encode
from wrappers.action_mask import TokenMask, target_alphabet, token_ids

ROOT = Path(__file__).resolve().parent.parent
TINY = dict(n_steps=16, seed=0, verbose=0, device="cpu",
            policy_kwargs=token_policy_kwargs(features_dim=32, d_model=16, net_arch=[16]))
PPO_TINY = dict(TINY, batch_size=32, n_epochs=1)


@pytest.mark.parametrize("name", ["agents.sb3", "wrappers.action_mask"])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# -- SB3's env checker on every kind of env the integration uses ------------------------------


@pytest.mark.parametrize("make", [
    lambda: EngramEnv("copy", reward_mode="char"),
    lambda: EngramEnv("addition", reward_mode="step", difficulty=3),
    lambda: EngramEnv(tasks=["copy", "addition", "comparison"], reward_mode="final"),
    lambda: TokenMask(EngramEnv("copy", reward_mode="char")),
    lambda: TokenMask(EngramEnv("addition"), allowed=target_alphabet("addition", 1)),
    lambda: gym.make("Engram-curriculum-v0", reward_mode="char", seed=0).unwrapped,
], ids=["copy-char", "addition-step", "multitask-final", "mask-pad", "mask-alphabet",
        "curriculum"])
def test_sb3_env_checker(make):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(make(), warn=True)


# -- the features extractor --------------------------------------------------------------------


def _obs(task: str, seed: int, written: int, difficulty: int = 1) -> dict[str, np.ndarray]:
    """An observation of ``task`` after writing the first ``written`` reference tokens."""
    env = EngramEnv(task, difficulty=difficulty)
    obs, info = env.reset(seed=seed)
    for token in info["problem"].target_ids[:written]:
        obs, *_ = env.step(int(token))
    return obs


def _batch(observations) -> dict[str, torch.Tensor]:
    """Stacked as SB3 feeds a policy: float tensors."""
    return {k: torch.as_tensor(np.stack([o[k] for o in observations])).float()
            for k in ("prompt", "output")}


@pytest.mark.parametrize("encoder,n_layers", [("transformer", 0), ("transformer", 1),
                                              ("gru", 1)])
def test_extractor_mixed_lengths_match_rows_alone(encoder, n_layers):
    torch.manual_seed(0)
    extractor = TokenFeaturesExtractor(observation_space(), features_dim=24, d_model=16,
                                       encoder=encoder, n_layers=n_layers).eval()
    # prompts of different lengths (tasks, difficulties) and outputs of 0..9 tokens
    rows = [_obs("copy", 0, 0), _obs("addition", 1, 3, difficulty=4), _obs("reverse", 2, 9),
            _obs("comparison", 3, 1), _obs("copy", 4, 5, difficulty=3)]
    with torch.no_grad():
        together = extractor(_batch(rows))
        alone = torch.cat([extractor(_batch([row])) for row in rows])
    assert together.shape == (len(rows), 24)
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("encoder,n_layers", [("transformer", 1), ("gru", 1)])
def test_extractor_padding(encoder, n_layers):
    torch.manual_seed(0)
    extractor = TokenFeaturesExtractor(observation_space(), features_dim=24, d_model=16,
                                       encoder=encoder, n_layers=n_layers).eval()
    obs = _obs("copy", 0, 3)
    empty = {k: np.zeros_like(v) for k, v in obs.items()}  # all <pad>: no NaN, no crash
    junk_after = {"prompt": obs["prompt"], "output": obs["output"].copy()}
    mid_pad = {"prompt": obs["prompt"], "output": obs["output"].copy()}
    mid_pad["output"][3] = PAD  # trailing <pad>: the same observation
    mid_pad["output"][4] = 5  # a token after a written <pad>: the <pad> becomes a real token
    junk_after["output"][3] = 5
    with torch.no_grad():
        features = extractor(_batch([obs, empty, mid_pad, junk_after]))
    assert torch.isfinite(features).all()
    assert not torch.allclose(features[2], features[3])  # interior <pad> is kept as a token
    lengths = token_lengths(_batch([obs, empty, mid_pad])["output"].long())
    assert lengths.tolist() == [3, 0, 5]


def test_extractor_gradients_reach_embeddings():
    extractor = TokenFeaturesExtractor(observation_space(), features_dim=8, d_model=8)
    extractor(_batch([_obs("copy", 0, 2), _obs("addition", 1, 0)])).sum().backward()
    assert extractor.token_embedding.weight.grad.abs().sum() > 0
    assert extractor.output_position.weight.grad.abs().sum() > 0


def test_extractor_rejects_other_spaces():
    with pytest.raises(TypeError, match="expected Dict"):
        TokenFeaturesExtractor(gym.spaces.Box(0, 1, (4,)))
    with pytest.raises(ValueError, match="encoder"):
        TokenFeaturesExtractor(observation_space(), encoder="lstm")


# -- algorithms: learn, save, load, predict ----------------------------------------------------


def test_readme_five_lines():
    """The README's five lines, but for the number of steps (and smaller rollouts)."""
    import gymnasium as gym
    import engram_env  # noqa: F401
    from stable_baselines3 import PPO

    from agents.sb3 import token_policy_kwargs

    model = PPO("MultiInputPolicy", gym.make("Engram-addition-v0", reward_mode="char"),
                policy_kwargs=token_policy_kwargs(), n_steps=32, batch_size=32, n_epochs=1)
    model.learn(32)
    obs = model.env.reset()
    action, _ = model.predict(obs, deterministic=True)
    assert action.shape == (1,)


def test_string_env_id():
    """SB3 makes a string id with ``render_mode="rgb_array"`` (for video); the env supports it."""
    from stable_baselines3 import PPO

    model = PPO("MultiInputPolicy", "Engram-copy-v0", **{**PPO_TINY, "batch_size": 16})
    model.learn(16)
    assert model.env.get_attr("render_mode") == ["rgb_array"]
    frame = model.env.env_method("render")[0]
    assert frame.dtype == np.uint8 and frame.ndim == 3


@pytest.mark.parametrize("algo", sorted(ALGORITHMS))
def test_short_run_saves_loads_predicts(algo, tmp_path):
    masked = algo == "maskable_ppo"
    envs = make_vec_env("Engram-copy-v0", 2, seed=0, mask=masked,
                        env_kwargs={"reward_mode": "char"})
    kwargs = TINY if algo == "a2c" else PPO_TINY
    model = ALGORITHMS[algo]("MultiInputPolicy", envs, **kwargs)
    model.learn(64)
    assert model.num_timesteps >= 64
    path = save_model(model, tmp_path / "nested" / "model.zip")
    assert Path(path).is_file() and not [p for p in os.listdir(tmp_path / "nested")
                                         if p != "model.zip"]  # no temporary file left
    loaded = ALGORITHMS[algo].load(path, device="cpu")
    obs = envs.reset()
    extra = {"action_masks": np.stack(envs.env_method("action_masks"))} if masked else {}
    a1, _ = model.predict(obs, deterministic=True, **extra)
    a2, _ = loaded.predict(obs, deterministic=True, **extra)
    assert a1.shape == (2,) and np.array_equal(a1, a2)
    assert ((0 <= a2) & (a2 < VOCAB_SIZE)).all()
    assert isinstance(loaded.policy.features_extractor, TokenFeaturesExtractor)


def test_maskable_ppo_writes_only_allowed_tokens_and_mask_travels_with_model(tmp_path):
    allowed = token_ids(["<eos>", *"ab"])
    envs = make_vec_env("Engram-copy-v0", 2, seed=0, mask=True, allowed=allowed,
                        env_kwargs={"reward_mode": "char"})
    model = ALGORITHMS["maskable_ppo"]("MultiInputPolicy", envs, **PPO_TINY)
    model.token_mask = np.array(envs.env_method("action_masks", indices=0)[0])
    model.learn(32)
    loaded = ALGORITHMS["maskable_ppo"].load(save_model(model, tmp_path / "m.zip"))
    assert np.array_equal(loaded.token_mask, model.token_mask)
    problems = [get_generator("copy").problem(eval_seed(i), 1) for i in range(6)]
    # the solver applies the saved mask even when asked for the <pad>-only mask
    pad_only = np.ones(VOCAB_SIZE, dtype=bool)
    pad_only[PAD] = False
    solver = SB3Solver(loaded, reward_mode="step", action_mask=pad_only, deterministic=False,
                       max_new_tokens=12)
    written = np.concatenate(solver.solve(problems))
    assert set(written.tolist()) <= set(allowed)


def test_token_mask_arguments():
    env = EngramEnv("copy")
    assert TokenMask(env).action_masks().sum() == VOCAB_SIZE - 1
    only = TokenMask(env, allowed="xyz", forbidden=()).action_masks()
    assert only.sum() == 3 and only[encode("y")[0]]
    with pytest.raises(ValueError, match="at least one allowed token"):
        TokenMask(env, allowed=["<pad>"])
    with pytest.raises(ValueError, match="expected a token of"):
        TokenMask(env, allowed=["<bos>"])
    with pytest.raises(ValueError, match="0..134"):
        TokenMask(env, allowed=[135])
    with pytest.raises(TypeError, match="Discrete"):
        TokenMask(gym.make("CartPole-v1"))
    assert EOS in target_alphabet("addition", 1) and PAD not in target_alphabet("addition", 1)


# -- evaluation --------------------------------------------------------------------------------


def test_evaluate_model_held_out_metrics():
    envs = make_vec_env("Engram-tier0-v0", 2, seed=0, env_kwargs={"reward_mode": "char"})
    tasks = env_tasks(envs)
    assert ("copy", 1) in tasks and ("addition", 1) in tasks
    model = ALGORITHMS["ppo"]("MultiInputPolicy", envs, **PPO_TINY)
    result = evaluate_model(model, [("copy", 1), ("addition", 1)], 3, reward_mode="char")
    assert set(result["per_task"]) == {"copy@1", "addition@1"}
    assert result["episodes"] == 6
    for key in ("answer_accuracy", "step_accuracy", "episodic_return"):
        assert 0.0 <= result[key] <= 1.0


def test_oracle_like_solver_is_graded_correct():
    """A 'model' that predicts the reference token is scored 1.0: the solver feeds each env the
    exact held-out problem and the grading is the env's."""
    problems = [get_generator("copy").problem(eval_seed(i), 1) for i in range(4)]
    targets = {p.prompt: p.target_ids for p in problems}

    class Reference:
        def predict(self, obs, deterministic=True):
            from engram_env.vocab import decode

            out = []
            for prompt, output in zip(obs["prompt"], obs["output"]):
                target = targets[decode(prompt)]
                out.append(target[int((output != PAD).sum())])
            return np.array(out), None

    from agents.rollout import evaluate
    from engram_env.scoring import Scorer

    result = evaluate(SB3Solver(Reference(), reward_mode="char"), problems, Scorer("char"))
    assert result["answer_accuracy"] == 1.0 and result["episodic_return"] == 1.0


def test_evaluation_harness_loads_sb3_models(tmp_path):
    from agents.evaluation import EvalConfig, evaluate, load_agent

    envs = make_vec_env("Engram-copy-v0", 2, seed=0, mask=True,
                        env_kwargs={"reward_mode": "char"})
    model = ALGORITHMS["maskable_ppo"]("MultiInputPolicy", envs, **PPO_TINY)
    model.learn(32)
    agent = load_agent(f"sb3:{save_model(model, tmp_path / 'm.zip')}")
    results = evaluate(agent, EvalConfig(tasks=("copy",), difficulties=(1,), problems=3),
                       progress=False)
    assert results.summary()["problems"] == 3


def test_curriculum_envs_share_one_sampler():
    envs = make_vec_env("Engram-curriculum-v0", 3, seed=0, env_kwargs={"reward_mode": "char",
                                                                      "seed": 0})
    from agents.sb3 import _find_curriculum

    samplers = {id(_find_curriculum(e).sampler) for e in envs.envs}
    assert len(samplers) == 1
    assert env_tasks(envs)  # the unlocked tasks at their levels


# -- the training script -----------------------------------------------------------------------


def _run(args, tmp_path):
    cmd = [sys.executable, str(ROOT / "scripts" / "train_sb3.py"), "--runs-dir",
           str(tmp_path / "runs"), "--checkpoints-dir", str(tmp_path / "ckpt"), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_train_script_trains_saves_loads_and_evaluates(tmp_path):
    tiny = ["--num-envs", "2", "--n-steps", "16", "--batch-size", "32", "--n-epochs", "1",
            "--d-model", "16", "--features-dim", "16", "--net-arch", "16",
            "--eval-episodes", "3", "--print-every", "32"]
    out = _run(["--env-id", "Engram-copy-v0", "--total-timesteps", "64", "--exp-name", "t",
                "--allowed-tokens", "alphabet", "--eval-every", "32", *tiny], tmp_path)
    assert "held-out (3 problems)" in out and "28/135 tokens allowed" in out
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert run_dir.name.startswith("Engram-copy-v0__t__1__")
    assert list(run_dir.glob("events.out.tfevents.*"))
    summary = json.loads((run_dir / "eval.json").read_text())
    assert summary["env_steps"] >= 64 and summary["eval"]["episodes"] == 3
    model = tmp_path / "ckpt" / run_dir.name / "model.zip"
    assert model.is_file()
    out = _run(["--env-id", "Engram-copy-v0", "--load", str(model), "--total-timesteps", "0",
                "--exp-name", "eval", "--allowed-tokens", "alphabet", *tiny], tmp_path)
    assert "held-out (3 problems)" in out


def test_train_script_rejects_bad_arguments(tmp_path):
    cmd = [sys.executable, str(ROOT / "scripts" / "train_sb3.py"), "--algo", "ppo",
           "--allowed-tokens", "abc"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          check=False)
    assert done.returncode != 0 and "maskable_ppo" in done.stderr
