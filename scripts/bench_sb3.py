"""Learning benchmark: MaskablePPO with the token extractor learns a tier-0 task from scratch.

    python scripts/bench_sb3.py            # about 8.5 minutes on a 2-core machine
    tensorboard --logdir runs

Result (seed 1, 2-core AMD EPYC, torch 2.13 CPU, one torch thread): 92.5% held-out answer
accuracy after 140,000 env steps and 395 s of training CPU (484 s wall, evaluations
excluded; the whole script took about 8.5 minutes); 92.6% on 500 held-out problems graded in
``"step"`` mode. The curve is not monotone: the evaluation at 120,000 steps read 11.5%
(return 0.905: nine tokens right, then not ``<eos>``), the next ones 65.5% and 92.5%. Runs
are deterministic for a seed on one machine (two runs gave the same evaluations).

The task: ``copy`` at difficulty 1 (``Engram-copy-v0``): copy a 4-letter lowercase string,
written as one step then the answer, ``vceg <step> vceg <eos>`` (10 tokens). Why this one:

- It is the root of the string skill tree (tier 0, no prerequisites): the first skill a
  from-scratch agent should get, and one that needs the prompt (the answer is in it, not in
  the env's dynamics), so a policy that ignores the observation scores 0.
- The held-out test is real: 26^4 = 456,976 strings, so the 200 held-out problems
  (``engram_env.eval_seed(i)``) are strings training almost surely never showed. (Addition at
  difficulty 1 has only 100 distinct problems: held-out *seeds* there are not held-out
  *problems*.)
- It is achievable by char-level RL from scratch with an honest budget. The levers, and
  exactly what the benchmark uses:
  - ``reward_mode="char"``: 1/10 per token that matches the reference at its position, and
    the first wrong token ends the episode. A dense signal, where ``"step"``/``"final"`` would
    pay only for 4 or 10 tokens right together (a random policy gets a 4-letter chunk right
    with probability 27^-4: never, in any budget we can afford).
  - ``MaskablePPO`` with ``--allowed-tokens alphabet``: the policy may write only the tokens
    that occur in the task's reference solutions (computed from 512 *training* seeds): here
    ``a``-``z``, ``<step>``, ``<eos>``: 28 of 135. This is prior knowledge of the output
    alphabet, stated here and in the results; it says nothing of which letter goes where
    (still 1 in 26 per letter).
  - The extractor's relative attention bias (``agents.attention.RelativeBias``) which makes "copy
    the token k back" one parameter rather than one per output position.

Success is the env's own verdict: ``info["answer_correct"]`` at episode end in the training
env's reward mode (``"char"``: every token equal to the reference, so the answer is exact),
on held-out problems, written greedily. The run stops at the first periodic evaluation that
reaches the target (90%), or at the step budget; the final evaluation is a fresh one on the
same 200 problems (the model the last periodic evaluation saw: training stops before any
further update) plus a wider one on 500 held-out problems graded in ``"step"`` mode (answers by
the task's verifier, steps free to differ from the reference), as ``scripts/evaluate.py``
grades every agent. CPU time is the process's CPU seconds spent training (evaluations excluded); on a
machine shared with other jobs it is the stable figure, wall time is not.

Outputs: ``results/bench_sb3/bench_sb3.json`` (every figure below, the curves, the
arguments) and ``results/bench_sb3/bench_sb3.png`` (held-out answer accuracy and training
return against env steps and against CPU seconds); TensorBoard logs in ``runs/<run name>``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see scripts/train_sb3.py

import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "scripts"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import train_sb3  # noqa: E402

from agents.evaluation import parse_args  # noqa: E402
from engram_env.files import atomic_write  # noqa: E402


@dataclass
class Args:
    """Learning benchmark: MaskablePPO learns copy@1 to 90% held-out answer accuracy."""

    seed: int = 1
    """seed of the run"""
    total_timesteps: int = 300_000
    """the env-step budget (training stops earlier once the target is reached)"""
    eval_every: int = 10_000
    """held-out evaluation every this many env steps"""
    eval_episodes: int = 200
    """held-out problems per evaluation"""
    target_accuracy: float = 0.9
    """held-out answer accuracy at which training stops"""
    out_dir: str = "results/bench_sb3"
    """where the JSON and the figure go"""
    runs_dir: str = "runs"
    """TensorBoard logs go to runs_dir/<run name>"""
    checkpoints_dir: str = "checkpoints"
    """the model goes to checkpoints_dir/<run name>/model.zip"""


def bench_args(args: Args) -> train_sb3.Args:
    """The benchmark's training run: the defaults of scripts/train_sb3.py are its settings."""
    return train_sb3.Args(
        exp_name="bench", seed=args.seed, env_id="Engram-copy-v0", difficulty=1,
        reward_mode="char", algo="maskable_ppo", allowed_tokens="alphabet",
        total_timesteps=args.total_timesteps, eval_every=args.eval_every,
        eval_episodes=args.eval_episodes, target_accuracy=args.target_accuracy,
        runs_dir=args.runs_dir, checkpoints_dir=args.checkpoints_dir)


