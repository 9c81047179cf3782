"""Train a policy on Engram tasks: supervised warm-up on reference solutions, then RL.

    python scripts/train.py --env-id Engram-addition-v0 --difficulty 3 --warmup-steps 300 \\
        --algorithm grpo --total-steps 100
    tensorboard --logdir runs

Reads top to bottom, CleanRL style: the ``Args`` (their docstrings are ``--help``), set-up
(problem source, policy, optimizers, trainer, logging, resume), the loop (``--warmup-steps``
supervised updates, then ``--total-steps`` policy-gradient updates), the final held-out
evaluation. The x-axis of every TensorBoard curve is the update number (warm-up and RL updates
counted together); ``charts/SPS`` counts env steps, i.e. tokens written, per second.

Runs are named ``{env_id}__{exp_name}__{seed}__{time}``: logs in ``runs/<name>``, checkpoints
in ``checkpoints/<name>/latest.pt`` (atomic writes, with the arguments and model config).
``--resume PATH`` continues that run exactly: same next update, same logs (TensorBoard events
after the checkpoint are purged), with the run's own arguments; flags given alongside override
them (e.g. a larger ``--total-steps``).
"""

from __future__ import annotations

import os

# Before torch starts its OpenMP pool: with the default (spinning) wait policy, a 2-core machine
# that is also running anything else slows torch down ~10x; passive waiting costs nothing alone.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import ast
import dataclasses
import inspect
import itertools
import random
import sys
import textwrap
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.tensorboard import SummaryWriter
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from anywhere without installing
    sys.path.insert(0, str(ROOT))

from agents import AGENTS, build_policy, policy_config, policy_from_config
from agents.algorithms import ALGORITHMS, PolicyGradient, RLConfig
from agents.baselines import PolicySolver
from agents.checkpoint import load_checkpoint, restore_global_rng, save_checkpoint
from agents.optim import make_optimizer, set_learning_rate
from agents.rollout import (
    CurriculumSource,
    ProblemSource,
    collect,
    eval_problems,
    evaluate,
    max_new_tokens_for,
    parse_tasks,
)
from agents.warmup import warmup_step
from engram_env.env import check_reward_mode
from engram_env.generator import check_difficulty
from engram_env.scoring import Scorer
from engram_env.vocab import PAD
from wrappers.action_mask import target_alphabet, token_ids

CURRICULUM_ID = "Engram-curriculum-v0"


