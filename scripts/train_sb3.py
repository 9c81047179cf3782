"""Train a stable-baselines3 agent (PPO, A2C or sb3-contrib's MaskablePPO) on an Engram env.

    python scripts/train_sb3.py --env-id Engram-copy-v0 --algo maskable_ppo \\
        --allowed-tokens alphabet --total-timesteps 300000
    tensorboard --logdir runs

Reads top to bottom, CleanRL style: the ``Args`` (their docstrings are ``--help``), the envs
(a ``DummyVecEnv`` of monitored Engram envs, masked for MaskablePPO), the model
(``MultiInputPolicy`` with ``agents.sb3.TokenFeaturesExtractor``) or ``--load`` of a saved one,
``model.learn`` with SB3's own logger writing TensorBoard, an atomic save, and the held-out
evaluation (``agents.sb3.evaluate_model``: problems from ``engram_env.eval_seed(i)``, graded
like every other agent's, see ``scripts/train.py``).

Runs are named ``{env_id}__{exp_name}__{seed}__{time}``: TensorBoard logs (SB3's ``rollout/``,
``train/``, ``time/`` tags, plus ``charts/`` and ``eval/``, and the arguments as a text table)
in ``runs/<name>``, the model in ``checkpoints/<name>/model.zip`` and the final evaluation in
``runs/<name>/eval.json``. ``--load checkpoints/<name>/model.zip`` continues training a saved
model (its step count goes on); with ``--total-timesteps 0`` it only evaluates.

An action mask (MaskablePPO) is saved with the model as ``model.token_mask``, so evaluation
(here, ``scripts/evaluate.py --agent sb3:...``) applies exactly the mask it was trained with.
"""

from __future__ import annotations

import os

# Before torch starts its OpenMP pool: spinning OpenMP threads on a busy 2-core machine slow
# torch down many times over (see scripts/train.py).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from anywhere without installing
    sys.path.insert(0, str(ROOT))

from stable_baselines3.common.callbacks import CallbackList  # noqa: E402
from stable_baselines3.common.logger import configure  # noqa: E402

from agents.evaluation import parse_args, sb3_algorithm  # noqa: E402
from engram_env.files import atomic_write  # noqa: E402
from agents.sb3 import (  # noqa: E402
    ALGORITHMS,
    ENCODERS,
    EpisodeStatsCallback,
    HeldOutEvalCallback,
    env_tasks,
    evaluate_model,
    make_vec_env,
    model_mask,
    save_model,
    token_policy_kwargs,
)
from engram_env.env import check_reward_mode  # noqa: E402
from engram_env.generator import check_difficulty  # noqa: E402
from engram_env.registration import CURRICULUM_ID  # noqa: E402
from engram_env.vocab import VOCAB_SIZE  # noqa: E402
from wrappers.action_mask import target_alphabet  # noqa: E402


