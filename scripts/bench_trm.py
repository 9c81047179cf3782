"""Benchmark: the tiny recursive model (TRM) against the nanochat GPT at equal parameter count.

    python scripts/bench_trm.py                      # the default run, < 10 minutes on 2 cores
    python scripts/bench_trm.py --warmup-steps 600 --tasks comparison,addition,determinant_2x2

For each task (two tier-0 and one tier-1 by default) both agents are trained from scratch with
the same machinery the training script uses (``agents.warmup.warmup_step``: plain
cross-entropy for the GPT, the TRM's deep supervision through the same call; then optionally
``--rl-steps`` of ``agents.algorithms.PolicyGradient``), on the same problem stream, with the
same batch size, learning-rate schedule and number of updates. Reported per (task, agent):

- ``acc``: held-out answer accuracy at the end (greedy, ``--final-problems`` problems from the
  evaluation seeds that training never draws); for the TRM also ``acc halt``, the same with
  adaptive depth (the halting head decides each problem's number of cycles).
- ``steps@90``: the first update after which the held-out accuracy (``--eval-problems``
  problems, every ``--eval-every`` updates) reached 90%; "-" if it never did.
- ``train CPU s``: process CPU time of the training updates (evaluations excluded), and ``ms/upd``.
- ``depth``: effective depth, layers applied per written token: ``n_layer`` for the GPT;
  cycles x (n + 1) x n_layer for the TRM at full depth, and with halting (``depth halt``) the
  mean over the final evaluation's tokens, with ``cycles`` the mean cycles per problem.

Equal parameter count: the TRM's width is chosen so that its count is the closest to the GPT's
(``agents.trm.config_like``); both counts are printed and a gap above 10% is an error.
Jobs (task x agent) run in ``--workers`` processes with ``--threads`` torch threads each, so
CPU times are per job and comparable; the JSON (``--out``) holds every figure, the learning
curves and the configurations.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle OpenMP threads must not spin

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, fields
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class Args:
    tasks: str = "comparison,addition,multiplication"
    """comma-separated tasks (task or task@difficulty); default: two tier-0 and one tier-1"""
    difficulty: int = 1
    """difficulty of tasks given without @difficulty"""
    warmup_steps: int = 400
    """supervised updates per job"""
    batch_size: int = 16
    """problems per supervised update"""
    lr: float = 3e-3
    """peak learning rate (AdamW; linear ramp over 20 updates, then linear decay to 10%)"""
    rl_steps: int = 0
    """policy-gradient updates after the warm-up (0 = warm-up only)"""
    algorithm: str = "grpo"
    """reinforce, grpo or ppo (with --rl-steps)"""
    rl_batch_size: int = 32
    """attempts per RL update"""
    group_size: int = 8
    """attempts per problem in RL"""
    rl_lr: float = 3e-4
    """RL learning rate"""
    eval_every: int = 50
    """held-out accuracy every this many updates (for steps@90)"""
    eval_problems: int = 100
    """held-out problems per periodic evaluation"""
    final_problems: int = 200
    """held-out problems in the final evaluation"""
    gpt_layers: int = 4
    """nanochat GPT: layers"""
    gpt_width: int = 64
    """nanochat GPT: width (the TRM's width is matched to its parameter count)"""
    n_head: int = 4
    """attention heads of both models"""
    trm_layers: int = 2
    """TRM: layers of the tiny network"""
    trm_T: int = 3
    """TRM: deep-recursion cycles T (the first T-1 without gradients)"""
    trm_n: int = 1
    """TRM: latent z-updates per cycle n"""
    workers: int = 2
    """jobs run in parallel processes"""
    threads: int = 1
    """torch threads per job"""
    seed: int = 0
    """seed of the problem stream and the initialisation (the same for both agents)"""
    out: str = "results/bench_trm.json"
    """where the JSON goes"""


def parse_args(argv=None) -> Args:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    import ast
    import inspect
    import itertools
    import textwrap

    body = ast.parse(textwrap.dedent(inspect.getsource(Args))).body[0].body
    docs = {a.target.id: b.value.value for a, b in itertools.pairwise(body)
            if isinstance(a, ast.AnnAssign) and isinstance(b, ast.Expr)}
    for f in fields(Args):
        parser.add_argument("--" + f.name.replace("_", "-"), type=type(f.default),
                            default=f.default, help=docs.get(f.name, "").replace("%", "%%"))
    return Args(**vars(parser.parse_args(argv)))


def task_list(args: Args) -> list[tuple[str, int]]:
    from engram_env.generator import check_difficulty
    from engram_env.registry import get_generator

    out = []
    for part in filter(None, (p.strip() for p in args.tasks.split(","))):
        name, _, level = part.partition("@")
        get_generator(name)  # unknown names fail here, with close matches
        out.append((name, check_difficulty(int(level) if level else args.difficulty)))
    if not out:
        raise ValueError("--tasks names no task")
    return out


def model_configs(args: Args):
    """The GPT's and the parameter-matched TRM's configs, and both counts."""
    from agents.nanochat import GPTConfig, NanoChat
    from agents.trm import config_like, count_params

    gpt = GPTConfig(n_layer=args.gpt_layers, n_head=args.n_head, n_kv_head=args.n_head,
                    n_embd=args.gpt_width)
    gpt_params = NanoChat(gpt).num_params()
    trm = config_like(gpt_params, n_layer=args.trm_layers, n_head=args.n_head,
                      n_kv_head=args.n_head, T=args.trm_T, n=args.trm_n)
    trm_params = count_params(trm)
    if abs(trm_params / gpt_params - 1) > 0.10:
        raise ValueError(f"no TRM width within 10% of the GPT's {gpt_params} parameters "
                         f"(closest: {trm_params}); change --gpt-width or --trm-layers")
    return gpt, gpt_params, trm, trm_params


def lr_at(args: Args, update: int) -> float:
    ramp = max(1, min(20, args.warmup_steps // 10))
    return args.lr * min(1.0, (update + 1) / ramp) * (1.0 - 0.9 * update / max(1, args.warmup_steps - 1))


def run_job(args: Args, agent: str, task: str, difficulty: int) -> dict:
    """Train one agent on one task from scratch; evaluate as it goes and at the end."""
    import numpy as np
    import torch

    from agents.algorithms import PolicyGradient, RLConfig
    from agents.baselines import PolicySolver
    from agents.nanochat import NanoChat
    from agents.rollout import ProblemSource, collect, eval_problems, evaluate, max_new_tokens_for
    from agents.trm import TRM
    from agents.warmup import warmup_step
    from engram_env.scoring import Scorer

    torch.set_num_threads(args.threads)
    job_started = time.process_time()
    gpt, _, trm, _ = model_configs(args)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    policy = NanoChat(gpt) if agent == "nanochat" else TRM(trm)
    source = ProblemSource([task], difficulty, args.seed)
    scorer = Scorer("step")
    budget = max_new_tokens_for([task], difficulty)
    periodic = eval_problems([task], difficulty, args.eval_problems)
    final = eval_problems([task], difficulty, args.final_problems, offset=10_000)

    def accuracy(problems, adaptive=False) -> dict:
        if isinstance(policy, TRM):
            policy.reset_depth_stats()
            with policy.adaptive(adaptive):
                result = evaluate(PolicySolver(policy, budget, name=agent), problems, scorer)
            return {**result, **policy.effective_depth()}
        return evaluate(PolicySolver(policy, budget, name=agent), problems, scorer)

    optimizer = torch.optim.AdamW(policy.parameters(), lr=args.lr, betas=(0.9, 0.95),
                                  weight_decay=0.0)
    curve, cpu, reached = [(0, accuracy(periodic)["answer_accuracy"])], 0.0, None
    total = args.warmup_steps + args.rl_steps
    trainer = None
    generator = torch.Generator().manual_seed(args.seed)
    for update in range(total):
        tick = time.process_time()
        if update < args.warmup_steps:
            for group in optimizer.param_groups:
                group["lr"] = lr_at(args, update)
            warmup_step(policy, optimizer, source.sample(args.batch_size))
        else:
            if trainer is None:
                config = RLConfig(algorithm=args.algorithm, batch_size=args.rl_batch_size,
                                  group_size=args.group_size, learning_rate=args.rl_lr)
                optimizer = torch.optim.AdamW(policy.parameters(), lr=args.rl_lr,
                                              betas=(0.9, 0.95), weight_decay=0.0)
                trainer = PolicyGradient(policy, optimizer, config)
            problems = source.sample(args.rl_batch_size, args.group_size)
            trainer.update(collect(policy, problems, scorer, budget, generator=generator))
        cpu += time.process_time() - tick
        if (update + 1) % args.eval_every == 0 or update + 1 == total:
            acc = accuracy(periodic)["answer_accuracy"]
            curve.append((update + 1, acc))
            if reached is None and acc >= 0.9:
                reached = update + 1
    tick = time.process_time()
    full = accuracy(final)
    eval_cpu = time.process_time() - tick
    result = {
        "task": task, "difficulty": difficulty, "agent": agent,
        "params": policy.num_params(), "config": asdict(policy.config),
        "answer_accuracy": full["answer_accuracy"], "step_accuracy": full["step_accuracy"],
        "return": full["episodic_return"], "steps_to_90": reached, "curve": curve,
        "updates": total, "train_cpu_s": cpu, "ms_per_update": 1000 * cpu / max(1, total),
        "eval_cpu_s": eval_cpu,
    }
    result["job_cpu_s"] = time.process_time() - job_started  # set below again with halting
    if isinstance(policy, TRM):
        tick = time.process_time()
        halting = accuracy(final, adaptive=True)
        result.update({
            "depth": full["layers_per_token"], "cycles": full["cycles"],
            "answer_accuracy_halt": halting["answer_accuracy"],
            "depth_halt": halting["layers_per_token"], "cycles_halt": halting["cycles"],
            "eval_cpu_s_halt": time.process_time() - tick,
            "job_cpu_s": time.process_time() - job_started,
        })
    else:
        result.update({"depth": float(policy.config.n_layer), "cycles": None})
    return result


def table(results: list[dict], tiers: dict[str, int]) -> str:
    head = ("task", "tier", "agent", "params", "acc", "acc halt", "steps@90", "train CPU s",
            "ms/upd", "depth", "depth halt", "cycles halt")
    rows = []
    for r in results:
        halt = "answer_accuracy_halt" in r
        rows.append((
            f"{r['task']}@{r['difficulty']}", str(tiers[r["task"]]), r["agent"], f"{r['params']:,}",
            f"{r['answer_accuracy']:.3f}", f"{r['answer_accuracy_halt']:.3f}" if halt else "-",
            str(r["steps_to_90"]) if r["steps_to_90"] is not None else "-",
            f"{r['train_cpu_s']:.1f}", f"{r['ms_per_update']:.0f}", f"{r['depth']:.0f}",
            f"{r['depth_halt']:.1f}" if halt else "-", f"{r['cycles_halt']:.2f}" if halt else "-"))
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"
    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *map(line, rows)])


def main(argv=None) -> dict:
    args = parse_args(argv)
    from engram_env.files import write_json
    from engram_env.registry import get_generator

    try:
        tasks = task_list(args)
        gpt, gpt_params, trm, trm_params = model_configs(args)
        if args.algorithm not in ("reinforce", "grpo", "ppo"):
            raise ValueError(f"unknown algorithm {args.algorithm!r}")
        if min(args.warmup_steps, args.eval_every, args.workers, args.threads) < 1:
            raise ValueError("--warmup-steps, --eval-every, --workers and --threads must be >= 1")
    except ValueError as error:
        raise SystemExit(f"bench_trm.py: error: {error}") from None
    print(f"nanochat: {gpt_params:,} parameters (n_layer={gpt.n_layer}, n_embd={gpt.n_embd}); "
          f"TRM: {trm_params:,} ({trm_params / gpt_params - 1:+.1%}; n_layer={trm.n_layer}, "
          f"n_embd={trm.n_embd}, T={trm.T}, n={trm.n}, full depth {trm.layers_per_token} layers)")
    print(f"{len(tasks)} tasks x 2 agents, {args.warmup_steps} warm-up + {args.rl_steps} RL "
          f"updates each, {args.workers} workers x {args.threads} threads", flush=True)
    jobs = [(agent, task, d) for task, d in tasks for agent in ("nanochat", "trm")]
    started = time.time()
    with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool:
        # the TRM jobs (about 4x the CPU) go first, so the workers finish close together
        order = sorted(range(len(jobs)), key=lambda i: jobs[i][0] != "trm")
        futures = {i: pool.submit(run_job, args, *jobs[i]) for i in order}
        for i in order:
            r = futures[i].result()
            print(f"  done {r['agent']:8s} {r['task']}@{r['difficulty']}: acc "
                  f"{r['answer_accuracy']:.3f}, train {r['train_cpu_s']:.0f} CPU s, job "
                  f"{r['job_cpu_s']:.0f} CPU s ({time.time() - started:.0f} s wall)", flush=True)
        results = [futures[i].result() for i in range(len(jobs))]
    tiers = {t: get_generator(t).tier for t, _ in tasks}
    text = table(results, tiers)
    wall = time.time() - started
    print()
    print(text)
    cpu = sum(r["job_cpu_s"] for r in results)
    print(f"\nwall time {wall:.0f} s, CPU time of all jobs {cpu:.0f} s; acc = held-out answer accuracy ({args.final_problems} "
          f"problems, greedy); steps@90 = first update with >= 90% on {args.eval_problems} "
          f"held-out problems (checked every {args.eval_every}); depth = layers per token")
    report = {"args": asdict(args), "nanochat_params": gpt_params, "trm_params": trm_params,
              "nanochat_config": asdict(gpt), "trm_config": asdict(trm), "wall_s": wall,
              "cpu_s": cpu,
              "results": results, "table": text, "time": time.strftime("%Y-%m-%d %H:%M:%S")}
    out = write_json(args.out, report, indent=2)
    print(f"wrote {out}")
    return report


if __name__ == "__main__":
    main()
