"""Learning benchmark (not a test): does the nanochat agent learn, and how fast, on a laptop CPU?

    python scripts/bench_learning.py                 # both parts, ~18 minutes on 2 cores
    python scripts/bench_learning.py --part addition

1. **Warm-up, then RL, on 3-digit addition** (``Engram-addition-v0``, difficulty 3): held-out
   answer accuracy after the supervised warm-up alone, and after warm-up + GRPO.
   Target: >= 95% held-out answer accuracy within 10 CPU-minutes of training in total.
2. **RL with no warm-up on a tier-0 string task** (``Engram-reverse-v0``, difficulty 1, the env's
   ``"char"`` rewards: 1/len(target) per correct token, the first wrong token ends the episode,
   the classic algorithmic-env signal; ``"step"`` rewards would pay only for a whole 4-letter
   chunk). The policy writes only the task's output alphabet (``--rl-allowed-tokens``, 28 of 135
   tokens). Target: >= 90% held-out answer accuracy.

Measured (seed 1, 2-core machine, torch 2.13 CPU, one run of this script, 18 minutes):

- Part 1 meets its target: 100.0% held-out answer and step accuracy (500 problems) after the
  800 warm-up updates alone (4.1 wall / 6.4 CPU minutes), still 100.0% after 60 GRPO updates
  (5.1 wall / 7.9 CPU minutes in total).
- Part 2 misses its target: 0% answer accuracy after 300 GRPO updates (11.7 wall / 18.9 CPU
  minutes); the return settles at 0.103, i.e. the first of 10 tokens right. Why, from reading
  the policies: a fresh nanochat's hidden state at a position is (through closed residual
  branches) that position's own token, so "write the token you are at" is the first thing RL
  finds. For ``reverse`` it answers the first token (the last prompt letter) and then, carried
  over to every later position, writes each token again: confidently wrong, and since the
  first wrong token ends a ``"char"`` episode with 0, every attempt in a group agrees there and
  no gradient reaches the second token (an entropy bonus of 0.03-0.3 did not undo it). For
  ``copy`` (no such trap: every token is the one 3 positions back) nothing was found, with
  GRPO in up to 60,000 episodes or PPO (8-10 epochs of minibatches) in up to 14,000, on 1- and
  2-layer models: the policy must first open its attention branch, which gets gradient only
  through an output head that rewards at 1 in 26 have barely moved. For scale: even teacher
  forcing, with every token labelled, needs about 700 updates of 32 problems before this
  model copies (held-out 0.02 at update 600, 0.65 at 700, 1.00 at 800); RL from scratch is
  told about one letter in 26 of those labels. sb3-contrib's MaskablePPO with a
  cursor-attention extractor (``scripts/bench_sb3.py``) does learn ``copy`` from scratch,
  to 92.5%.

Accuracies are greedy, on held-out problems (``engram_env.eval_seed``); times are spent inside
updates (evaluation excluded): wall minutes, and CPU minutes of the process summed over its
threads (what the work costs whatever else the machine runs; on an idle 2-core machine the wall
time lies between half of it and all of it). Writes ``results.json`` and ``curves.png`` (held-out
accuracy and return against training time) under ``--out-dir`` and prints a table with the
TensorBoard paths. Wall times depend on the machine and on what else it runs: the JSON records
the load.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train  # scripts/train.py (it sets OMP_WAIT_POLICY before importing torch)

from engram_env.files import write_json


@dataclass
class Args:
    part: str = "all"
    """which part to run: addition, rl or all"""
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
    add_warmup_steps: int = 800
    """part 1: supervised warm-up updates"""
    add_rl_steps: int = 60
    """part 1: RL updates after the warm-up"""
    add_algorithm: str = "grpo"
    """part 1: RL algorithm"""
    add_eval_every: int = 100
    """part 1: evaluate every this many updates (for the curve)"""

    rl_task: str = "reverse"
    """part 2: a tier-0 task learned by RL alone (copy or reverse)"""
    rl_difficulty: int = 1
    """part 2: difficulty"""
    rl_steps: int = 300
    """part 2: RL updates (no warm-up)"""
    rl_algorithm: str = "grpo"
    """part 2: RL algorithm"""
    rl_reward_mode: str = "char"
    """part 2: env reward mode"""
    rl_batch_size: int = 256
    """part 2: attempts per update (groups of 8 for GRPO)"""
    rl_learning_rate: float = 1e-3
    """part 2: learning rate"""
    rl_ent_coef: float = 0.03
    """part 2: entropy bonus"""
    rl_allowed_tokens: str = "alphabet"
    """part 2: what the policy may write (train.py --allowed-tokens; empty = all 135 tokens)"""
    rl_eval_every: int = 50
    """part 2: evaluate every this many updates (for the curve)"""


def addition_config(args: Args) -> train.Args:
    return replace(
        train.Args(), exp_name="bench_warmup_rl", env_id="Engram-addition-v0",
        difficulty=args.add_difficulty, warmup_steps=args.add_warmup_steps,
        total_steps=args.add_rl_steps, algorithm=args.add_algorithm,
        eval_every=args.add_eval_every, eval_episodes=args.eval_episodes, seed=args.seed,
        torch_threads=args.torch_threads, progress=args.progress, runs_dir=args.runs_dir,
        checkpoint_every=0, checkpoints_dir=str(Path(args.out_dir) / "checkpoints"))


def rl_config(args: Args) -> train.Args:
    return replace(
        train.Args(), exp_name="bench_rl_only", env_id=f"Engram-{args.rl_task}-v0",
        difficulty=args.rl_difficulty, reward_mode=args.rl_reward_mode, warmup_steps=0,
        total_steps=args.rl_steps, algorithm=args.rl_algorithm,
        eval_every=args.rl_eval_every, eval_episodes=args.eval_episodes, seed=args.seed,
        torch_threads=args.torch_threads, progress=args.progress, runs_dir=args.runs_dir,
        checkpoint_every=0, checkpoints_dir=str(Path(args.out_dir) / "checkpoints"),
        batch_size=args.rl_batch_size, group_size=8 if args.rl_algorithm == "grpo" else 1,
        learning_rate=args.rl_learning_rate, ent_coef=args.rl_ent_coef,
        allowed_tokens=args.rl_allowed_tokens, n_layer=2, n_embd=128, n_head=4)


def summarize(result: dict) -> dict:
    evals = [{k: v for k, v in e.items() if k != "per_task"} for e in result["evals"]]
    return {"run_dir": result["run_dir"], "train_seconds": result["train_seconds"],
            "train_cpu_seconds": result["train_cpu_seconds"],
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
        ax.plot(minutes, [e["episodic_return"] for e in r["evals"]], "^:",
                label=f"return ({r['args']['reward_mode']} rewards)")
        switch = [e for e in r["evals"] if e["phase"] == "warmup"]
        if switch:
            ax.axvline(switch[-1]["train_seconds"] / 60, color="gray", lw=0.8)
            ax.text(switch[-1]["train_seconds"] / 60, 0.5, " RL starts", color="gray")
        ax.axhline(r["target"], color="red", lw=0.8, ls=":", label=f"target {r['target']:.0%}")
        ax.set(title=name, xlabel="training time (minutes)", ylabel="held-out, greedy",
               ylim=(0, 1.02))
        ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> dict:
    args, _ = train.parse_args(Args, argv, description=__doc__.split("\n")[0])
    if args.part not in ("addition", "rl", "all"):
        raise SystemExit(f"bench_learning.py: error: --part must be addition, rl or all, "
                         f"got {args.part!r}")
    configs = {}
    if args.part in ("addition", "all"):
        configs[f"{args.add_difficulty}-digit addition: warm-up + {args.add_algorithm}"] = (
            addition_config(args), 0.95)
    if args.part in ("rl", "all"):
        configs[f"{args.rl_task} (difficulty {args.rl_difficulty}): {args.rl_algorithm} "
                "only"] = (rl_config(args), 0.90)
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
    write_json(out / "results.json", {"meta": meta, "results": results}, indent=2)
    plot(results, out / "curves.png")

    print(f"\nheld-out answer accuracy, greedy, {args.eval_episodes} problems "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)\n")
    print(f"| {'run':<44} | {'phase':<14} | {'updates':>7} | {'wall min':>8} | {'CPU min':>7} "
          f"| {'answer':>6} | {'step':>5} | target |")
    print(f"|{'-' * 46}|{'-' * 16}|{'-' * 9}|{'-' * 10}|{'-' * 9}|{'-' * 8}|{'-' * 7}|{'-' * 8}|")
    for name, r in results.items():
        finals = [e for e in r["evals"] if e["phase"] == "warmup"][-1:] + [r["evals"][-1]]
        for e in finals:
            label = "warm-up only" if e["phase"] == "warmup" else (
                "warm-up + RL" if r["args"]["warmup_steps"] else "RL only")
            met = "" if e["phase"] == "warmup" else (
                "met" if e["answer_accuracy"] >= r["target"] else "missed")
            print(f"| {name:<44} | {label:<14} | {e['update']:>7} | "
                  f"{e['train_seconds'] / 60:>8.1f} | {e['train_cpu_seconds'] / 60:>7.1f} | "
                  f"{e['answer_accuracy']:>6.3f} | {e['step_accuracy']:>5.3f} | {met:<6} |")
    for name, r in results.items():
        print(f"TensorBoard ({name}): tensorboard --logdir {r['run_dir']}")
    print(f"results: {out / 'results.json'}, figure: {out / 'curves.png'}")
    return results


if __name__ == "__main__":
    main()