@dataclass
class Args:
    """Train PPO, A2C or MaskablePPO with the token features extractor on an Engram env."""

    exp_name: str = "sb3"
    """the name of this experiment (part of the run name)"""
    seed: int = 1
    """seed of the envs, the initialisation and the sampling"""
    torch_threads: int = 1
    """torch CPU threads (the networks are small: one thread is fastest on a shared machine)"""
    device: str = "cpu"
    """torch device (cpu, cuda, auto)"""

    # the environment
    env_id: str = "Engram-copy-v0"
    """an Engram env id: Engram-<task>-v0, Engram-tier<N>-v0, or Engram-curriculum-v0"""
    difficulty: int = 1
    """difficulty level 1..10 (not with the curriculum, which sets each task's level)"""
    reward_mode: str = "char"
    """the env's reward: char (per correct token; the first wrong token ends the episode), step (per verified step) or final (answer only)"""
    num_envs: int = 16
    """envs stepped together (a DummyVecEnv)"""
    allowed_tokens: str = ""
    """maskable_ppo only: the tokens the policy may write besides <pad>, which is always masked: empty = all others; 'alphabet' = the tokens of the task's reference solutions (its output alphabet, from training seeds); any other text = those characters plus <eos> and <step>"""

    # the algorithm
    algo: str = "maskable_ppo"
    """ppo, a2c (stable-baselines3) or maskable_ppo (sb3-contrib)"""
    total_timesteps: int = 300_000
    """env steps (tokens written) to train for; 0 with --load only evaluates"""
    learning_rate: float = 1e-3
    """Adam learning rate (constant)"""
    n_steps: int = 64
    """env steps per env per rollout (a rollout is n_steps * num_envs transitions)"""
    batch_size: int = 128
    """PPO minibatch size"""
    n_epochs: int = 10
    """PPO epochs over each rollout (many small updates per sample: data is cheap, exploring is not)"""
    gamma: float = 0.99
    """discount per token"""
    gae_lambda: float = 0.95
    """GAE lambda"""
    clip_range: float = 0.2
    """PPO ratio clipping"""
    ent_coef: float = 0.01
    """entropy bonus coefficient"""
    vf_coef: float = 0.5
    """value loss coefficient"""
    max_grad_norm: float = 0.5
    """gradient clipping norm"""

    # the features extractor (agents.sb3.TokenFeaturesExtractor)
    encoder: str = "transformer"
    """token encoder: transformer (cursor attention over the tokens) or gru"""
    d_model: int = 64
    """embedding and encoder width"""
    n_layers: int | None = None
    """encoder layers: self-attention layers before the transformer's cursor block (default 0: cursor attention only), or GRU layers (default 1)"""
    n_heads: int = 4
    """attention heads (transformer)"""
    features_dim: int = 128
    """features passed to the policy and value MLPs"""
    net_arch: int = 64
    """width of the one hidden layer of the policy and value MLPs"""

    # evaluation, logging, saving
    eval_episodes: int = 200
    """held-out problems per task for the final evaluation (eval seeds, never seen in training)"""
    eval_every: int = 0
    """also evaluate every this many env steps during training (0 = only at the end)"""
    target_accuracy: float = 0.0
    """with --eval-every: stop training once a held-out answer accuracy reaches this (0 = never)"""
    print_every: int = 10_000
    """print a progress line every this many env steps"""
    load: str = ""
    """a saved model .zip to continue training (or, with --total-timesteps 0, to evaluate); it keeps its own network, hyperparameters and action mask (unless --allowed-tokens is given)"""
    runs_dir: str = "runs"
    """TensorBoard logs and eval.json go to runs_dir/<run name>"""
    checkpoints_dir: str = "checkpoints"
    """the model goes to checkpoints_dir/<run name>/model.zip"""


def check_args(args: Args) -> None:
    """Fail before any work, with a message naming the bad value and what is allowed."""
    if args.algo not in ALGORITHMS:
        raise ValueError(f"--algo: expected one of {sorted(ALGORITHMS)}, got {args.algo!r}")
    if args.encoder not in ENCODERS:
        raise ValueError(f"--encoder: expected one of {ENCODERS}, got {args.encoder!r}")
    if args.n_layers is not None and args.n_layers < (1 if args.encoder == "gru" else 0):
        raise ValueError(f"--n-layers: expected >= 1 for a GRU, >= 0 for the transformer, "
                         f"got {args.n_layers}")
    check_reward_mode(args.reward_mode)
    if args.env_id != CURRICULUM_ID:
        check_difficulty(args.difficulty)
    if args.allowed_tokens and args.algo != "maskable_ppo":
        raise ValueError("--allowed-tokens masks actions, which only --algo maskable_ppo "
                         f"supports; got --algo {args.algo}")
    if args.allowed_tokens == "alphabet" and args.env_id == CURRICULUM_ID:
        raise ValueError("--allowed-tokens alphabet needs fixed tasks and difficulty; the "
                         "curriculum changes both (give the characters instead)")
    for name in ("total_timesteps", "eval_every", "torch_threads"):
        if getattr(args, name) < 0:
            raise ValueError(f"--{name.replace('_', '-')}: expected >= 0, "
                             f"got {getattr(args, name)}")
    for name in ("num_envs", "n_steps", "batch_size", "n_epochs", "eval_episodes",
                 "print_every", "d_model", "features_dim", "net_arch"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')}: expected >= 1, "
                             f"got {getattr(args, name)}")
    if not 0.0 <= args.target_accuracy <= 1.0:
        raise ValueError(f"--target-accuracy: expected a value in [0, 1], "
                         f"got {args.target_accuracy}")
    if args.target_accuracy and not args.eval_every:
        raise ValueError("--target-accuracy is checked at the periodic evaluations: give "
                         "--eval-every too")
    if args.load and not Path(args.load).is_file():
        raise ValueError(f"--load: no model at {args.load}")
    if not args.load and args.total_timesteps == 0:
        raise ValueError("nothing to do: --total-timesteps 0 without --load")