def plot(summary: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    evals, train = summary["eval_history"], summary["train_history"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, key, label in ((axes[0], "env_steps", "env steps"),
                           (axes[1], "train_cpu_s", "training CPU seconds")):
        ax.plot([e[key] for e in evals], [e["answer_accuracy"] for e in evals], "o-",
                label="held-out answer accuracy (greedy)")
        ax.plot([e[key] for e in evals], [e["episodic_return"] for e in evals], "s--",
                markersize=3, color="tab:blue", alpha=0.5, label="held-out return (greedy)")
        train_x = [t["env_steps"] if key == "env_steps" else t["cpu_s"] for t in train]
        ax.plot(train_x, [t["episodic_return"] for t in train], alpha=0.6,
                label="training episodic return (sampled)")
        ax.axhline(summary["target_accuracy"], color="gray", linestyle="--", linewidth=1,
                   label=f"target {summary['target_accuracy']:.0%}")
        ax.set_xlabel(label)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("accuracy / return")
    axes[0].legend(loc="upper left", fontsize=8)
    fig.suptitle(f"MaskablePPO + TokenFeaturesExtractor on Engram-copy-v0 (difficulty 1, "
                 f"char reward, 28-token alphabet mask), seed {summary['seed']}")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(Args, argv)
    run = train_sb3.train(bench_args(args))
    # a second, wider look at the final model: the harness's grading (answers by the verifier,
    # steps free to differ from the reference), on 500 held-out problems
    from agents.sb3 import ALGORITHMS, evaluate_model

    model = ALGORITHMS["maskable_ppo"].load(run["model"], device="cpu")
    wide = evaluate_model(model, [("copy", 1)], 500, reward_mode="step")
    reached = [e for e in run["eval_history"] if e["answer_accuracy"] >= args.target_accuracy]
    summary = {
        "task": "copy", "difficulty": 1, "env_id": "Engram-copy-v0", "reward_mode": "char",
        "algorithm": run["algorithm"], "action_mask": "target alphabet: a-z, <step>, <eos> "
        "(28 of 135 tokens)", "parameters": run["parameters"], "seed": args.seed,
        "target_accuracy": args.target_accuracy,
        "reached_target": bool(reached),
        "env_steps_to_target": reached[0]["env_steps"] if reached else None,
        "train_cpu_s_to_target": reached[0]["train_cpu_s"] if reached else None,
        "env_steps": run["env_steps"], "train_cpu_s": run["train_cpu_s"],
        "train_wall_s": run["train_wall_s"],
        "final_heldout_answer_accuracy": run["eval"]["answer_accuracy"],
        "final_heldout_episodes": run["eval"]["episodes"],
        "heldout_500_step_graded_answer_accuracy": wide["answer_accuracy"],
        "eval_history": run["eval_history"], "train_history": run["train_history"],
        "run_dir": run["run_dir"], "model": run["model"], "args": asdict(args),
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or
                    platform.machine(), "python": platform.python_version()},
    }
    out = Path(args.out_dir)
    atomic_write(out / "bench_sb3.json", json.dumps(summary, indent=2))
    plot(summary, out / "bench_sb3.png")
    print(f"\ncopy@1, MaskablePPO, char reward, alphabet mask, seed {args.seed}")
    if reached:
        print(f"reached {args.target_accuracy:.0%} held-out answer accuracy after "
              f"{summary['env_steps_to_target']:,} env steps, "
              f"{summary['train_cpu_s_to_target']:.0f} s training CPU")
    else:
        print(f"did NOT reach {args.target_accuracy:.0%} within {run['env_steps']:,} env steps")
    print(f"final held-out answer accuracy {summary['final_heldout_answer_accuracy']:.3f} "
          f"({summary['final_heldout_episodes']} problems, char mode); "
          f"{wide['answer_accuracy']:.3f} on 500 problems graded in step mode")
    print(f"training: {run['env_steps']:,} env steps, {run['train_cpu_s']:.0f} s CPU, "
          f"{run['train_wall_s']:.0f} s wall")
    print(f"figure: {out / 'bench_sb3.png'}   TensorBoard: tensorboard --logdir {run['run_dir']}")
    return summary


if __name__ == "__main__":
    main()