@dataclass
class Args:
    exp_name: str = "train"
    """the name of this experiment (part of the run name)"""
    seed: int = 1
    """seed of the problem stream, the initialisation and the sampling"""
    torch_threads: int = 0
    """torch CPU threads (0 = one per core)"""
    device: str = "cpu"
    """torch device"""
    progress: bool = True
    """show a progress bar"""

    # the environment
    env_id: str = "Engram-addition-v0"
    """env id (or task name); several comma-separated for a mix; Engram-curriculum-v0 = all tasks"""
    difficulty: int = 1
    """difficulty level 1..10 (ignored with a curriculum, which sets each task's level)"""
    curriculum: bool = False
    """let the skill-tree curriculum pick task and difficulty (over --env-id's tasks and their prerequisites)"""
    reward_mode: str = "step"
    """the env's reward: step (per verified step), char (per correct token) or final (answer only)"""
    max_new_tokens: int = 0
    """tokens a policy may write per attempt (0 = 1.5x the longest reference target + 8)"""

    # the agent
    agent: str = "nanochat"
    """the policy architecture (a key of agents.AGENTS)"""
    model_size: str = "tiny"
    """preset size: tiny (~0.8M parameters) or small (~3M)"""
    n_layer: int = 0
    """override the preset's number of layers (0 = preset)"""
    n_embd: int = 0
    """override the preset's width (0 = preset)"""
    n_head: int = 0
    """override the preset's attention heads, also sets the KV heads (0 = preset)"""
    attention: str = "softmax"
    """attention kernel: softmax, relative or sigmoid (agents.attention.ATTENTION)"""
    trm_cycles: int = 0
    """TRM only: deep-recursion cycles T, the first T-1 without gradients (0 = preset)"""
    trm_latent_steps: int = 0
    """TRM only: latent z-updates n per cycle, then one answer update (0 = preset)"""
    allowed_tokens: str = ""
    """the tokens the policy may write (kept in its checkpoint): empty = all; 'alphabet' = the tokens of the tasks' reference solutions (their output alphabet, from training seeds); any other text = those characters plus <eos> and <step>"""

    # supervised warm-up
    warmup_steps: int = 300
    """supervised updates on reference solutions before RL (0 = RL from scratch)"""
    warmup_batch_size: int = 32
    """problems per supervised update"""
    warmup_lr: float = 3e-3
    """peak warm-up learning rate (linear ramp over 20 updates, then linear decay to 10%)"""

    # policy-gradient RL
    algorithm: str = "grpo"
    """reinforce, grpo or ppo"""
    total_steps: int = 100
    """policy-gradient updates after the warm-up"""
    batch_size: int = 64
    """attempts per RL update"""
    group_size: int = 8
    """attempts per problem (GRPO's group; REINFORCE and PPO may use 1)"""
    branch: bool = False
    """GRPO: a group whose attempts all wrote the same failing tokens tries other tokens at the one that ended them (agents.rollout.branch_agreeing_groups)"""
    learning_rate: float = 3e-5
    """RL learning rate (AdamW, constant); small to fine-tune a warmed-up policy, ~1e-3 from scratch"""
    temperature: float = 1.0
    """rollout sampling temperature"""
    ent_coef: float = 0.0
    """entropy bonus coefficient"""
    max_grad_norm: float = 1.0
    """gradient clipping norm (warm-up and RL)"""
    table_lr_scale: float = 1.0
    """learning-rate multiplier for lookup tables: token embeddings and relative attention biases (agents.optim; 10 is what RL from scratch needs)"""
    baseline_momentum: float = 0.9
    """REINFORCE: EMA factor of the per-segment baseline"""
    update_epochs: int = 2
    """PPO: epochs over each batch"""
    num_minibatches: int = 2
    """PPO: minibatches per epoch"""
    clip_coef: float = 0.2
    """PPO: ratio clipping"""
    vf_coef: float = 0.5
    """PPO: value loss coefficient"""
    gamma: float = 1.0
    """PPO: discount per token"""
    gae_lambda: float = 0.95
    """PPO: GAE lambda"""

    # evaluation, logging, checkpoints
    eval_every: int = 0
    """held-out evaluation every this many updates (0 = only at the end)"""
    eval_episodes: int = 200
    """held-out problems per task for evaluation (eval seeds, never seen in training)"""
    checkpoint_every: int = 50
    """checkpoint every this many updates (and always at the end; 0 = only at the end)"""
    resume: str = ""
    """checkpoint to resume from (continues that run exactly)"""
    runs_dir: str = "runs"
    """TensorBoard logs go to runs_dir/<run name>"""
    checkpoints_dir: str = "checkpoints"
    """checkpoints go to checkpoints_dir/<run name>/latest.pt"""


# -- arguments ---------------------------------------------------------------------------------