def algo_kwargs(args: Args) -> dict:
    """The algorithm's hyperparameters from the arguments (A2C has no minibatches or clipping)."""
    common = dict(learning_rate=args.learning_rate, n_steps=args.n_steps, gamma=args.gamma,
                  gae_lambda=args.gae_lambda, ent_coef=args.ent_coef, vf_coef=args.vf_coef,
                  max_grad_norm=args.max_grad_norm)
    if args.algo == "a2c":
        return common
    return {**common, "batch_size": args.batch_size, "n_epochs": args.n_epochs,
            "clip_range": args.clip_range}


def hparams_table(args: Args) -> str:
    return "|param|value|\n|-|-|\n" + "\n".join(f"|{k}|{v}|" for k, v in asdict(args).items())


def train(args: Args) -> dict:
    """One run: returns the final held-out evaluation and where the run's files went."""
    check_args(args)
    torch.set_num_threads(args.torch_threads or os.cpu_count() or 1)
    run_name = f"{args.env_id}__{args.exp_name}__{args.seed}__{int(time.time())}"
    run_dir = Path(args.runs_dir) / run_name
    model_path = Path(args.checkpoints_dir) / run_name / "model.zip"

    # the model, if loaded (its hyperparameters and action mask come with it)
    model = None
    if args.load:
        saved = sb3_algorithm(args.load)
        if saved != args.algo:
            raise ValueError(f"--algo {args.algo}: the model at {args.load} was saved by "
                             f"{saved}; pass --algo {saved}")
        model = ALGORITHMS[args.algo].load(args.load, device=args.device)

    # the envs
    env_kwargs = {"reward_mode": args.reward_mode}
    if args.env_id == CURRICULUM_ID:
        env_kwargs["seed"] = args.seed
    else:
        env_kwargs["difficulty"] = args.difficulty
    masked = args.algo == "maskable_ppo"
    allowed = None
    if args.allowed_tokens == "alphabet":
        probe = make_vec_env(args.env_id, 1, env_kwargs=env_kwargs)
        allowed = sorted({i for t, _ in env_tasks(probe)
                          for i in target_alphabet(t, args.difficulty)})
    elif args.allowed_tokens:
        allowed = ["<eos>", "<step>", *dict.fromkeys(args.allowed_tokens)]
    elif model is not None and model_mask(model) is not None:
        allowed = np.flatnonzero(model_mask(model)).tolist()  # keep the mask it learned with
    envs = make_vec_env(args.env_id, args.num_envs, seed=args.seed, env_kwargs=env_kwargs,
                        mask=masked, allowed=allowed)

    if model is not None:
        model.set_env(envs)
    else:
        policy_kwargs = token_policy_kwargs(
            features_dim=args.features_dim, d_model=args.d_model, encoder=args.encoder,
            n_layers=args.n_layers, n_heads=args.n_heads, net_arch=[args.net_arch])
        model = ALGORITHMS[args.algo]("MultiInputPolicy", envs, policy_kwargs=policy_kwargs,
                                      seed=args.seed, device=args.device, verbose=0,
                                      **algo_kwargs(args))
    if masked:  # saved with the model: evaluation then applies the mask it was trained with
        model.token_mask = np.array(envs.env_method("action_masks", indices=0)[0], dtype=bool)
    logger = configure(str(run_dir), ["tensorboard"])
    model.set_logger(logger)
    logger.record("hyperparameters", hparams_table(args), exclude=("stdout", "log", "json", "csv"))
    logger.dump(model.num_timesteps)
    n_params = sum(p.numel() for p in model.policy.parameters())
    mask_note = (f", {int(model.token_mask.sum())}/{VOCAB_SIZE} tokens allowed" if masked else "")
    print(f"{run_name}: {type(model).__name__}, {n_params:,} parameters{mask_note}", flush=True)

    # the loop
    tasks = env_tasks(envs)
    stats = EpisodeStatsCallback(print_every=args.print_every)
    callbacks = [stats]
    evals = None
    if args.eval_every:
        evals = HeldOutEvalCallback(tasks, args.eval_every, args.eval_episodes,
                                    reward_mode=args.reward_mode,
                                    stop_at=args.target_accuracy or None, stats=stats)
        callbacks.append(evals)
    wall, cpu = time.perf_counter(), time.process_time()
    if args.total_timesteps:
        model.learn(args.total_timesteps, callback=CallbackList(callbacks),
                    reset_num_timesteps=not args.load)
    # periodic evaluations are not training time
    wall = time.perf_counter() - wall - (evals.eval_wall if evals else 0.0)
    cpu = time.process_time() - cpu - (evals.eval_cpu if evals else 0.0)
    if args.total_timesteps:
        save_model(model, model_path)

    # the held-out evaluation
    tasks = env_tasks(envs)  # the curriculum may have unlocked more
    result = evaluate_model(model, tasks, args.eval_episodes, reward_mode=args.reward_mode)
    for key in ("answer_accuracy", "step_accuracy", "episodic_return"):
        logger.record(f"eval/{key}", result[key])
    logger.dump(model.num_timesteps)
    logger.close()
    envs.close()
    summary = {
        "run_name": run_name, "args": asdict(args), "algorithm": type(model).__name__,
        "parameters": n_params, "env_steps": int(model.num_timesteps),
        "train_cpu_s": cpu, "train_wall_s": wall, "eval": result,
        "eval_history": [{"env_steps": n, "train_cpu_s": c, **{k: v for k, v in m.items()
                                                                if k != "per_task"}}
                         for n, c, m in (evals.history if evals else [])],
        "train_history": [dict(zip(("env_steps", "cpu_s", "wall_s", "episodic_return",
                                    "answer_accuracy"), row)) for row in stats.history],
        "run_dir": str(run_dir), "model": str(model_path) if args.total_timesteps else None,
    }
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(run_dir / "eval.json", json.dumps(summary, indent=2))
    return summary


def main(argv: list[str] | None = None) -> dict:
    result = train(parse_args(Args, argv))
    e = result["eval"]
    print(f"held-out ({e['episodes']} problems): answer accuracy {e['answer_accuracy']:.3f}, "
          f"step accuracy {e['step_accuracy']:.3f}, return {e['episodic_return']:.3f}")
    print(f"{result['env_steps']:,} env steps, {result['train_cpu_s']:.0f} s CPU, "
          f"{result['train_wall_s']:.0f} s wall")
    print(f"TensorBoard: tensorboard --logdir {result['run_dir']}")
    if result["model"]:
        print(f"model: {result['model']}")
    return result


if __name__ == "__main__":
    main()
