"""The main job: train the nanochat agent on a tier-0 task for a few CPU-minutes and show what it learned.

    python scripts/main.py        # or: make run

1. Supervised warm-up: teacher forcing on reference solutions streamed from the generator.
2. RL: GRPO with step-level credit on the env's verified per-step rewards.
3. Held-out evaluation (problems from eval seeds, never drawn in training), in a table against
   the random, answer-only and oracle policies, with the TensorBoard log's path.

The defaults (2-digit addition, a ~1M-parameter model) finish in about five minutes on a
2-core laptop CPU; every training flag of ``scripts/train.py`` has its counterpart here.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train  # scripts/train.py (it sets OMP_WAIT_POLICY before importing torch)

import torch

from agents.baselines import AnswerOnlySolver, OracleSolver, RandomSolver
from agents.rollout import eval_problems, evaluate
from engram_env.registration import env_id
from engram_env.registry import get_generator
from engram_env.scoring import Scorer


@dataclass
class Args:
    task: str = "addition"
    """a tier-0 task"""
    difficulty: int = 2
    """difficulty level 1..10"""
    algorithm: str = "grpo"
    """reinforce, grpo or ppo"""
    warmup_steps: int = 500
    """supervised warm-up updates"""
    total_steps: int = 40
    """RL updates after the warm-up"""
    eval_episodes: int = 200
    """held-out problems to evaluate on"""
    seed: int = 1
    """seed of the run"""
    model_size: str = "tiny"
    """tiny (~0.8M parameters) or small (~3M)"""
    n_layer: int = 0
    """override the preset's layers (0 = preset)"""
    n_embd: int = 0
    """override the preset's width (0 = preset)"""
    n_head: int = 0
    """override the preset's heads (0 = preset)"""
    torch_threads: int = 0
    """torch CPU threads (0 = one per core)"""
    progress: bool = True
    """show progress bars"""
    runs_dir: str = "runs"
    """TensorBoard logs"""
    checkpoints_dir: str = "checkpoints"
    """checkpoints"""


def row(name: str, m: dict) -> str:
    return (f"| {name:<34} | {m['answer_accuracy']:>10.3f} | {m['step_accuracy']:>8.3f} "
            f"| {m['episodic_return']:>6.3f} |")


def main(argv: list[str] | None = None) -> dict:
    args, _ = train.parse_args(Args, argv, description=__doc__.split("\n")[0])
    generator = get_generator(args.task)
    if generator.tier != 0:
        raise SystemExit(f"main.py: error: {args.task!r} is a tier-{generator.tier} task; the main "
                         "job trains on a tier-0 task (scripts/train.py takes any task)")
    config = replace(
        train.Args(), exp_name="main", env_id=env_id(args.task), difficulty=args.difficulty,
        algorithm=args.algorithm, warmup_steps=args.warmup_steps, total_steps=args.total_steps,
        eval_episodes=args.eval_episodes, seed=args.seed, model_size=args.model_size,
        n_layer=args.n_layer, n_embd=args.n_embd, n_head=args.n_head,
        torch_threads=args.torch_threads, progress=args.progress, runs_dir=args.runs_dir,
        checkpoints_dir=args.checkpoints_dir,
        eval_every=args.warmup_steps if args.warmup_steps and args.total_steps else 0,
        checkpoint_every=0)
    try:
        train.check_args(config)
    except ValueError as error:
        raise SystemExit(f"main.py: error: {error}") from None

    result = train.train(config)

    problems = eval_problems([args.task], args.difficulty, args.eval_episodes)
    scorer = Scorer()
    baselines = {s.name: evaluate(s, problems, scorer)
                 for s in (RandomSolver(args.seed), AnswerOnlySolver(), OracleSolver())}
    params = sum(p.numel() for p in result["policy"].parameters())
    print(f"\n{env_id(args.task)}, difficulty {args.difficulty}: {args.eval_episodes} held-out "
          f"problems (eval seeds 2**62 + i), greedy decoding, step rewards")
    print(f"nanochat: {params / 1e6:.2f}M parameters, {args.warmup_steps} warm-up + "
          f"{args.total_steps} {args.algorithm.upper()} updates: {result['train_seconds'] / 60:.1f} "
          f"minutes of training ({result['train_cpu_seconds'] / 60:.1f} CPU-minutes over "
          f"{torch.get_num_threads()} threads)\n")
    print(f"| {'policy':<34} | {'answer acc':>10} | {'step acc':>8} | {'return':>6} |")
    print(f"|{'-' * 36}|{'-' * 12}|{'-' * 10}|{'-' * 8}|")
    print(row("random", baselines["random"]))
    print(row("answer-only (reference answer)", baselines["answer-only"]))
    for e in result["evals"]:
        label = ("nanochat, warm-up only" if e["phase"] == "warmup"
                 else f"nanochat, warm-up + {args.algorithm.upper()}")
        print(row(f"{label} ({e['update']})", e))
    print(row("oracle (reference solution)", baselines["oracle"]))
    print(f"\nTensorBoard: tensorboard --logdir {result['run_dir']}")
    print(f"checkpoint:  {result['checkpoint']}")
    return {**result, "baselines": baselines}


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