def field_docs(cls) -> dict[str, str]:
    """The docstring under each field of a dataclass (CleanRL/tyro's convention)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body, docs = tree.body[0].body, {}
    for node, after in itertools.pairwise(body):
        if (isinstance(node, ast.AnnAssign) and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant) and isinstance(after.value.value, str)):
            docs[node.target.id] = after.value.value
    return docs


def parse_args(cls=Args, argv: list[str] | None = None, description: str | None = None):
    """Parse ``--kebab-case`` flags into ``cls``; returns (args, names of the flags given)."""
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                                     allow_abbrev=False)
    docs = {k: v.replace("%", "%%") for k, v in field_docs(cls).items()}
    for f in dataclasses.fields(cls):
        flag = "--" + f.name.replace("_", "-")
        kind = {"bool": bool, "int": int, "float": float, "str": str}[str(f.type)]
        if kind is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=f.default,
                                help=docs.get(f.name))
        else:
            parser.add_argument(flag, type=kind, default=f.default, help=docs.get(f.name))
    namespace = parser.parse_args(argv)
    words = [a.split("=")[0] for a in (sys.argv[1:] if argv is None else argv)]
    given = {f.name for f in dataclasses.fields(cls)
             if {"--" + f.name.replace("_", "-"), "--no-" + f.name.replace("_", "-")} & set(words)}
    return cls(**vars(namespace)), given


def rl_config(args: Args) -> RLConfig:
    return RLConfig(
        algorithm=args.algorithm, batch_size=args.batch_size, group_size=args.group_size,
        learning_rate=args.learning_rate, temperature=args.temperature, ent_coef=args.ent_coef,
        max_grad_norm=args.max_grad_norm, baseline_momentum=args.baseline_momentum,
        update_epochs=args.update_epochs, num_minibatches=args.num_minibatches,
        clip_coef=args.clip_coef, vf_coef=args.vf_coef, gamma=args.gamma,
        gae_lambda=args.gae_lambda)


def model_overrides(args: Args) -> dict:
    overrides = {"attention": args.attention}
    if args.n_layer:
        overrides["n_layer"] = args.n_layer
    if args.n_embd:
        overrides["n_embd"] = args.n_embd
    if args.n_head:
        overrides["n_head"] = overrides["n_kv_head"] = args.n_head
    if args.agent == "trm" and args.trm_cycles:
        overrides["T"] = args.trm_cycles
    if args.agent == "trm" and args.trm_latent_steps:
        overrides["n"] = args.trm_latent_steps
    if args.allowed_tokens == "alphabet":
        overrides["allowed_tokens"] = sorted({
            i for task in parse_tasks(args.env_id) for i in target_alphabet(task, args.difficulty)})
    elif args.allowed_tokens:
        overrides["allowed_tokens"] = token_ids(["<eos>", "<step>",
                                                 *dict.fromkeys(args.allowed_tokens)])
    return overrides


def check_args(args: Args) -> None:
    """Fail before any work, with a message naming the bad value and what is allowed."""
    if args.agent not in AGENTS:
        raise ValueError(f"--agent: unknown agent {args.agent!r}; known: {sorted(AGENTS)}")
    check_reward_mode(args.reward_mode)
    if not args.curriculum and args.env_id != CURRICULUM_ID:
        check_difficulty(args.difficulty)
        parse_tasks(args.env_id)
    elif args.env_id != CURRICULUM_ID:
        parse_tasks(args.env_id)
    for name in ("warmup_steps", "total_steps", "eval_every", "checkpoint_every", "max_new_tokens",
                 "torch_threads"):
        if getattr(args, name) < 0:
            raise ValueError(f"--{name.replace('_', '-')} must be >= 0, got {getattr(args, name)}")
    if args.warmup_steps + args.total_steps == 0:
        raise ValueError("nothing to do: --warmup-steps and --total-steps are both 0")
    if args.allowed_tokens == "alphabet" and (args.curriculum or args.env_id == CURRICULUM_ID):
        raise ValueError("--allowed-tokens alphabet needs fixed tasks and difficulty; the "
                         "curriculum changes both (give the characters instead)")
    if args.warmup_batch_size < 1 or args.eval_episodes < 1:
        raise ValueError("--warmup-batch-size and --eval-episodes must be >= 1")
    if args.warmup_lr <= 0:
        raise ValueError(f"--warmup-lr must be > 0, got {args.warmup_lr}")
    if args.table_lr_scale <= 0:
        raise ValueError(f"--table-lr-scale must be > 0, got {args.table_lr_scale}")
    if args.branch and args.algorithm != "grpo":
        raise ValueError(f"--branch compares attempts within a GRPO group; it needs "
                         f"--algorithm grpo, got {args.algorithm!r}")
    if args.total_steps:
        rl_config(args)  # validates the algorithm's settings
    elif args.algorithm not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {args.algorithm!r}; known: {ALGORITHMS}")
    if args.agent == "nanochat":
        from agents.nanochat import GPTConfig

        GPTConfig.preset(args.model_size, **model_overrides(args))
    elif args.agent == "trm":
        from agents.trm import TRMConfig

        TRMConfig.preset(args.model_size, **model_overrides(args))
    if args.resume and not Path(args.resume).is_file():
        raise ValueError(f"--resume: no checkpoint at {args.resume}")


def run_name(args: Args) -> str:
    env = CURRICULUM_ID if args.curriculum and args.env_id != CURRICULUM_ID else args.env_id
    env = "+".join(p.strip() for p in env.split(",") if p.strip())
    return f"{env}__{args.exp_name}__{args.seed}__{int(time.time())}"


def warmup_lr(args: Args, update: int) -> float:
    """Linear ramp over 20 updates (or a tenth of the warm-up), then linear decay to 10%."""
    ramp = max(1, min(20, args.warmup_steps // 10))
    decay = 1.0 - 0.9 * update / max(1, args.warmup_steps - 1)
    return args.warmup_lr * min(1.0, (update + 1) / ramp) * decay


def hparams_table(args: Args, extra: dict) -> str:
    rows = {**asdict(args), **extra}
    return "|param|value|\n|-|-|\n" + "\n".join(f"|{k}|{v}|" for k, v in rows.items())


def eval_policy(policy, source: ProblemSource, args: Args, scorer: Scorer,
                max_new_tokens: int) -> dict[str, float]:
    """Greedy held-out evaluation per (task, difficulty), pooled over them."""
    per, pooled = {}, {"answer_accuracy": 0.0, "step_accuracy": 0.0, "episodic_return": 0.0}
    for task, difficulty in source.eval_tasks():
        budget = max_new_tokens or max_new_tokens_for([task], difficulty)
        solver = PolicySolver(policy, budget, name=args.agent)
        per[f"{task}@{difficulty}"] = m = evaluate(
            solver, eval_problems([task], difficulty, args.eval_episodes), scorer)
        for k in pooled:
            pooled[k] += m[k] / len(source.eval_tasks())
    return {**pooled, "per_task": per}


# -- the run -----------------------------------------------------------------------------------


def train(args: Args, given: set[str] = frozenset()) -> dict:
    """Run (or resume) one training run; returns the final evaluation and where things went."""
    checkpoint = None
    if args.resume:
        checkpoint = load_checkpoint(args.resume)
        saved = Args(**checkpoint["args"])
        overrides = {k: getattr(args, k) for k in given if k != "resume"}
        args = dataclasses.replace(saved, **overrides, resume=args.resume)
    check_args(args)

    torch.set_num_threads(args.torch_threads or os.cpu_count() or 1)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    sampling = torch.Generator(device=args.device).manual_seed(args.seed)

    # problems: a fixed task mix or the curriculum
    if args.curriculum or args.env_id == CURRICULUM_ID:
        tasks = None if args.env_id == CURRICULUM_ID else parse_tasks(args.env_id)
        source: ProblemSource = CurriculumSource(tasks, args.seed)
    else:
        source = ProblemSource(parse_tasks(args.env_id), args.difficulty, args.seed)
    scorer = Scorer(args.reward_mode)

    # the policy and its trainers
    if checkpoint is not None:
        policy = policy_from_config(checkpoint["agent"], checkpoint["model_config"])
        policy.load_state_dict(checkpoint["model"])
    else:
        policy = build_policy(args.agent, args.model_size, **model_overrides(args))
    policy.to(args.device)
    config = rl_config(args) if args.total_steps else None
    total = args.warmup_steps + args.total_steps

    def phase(update: int) -> str:
        return "warmup" if update < args.warmup_steps else "rl"

    update = 0
    name = run_name(args)
    if checkpoint is not None:
        update, name = checkpoint["update"], checkpoint["run_name"]
    # warm-up and RL each get a fresh AdamW (different learning rates; RL starts without the
    # warm-up's moment estimates)
    optimizer_phase = phase(update)
    optimizer = make_optimizer(policy, args.warmup_lr if optimizer_phase == "warmup"
                               else args.learning_rate, args.table_lr_scale)
    trainer = PolicyGradient(policy, optimizer, config) if config else None
    if checkpoint is not None:
        if checkpoint["optimizer_phase"] == optimizer_phase:
            optimizer.load_state_dict(checkpoint["optimizer"])
        if trainer is not None and checkpoint["trainer"]:
            trainer.load_state_dict(checkpoint["trainer"])
        source.load_state_dict(checkpoint["source"])
        sampling.set_state(checkpoint["sampling_rng"])
        restore_global_rng(checkpoint["global_rng"])

    run_dir = Path(args.runs_dir) / name
    checkpoint_path = Path(args.checkpoints_dir) / name / "latest.pt"
    writer = SummaryWriter(str(run_dir), purge_step=update + 1 if checkpoint else None)
    if checkpoint is None:
        writer.add_text("hyperparameters", hparams_table(
            args, {"params": sum(p.numel() for p in policy.parameters()),
                   **{f"model.{k}": v for k, v in policy_config(policy).items()}}))

    def save() -> None:
        save_checkpoint(checkpoint_path, {
            "args": asdict(args), "agent": args.agent, "model_config": policy_config(policy),
            "model": policy.state_dict(), "optimizer": optimizer.state_dict(),
            "optimizer_phase": optimizer_phase, "update": update, "run_name": name,
            "trainer": trainer.state_dict() if trainer else {}, "source": source.state_dict(),
            "sampling_rng": sampling.get_state(),
        })

    branch_size = args.group_size if args.branch else 0
    alphabet = [t for t in (policy.config.allowed_tokens or range(policy.config.vocab_size))
                if t != PAD]  # what a branched attempt may write instead
    bar = tqdm(total=total, initial=update, disable=not args.progress, dynamic_ncols=True,
               desc=name.split("__")[0])
    started = time.time()
    metrics: dict[str, float] = {}
    evals: list[dict] = []  # every held-out evaluation of this process, in order
    train_seconds = 0.0  # wall time spent in updates (not evaluation or checkpoints)
    train_cpu_seconds = 0.0  # CPU time of this process (all threads) in updates
    while update < total:
        tick, cpu_tick = time.time(), time.process_time()
        if phase(update) != optimizer_phase:
            optimizer_phase = phase(update)
            optimizer = trainer.optimizer = make_optimizer(policy, args.learning_rate,
                                                           args.table_lr_scale)
        if phase(update) == "warmup":
            lr = warmup_lr(args, update)
            set_learning_rate(optimizer, lr)
            problems = source.sample(args.warmup_batch_size)
            metrics = warmup_step(policy, optimizer, problems, args.max_grad_norm)
            tokens = sum(len(p.target_ids) for p in problems)
            shown = {"sft_loss": metrics["losses/sft_loss"]}
        else:
            lr = args.learning_rate
            problems = source.sample(args.batch_size, args.group_size)
            budget = args.max_new_tokens or max(
                max_new_tokens_for([p.task], p.difficulty) for p in problems)
            rollout = collect(policy, problems, scorer, budget, temperature=args.temperature,
                              generator=sampling, branch_group_size=branch_size,
                              alphabet=alphabet)
            events = source.record(problems, rollout.scores)
            metrics = {**trainer.update(rollout), **rollout.metrics()}
            if events:
                metrics["curriculum/events"] = len(events)
            tokens = int(rollout.mask.sum())
            shown = {"return": metrics["charts/episodic_return"],
                     "acc": metrics["charts/answer_accuracy"],
                     "H": metrics["losses/entropy"]}
        update += 1
        train_seconds += time.time() - tick
        train_cpu_seconds += time.process_time() - cpu_tick
        metrics["charts/learning_rate"] = lr
        metrics["charts/SPS"] = tokens / max(time.time() - tick, 1e-9)
        for key, value in metrics.items():
            writer.add_scalar(key, value, update)
        if isinstance(source, CurriculumSource) and update % 10 == 0:
            from wrappers.curriculum import log_curriculum

            log_curriculum(writer, source.curriculum.tree, update)
        bar.update(1)
        bar.set_postfix({"phase": phase(update - 1), **{k: f"{v:.3f}" for k, v in shown.items()}})

        if args.eval_every and update % args.eval_every == 0 and update < total:
            result = eval_policy(policy, source, args, scorer, args.max_new_tokens)
            evals.append({"update": update, "phase": phase(update - 1),
                          "train_seconds": train_seconds, "train_cpu_seconds": train_cpu_seconds,
                          **result})
            for key in ("answer_accuracy", "step_accuracy", "episodic_return"):
                writer.add_scalar(f"eval/{key}", result[key], update)
        if (args.checkpoint_every and update % args.checkpoint_every == 0) or update == total:
            save()
    bar.close()

    result = eval_policy(policy, source, args, scorer, args.max_new_tokens)
    evals.append({"update": update, "phase": phase(update - 1), "train_seconds": train_seconds,
                  "train_cpu_seconds": train_cpu_seconds, **result})
    for key in ("answer_accuracy", "step_accuracy", "episodic_return"):
        writer.add_scalar(f"eval/{key}", result[key], update)
    writer.close()
    return {"run_name": name, "run_dir": str(run_dir), "checkpoint": str(checkpoint_path),
            "eval": result, "evals": evals, "train_metrics": metrics, "policy": policy,
            "source": source, "args": args, "updates": update, "seconds": time.time() - started,
            "train_seconds": train_seconds, "train_cpu_seconds": train_cpu_seconds}


def main(argv: list[str] | None = None) -> dict:
    args, given = parse_args(Args, argv, description=__doc__.split("\n")[0])
    try:
        if args.resume and not Path(args.resume).is_file():
            raise ValueError(f"--resume: no checkpoint at {args.resume}")
        if not args.resume:
            check_args(args)
    except ValueError as error:
        raise SystemExit(f"train.py: error: {error}") from None
    result = train(args, given)
    e = result["eval"]
    print(f"held-out: answer accuracy {e['answer_accuracy']:.3f}, step accuracy "
          f"{e['step_accuracy']:.3f}, return {e['episodic_return']:.3f} "
          f"({args.eval_episodes} problems per task)")
    print(f"TensorBoard: tensorboard --logdir {result['run_dir']}")
    print(f"checkpoint: {result['checkpoint']}")
    return result


if __name__ == "__main__":
    main()
