"""Learning benchmark (not a test): does the nanochat agent learn, and how fast, on a laptop CPU?

    python scripts/bench_learning.py                 # both parts, ~15 minutes on 2 cores
    python scripts/bench_learning.py --part addition

1. **Warm-up, then RL, on 3-digit addition** (``Engram-addition-v0``, difficulty 3): held-out
   answer accuracy after the supervised warm-up alone, and after warm-up + GRPO.
   Target: >= 95% held-out answer accuracy within 10 CPU-minutes of training in total.
2. **RL with no warm-up on a tier-0 string task** (``Engram-reverse-v0``, difficulty 1, the env's
   ``"char"`` rewards: 1/len(target) per correct token, the classic algorithmic-env signal; a
   policy that starts uniform over 135 tokens finds no verified step to be rewarded for).
   Target: >= 90% held-out answer accuracy.

Accuracies are greedy, on held-out problems (``engram_env.eval_seed``); "train time" is wall
time inside updates (evaluation excluded). Writes ``results.json`` and ``curves.png`` (held-out
accuracy against training time) under ``--out-dir`` and prints a table with the TensorBoard
paths. Wall times depend on the machine and on what else it runs: the JSON records the load.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train  # scripts/train.py (it sets OMP_WAIT_POLICY before importing torch)


@dataclass
class Args:
    part: str = "all"
    """which part to run: addition, copy or all"""
    seed: int = 1
    """seed of both runs"""
    eval_episodes: int = 500
    """held-out problems per evaluation"""
    torch_threads: int = 0
    """torch CPU threads (0 = one per core)"""
    progress: bool = True
    """show progress bars"""
    out_dir: str = "results/bench_learning"
    """where results.json and curves.png go"""
    runs_dir: str = "runs"
    """TensorBoard logs"""

    add_difficulty: int = 3
    """part 1: addition difficulty (3 = 3-digit operands)"""
    add_warmup_steps: int = 600
    """part 1: supervised warm-up updates"""
    add_rl_steps: int = 100
    """part 1: RL updates after the warm-up"""
    add_algorithm: str = "grpo"
    """part 1: RL algorithm"""
    add_eval_every: int = 100
    """part 1: evaluate every this many updates (for the curve)"""

    copy_task: str = "reverse"
    """part 2: a tier-0 task learned by RL alone (copy or reverse)"""
    copy_difficulty: int = 1
    """part 2: difficulty"""
    copy_steps: int = 400
    """part 2: RL updates (no warm-up)"""
    copy_algorithm: str = "grpo"
    """part 2: RL algorithm"""
    copy_reward_mode: str = "char"
    """part 2: env reward mode"""
    copy_eval_every: int = 50
    """part 2: evaluate every this many updates (for the curve)"""


def addition_config(args: Args) -> train.Args:
    return replace(
        train.Args(), exp_name="bench_warmup_rl", env_id="Engram-addition-v0",
        difficulty=args.add_difficulty, warmup_steps=args.add_warmup_steps,
        total_steps=args.add_rl_steps, algorithm=args.add_algorithm,
        eval_every=args.add_eval_every, eval_episodes=args.eval_episodes, seed=args.seed,
        torch_threads=args.torch_threads, progress=args.progress, runs_dir=args.runs_dir,
        checkpoint_every=0, checkpoints_dir=str(Path(args.out_dir) / "checkpoints"))


def copy_config(args: Args) -> train.Args:
    return replace(
        train.Args(), exp_name="bench_rl_only", env_id=f"Engram-{args.copy_task}-v0",
        difficulty=args.copy_difficulty, reward_mode=args.copy_reward_mode, warmup_steps=0,
        total_steps=args.copy_steps, algorithm=args.copy_algorithm,
        eval_every=args.copy_eval_every, eval_episodes=args.eval_episodes, seed=args.seed,
        torch_threads=args.torch_threads, progress=args.progress, runs_dir=args.runs_dir,
        checkpoint_every=0, checkpoints_dir=str(Path(args.out_dir) / "checkpoints"),
        batch_size=128, group_size=8, learning_rate=2e-3, ent_coef=0.01,
        n_layer=2, n_embd=128, n_head=4)


def summarize(result: dict) -> dict:
    evals = [{k: v for k, v in e.items() if k != "per_task"} for e in result["evals"]]
    return {"run_dir": result["run_dir"], "train_seconds": result["train_seconds"],
            "wall_seconds": result["seconds"], "updates": result["updates"], "evals": evals,
            "args": asdict(result["args"]),
            "params": sum(p.numel() for p in result["policy"].parameters())}


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(5.5 * len(results), 4), squeeze=False)
    for ax, (name, r) in zip(axes[0], results.items()):
        minutes = [e["train_seconds"] / 60 for e in r["evals"]]
        ax.plot(minutes, [e["answer_accuracy"] for e in r["evals"]], "o-", label="answer accuracy")
        ax.plot(minutes, [e["step_accuracy"] for e in r["evals"]], "s--", label="step accuracy")
        switch = [e for e in r["evals"] if e["phase"] == "warmup"]
        if switch:
            ax.axvline(switch[-1]["train_seconds"] / 60, color="gray", lw=0.8)
            ax.text(switch[-1]["train_seconds"] / 60, 0.5, " RL starts", color="gray")
        ax.axhline(r["target"], color="red", lw=0.8, ls=":", label=f"target {r['target']:.0%}")
        ax.set(title=name, xlabel="training time (minutes)", ylabel="held-out accuracy",
               ylim=(0, 1.02))
        ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> dict:
    args, _ = train.parse_args(Args, argv, description=__doc__.split("\n")[0])
    if args.part not in ("addition", "copy", "all"):
        raise SystemExit(f"bench_learning.py: error: --part must be addition, copy or all, "
                         f"got {args.part!r}")
    configs = {}
    if args.part in ("addition", "all"):
        configs[f"{args.add_difficulty}-digit addition: warm-up + {args.add_algorithm}"] = (
            addition_config(args), 0.95)
    if args.part in ("copy", "all"):
        configs[f"{args.copy_task} (difficulty {args.copy_difficulty}): {args.copy_algorithm} "
                "only"] = (copy_config(args), 0.90)
    try:
        for config, _ in configs.values():
            train.check_args(config)
    except ValueError as error:
        raise SystemExit(f"bench_learning.py: error: {error}") from None

    results = {}
    for name, (config, target) in configs.items():
        print(f"\n== {name}", flush=True)
        results[name] = {**summarize(train.train(config)), "target": target}

    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"time": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": platform.platform(),
            "cpus": os.cpu_count(), "load_average": os.getloadavg(), "args": asdict(args)}
    (out / "results.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    plot(results, out / "curves.png")

    print(f"\nheld-out answer accuracy, greedy, {args.eval_episodes} problems "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)\n")
    print(f"| {'run':<44} | {'phase':<18} | {'updates':>7} | {'train min':>9} | {'answer':>6} "
          f"| {'step':>5} | target |")
    print(f"|{'-' * 46}|{'-' * 20}|{'-' * 9}|{'-' * 11}|{'-' * 8}|{'-' * 7}|{'-' * 8}|")
    for name, r in results.items():
        finals = [e for e in r["evals"] if e["phase"] == "warmup"][-1:] + [r["evals"][-1]]
        for e in finals:
            label = "warm-up only" if e["phase"] == "warmup" else (
                "warm-up + RL" if r["args"]["warmup_steps"] else "RL only")
            met = "" if e["phase"] == "warmup" else (
                "met" if e["answer_accuracy"] >= r["target"] else "missed")
            print(f"| {name:<44} | {label:<18} | {e['update']:>7} | "
                  f"{e['train_seconds'] / 60:>9.1f} | {e['answer_accuracy']:>6.3f} | "
                  f"{e['step_accuracy']:>5.3f} | {met:<6} |")
    for name, r in results.items():
        print(f"TensorBoard ({name}): tensorboard --logdir {r['run_dir']}")
    print(f"results: {out / 'results.json'}, figure: {out / 'curves.png'}")
    return results


if __name__ == "__main__":
    main()
