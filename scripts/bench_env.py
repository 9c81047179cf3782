"""Throughput benchmark of the Engram environments; writes JSON and prints tables.

What it measures, in one run:

1. char-steps/s (one token written in one episode = one char-step) of a plain ``EngramEnv``
   loop, ``SyncVectorEnv`` and ``AsyncVectorEnv`` over ``EngramEnv`` (SAME_STEP autoreset), and
   ``EngramVectorEnv``, at N = 1, 64, 1024, 4096, with oracle and random actions, on five
   representative tasks. Only the env's own calls are timed (``step``, and ``reset`` for the
   plain loop); the policy's action choice is not. Resets are inside ``step`` for the vector envs
   (autoreset), so problem generation is part of every figure, and each measurement spans at
   least ``--min-calls`` steps (whole waves of resets). The process is pinned to one CPU core
   except for ``AsyncVectorEnv`` (whose worker processes get every core the machine allows; more
   than ``--async-max`` envs, one process each, are skipped). Tables show wall-clock rates; the
   JSON also has CPU-time rates (``cpu_steps_per_s``), which a busy machine distorts less.
2. problems/s, p50, p99 and worst CPU time per problem of every registered generator (single
   sampling, difficulties 1..10 in turn, after one untimed warm-up problem whose one-off cost is
   shown apart), sorted by the worst instance, which is timed again: one slow instance stalls a
   whole vector-env batch. Generators with a batched sampler also get their batched problems/s.
3. ``import engram_env`` time (fresh interpreters, median of ``--import-runs``, with the number
   of registered ids; with a warm bytecode cache, and without one), ``gym.make`` and
   ``gym.make_vec`` times, and memory per env (tracemalloc; resident memory per
   ``AsyncVectorEnv`` worker process).

Targets are printed (PASS/MISS), never asserted: EngramVectorEnv at N=4096 on addition with
oracle actions >= 2,000,000 char-steps/s and >= 20x SyncVectorEnv; a single EngramEnv >= 100,000
char-steps/s; ``import engram_env`` <= 0.3 s.

    python scripts/bench_env.py                    # full run (a few minutes on 2 cores)
    python scripts/bench_env.py --quick            # smoke run (well under a minute)
    python scripts/bench_env.py --tasks addition gcd --out results/bench.json
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from functools import partial
from pathlib import Path

import gymnasium as gym
import numpy as np
from gymnasium.vector import AsyncVectorEnv, AutoresetMode, SyncVectorEnv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import engram_env
from engram_env import EngramEnv, get_generator, task_names
from engram_env.files import write_json
from engram_env.rng import BatchSampling
from engram_env.vector import EngramVectorEnv

# One task per kind of work: batched column arithmetic (short and long traces), number theory,
# an algorithm trace, a graph search. Missing ones (a renamed task) are skipped.
REPRESENTATIVE_TASKS = ("addition", "division", "gcd", "sorting", "bfs_order")
SIZES = (1, 64, 1024, 4096)
TARGETS = {
    "vector_oracle_addition_4096": 2_000_000,  # char-steps/s, one core
    "vector_over_sync_4096": 20.0,  # ratio
    "single_env": 100_000,  # char-steps/s
    "import_s": 0.3,  # seconds
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 2 tasks, N <= 64, short measurements, a few generators")
    p.add_argument("--tasks", nargs="+", default=None,
                   help=f"tasks of the throughput table (default: {' '.join(REPRESENTATIVE_TASKS)})")
    p.add_argument("--out", default="results/bench_env.json",
                   help="where to write the JSON results (default: %(default)s)")
    p.add_argument("--difficulty", type=int, default=5,
                   help="difficulty of the throughput runs; 5 gives addition episodes of about "
                        "50 tokens (default: %(default)s)")
    p.add_argument("--sizes", type=int, nargs="+", default=None,
                   help=f"vector sizes N (default: {' '.join(map(str, SIZES))})")
    p.add_argument("--duration", type=float, default=None,
                   help="seconds of env time per measurement (default: 1.0, --quick 0.15)")
    p.add_argument("--min-calls", type=int, default=None,
                   help="at least this many step() calls per vector measurement, so that the "
                        "window holds whole waves of resets (default: 100, --quick 10)")
    p.add_argument("--no-pin", action="store_true",
                   help="do not pin the benchmark process to one CPU core")
    p.add_argument("--async-max", type=int, default=64,
                   help="largest N run with AsyncVectorEnv, one process per env (default: %(default)s)")
    p.add_argument("--generators", nargs="*", default=None,
                   help="generators of the per-generator table (default: every registered one)")
    p.add_argument("--generator-budget", type=float, default=None,
                   help="seconds of sampling per generator (default: 0.3, --quick 0.05)")
    p.add_argument("--import-runs", type=int, default=5,
                   help="fresh interpreters timing `import engram_env` (default: %(default)s)")
    args = p.parse_args(argv)
    args.tasks = args.tasks or (["addition", "division"] if args.quick else list(REPRESENTATIVE_TASKS))
    args.sizes = args.sizes or ([1, 64] if args.quick else list(SIZES))
    args.duration = args.duration or (0.15 if args.quick else 1.0)
    args.min_calls = args.min_calls or (10 if args.quick else 100)
    args.generator_budget = args.generator_budget or (0.05 if args.quick else 0.3)
    if args.generators is None and args.quick:
        args.generators = args.tasks
    known = set(task_names())
    unknown = [t for t in args.tasks + (args.generators or []) if t not in known]
    if unknown:
        p.error(f"unknown tasks {unknown}; `engram list` shows the {len(known)} registered ones")
    return args


# -- CPU pinning ---------------------------------------------------------------------------------

_ALL_CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


_PIN = True


def pin_one_core() -> None:
    if _ALL_CPUS and _PIN:
        os.sched_setaffinity(0, {_ALL_CPUS[0]})


def unpin() -> None:
    if _ALL_CPUS:
        os.sched_setaffinity(0, set(_ALL_CPUS))


# -- policies ------------------------------------------------------------------------------------


class RandomActions:
    """Uniform random tokens, drawn ahead in blocks (not timed)."""

    def __init__(self, n: int, seed: int = 0) -> None:
        self.block = np.random.default_rng(seed).integers(0, 135, (256, n))
        self.t = 0

    def start(self, envs, infos) -> None:
        pass

    def act(self, envs) -> np.ndarray:
        self.t += 1
        return self.block[self.t % len(self.block)]

    def update(self, done, infos) -> None:
        pass


class OracleFromInfos:
    """The reference solution of each slot's problem, tracked from the reset infos, as any policy
    over a Gymnasium vector env would (used for SyncVectorEnv and AsyncVectorEnv)."""

    def start(self, envs, infos) -> None:
        self.targets = [p.target_ids.tolist() for p in infos["problem"]]
        self.cursor = [0] * len(self.targets)

    def act(self, envs) -> np.ndarray:
        return np.array([t[c] if c < len(t) else 0 for t, c in zip(self.targets, self.cursor)])

    def update(self, done, infos) -> None:
        self.cursor = [c + 1 for c in self.cursor]
        for i in np.flatnonzero(done).tolist():
            self.targets[i] = infos["problem"][i].target_ids.tolist()
            self.cursor[i] = 0


class OracleVector:
    """EngramVectorEnv's reference actions: one gather for all slots."""

    def start(self, envs, infos) -> None:
        pass

    def act(self, envs) -> np.ndarray:
        return envs.reference_actions()

    def update(self, done, infos) -> None:
        pass


# -- throughput ----------------------------------------------------------------------------------


def run_single(task: str, policy: str, difficulty: int, duration: float) -> dict:
    """A plain EngramEnv loop: reset, step until the episode ends, repeat."""
    env = EngramEnv(task, difficulty=difficulty)
    rng = np.random.default_rng(0)
    _, info = env.reset(seed=0)
    steps = episodes = 0
    wall = cpu = 0.0
    while wall < duration or episodes < 3:
        tokens = (info["problem"].target_ids.tolist() if policy == "oracle"
                  else rng.integers(0, 135, 512).tolist())
        w0, c0 = time.perf_counter(), time.process_time()
        for token in tokens:
            steps += 1
            _, _, terminated, truncated, _ = env.step(token)
            if terminated or truncated:
                break
        _, info = env.reset()
        wall += time.perf_counter() - w0
        cpu += time.process_time() - c0
        episodes += 1
    return {"steps_per_s": steps / wall, "cpu_steps_per_s": steps / cpu,
            "steps_per_episode": steps / episodes}


def run_vector(envs, n: int, policy, duration: float, min_calls: int, *,
               cpu_time: bool = True) -> dict:
    """Step a vector env for ``duration`` seconds of env time and at least ``min_calls`` steps;
    the policy is not timed. All slots start together and oracle episodes of one task have
    similar lengths, so resets come in waves: ``min_calls`` (about two episodes) makes the
    window hold whole waves, i.e. the steady-state share of problem generation."""
    _, infos = envs.reset(seed=0)
    policy.start(envs, infos)
    steps = calls = episodes = 0
    wall = cpu = 0.0
    while wall < duration or calls < min_calls:
        actions = policy.act(envs)
        w0, c0 = time.perf_counter(), time.process_time()
        _, _, terminated, truncated, infos = envs.step(actions)
        wall += time.perf_counter() - w0
        cpu += time.process_time() - c0
        done = terminated | truncated
        policy.update(done, infos)
        steps += n
        calls += 1
        episodes += int(done.sum())
    out = {"steps_per_s": steps / wall, "steps_per_episode": steps / max(episodes, 1)}
    if cpu_time:  # AsyncVectorEnv works in other processes: its CPU time is not ours
        out["cpu_steps_per_s"] = steps / cpu
    return out


def _record(rows: list[dict], task: str, policy: str, impl: str, n: int, result: dict,
            setup_s: float | None = None) -> None:
    rows.append({"task": task, "policy": policy, "impl": impl, "n": n, **result,
                 **({"setup_s": setup_s} if setup_s is not None else {})})
    print(f"  {task:12s} {policy:6s} {impl:16s} N={n:<5d} {result['steps_per_s']:>12,.0f} "
          "char-steps/s", flush=True)


def bench_throughput(args) -> list[dict]:
    rows: list[dict] = []
    for task in args.tasks:
        make_env = partial(EngramEnv, task, difficulty=args.difficulty)
        for policy in ("oracle", "random"):
            def oracle_or_random(n: int, oracle: type = OracleFromInfos, policy: str = policy):
                return oracle() if policy == "oracle" else RandomActions(n)

            pin_one_core()
            _record(rows, task, policy, "EngramEnv", 1,
                    run_single(task, policy, args.difficulty, args.duration))
            for n in args.sizes:
                t0 = time.perf_counter()
                envs = SyncVectorEnv([make_env] * n, autoreset_mode=AutoresetMode.SAME_STEP)
                setup = time.perf_counter() - t0
                _record(rows, task, policy, "SyncVectorEnv", n,
                        run_vector(envs, n, oracle_or_random(n), args.duration, args.min_calls),
                        setup)
                envs.close()
            unpin()  # worker processes may use every core
            for n in [n for n in args.sizes if n <= args.async_max]:
                t0 = time.perf_counter()
                envs = AsyncVectorEnv([make_env] * n, autoreset_mode=AutoresetMode.SAME_STEP)
                setup = time.perf_counter() - t0
                _record(rows, task, policy, "AsyncVectorEnv", n,
                        run_vector(envs, n, oracle_or_random(n), args.duration, args.min_calls,
                                   cpu_time=False), setup)
                envs.close()
            pin_one_core()
            for n in args.sizes:
                t0 = time.perf_counter()
                envs = EngramVectorEnv(n, task=task, difficulty=args.difficulty)
                setup = time.perf_counter() - t0
                _record(rows, task, policy, "EngramVectorEnv", n,
                        run_vector(envs, n, oracle_or_random(n, OracleVector), args.duration,
                                   args.min_calls), setup)
    return rows


def bench_episode_length(args) -> list[dict]:
    """EngramVectorEnv on addition at the largest N across difficulties: shorter episodes mean
    more resets per step, and resets (problem generation) are the per-episode Python cost."""
    rows = []
    n = max(args.sizes)
    for difficulty, copy in ((1, False), (5, False), (10, False), (args.difficulty, True)):
        result = run_vector(EngramVectorEnv(n, task="addition", difficulty=difficulty, copy=copy),
                            n, OracleVector(), args.duration, args.min_calls)
        rows.append({"task": "addition", "difficulty": difficulty, "n": n, "copy": copy, **result})
        print(f"  addition d={difficulty:<2d} N={n} copy={copy!s:5s}: "
              f"{result['steps_per_s']:>12,.0f} char-steps/s "
              f"({result['steps_per_episode']:.0f} tokens per episode)", flush=True)
    return rows


# -- generators ----------------------------------------------------------------------------------


def bench_generators(names: list[str], budget: float) -> list[dict]:
    """Per generator: ``problem(seed, d)`` for d = 1..10 in turn until ``budget`` seconds pass.
    Times are process CPU time, so a busy machine's preemptions do not pose as slow problems;
    the worst instance is timed again, to tell a truly slow instance from a hiccup."""

    def cpu_time(generator, seed, difficulty) -> float:
        t0 = time.process_time()
        generator.problem(seed, difficulty)
        return time.process_time() - t0

    rows = []
    for name in names:
        generator = get_generator(name)
        times, worst = [], (0.0, None, None)
        error = None
        try:  # the first problem pays one-off costs (lazy imports, caches): reported apart
            first = cpu_time(generator, 3, 5)
        except Exception as exc:  # noqa: BLE001  (a broken generator is a row, not a crash)
            first, error = None, f"{type(exc).__name__}: {exc}"[:200]
        start = time.perf_counter()
        i = 0
        while error is None and (time.perf_counter() - start < budget or len(times) < 10):
            difficulty, seed = 1 + i % 10, 1_000_003 * i + 17
            i += 1
            try:
                dt = cpu_time(generator, seed, difficulty)
            except Exception as exc:  # noqa: BLE001  (a broken generator is a row, not a crash)
                error = f"{type(exc).__name__}: {exc}"[:200]
                break
            times.append(dt)
            if dt > worst[0]:
                worst = (dt, difficulty, seed)
        row = {"task": name, "samples": len(times), "error": error, "first_us": first and first * 1e6}
        if times:
            row.update(problems_per_s=len(times) / sum(times),
                       p50_us=float(np.percentile(times, 50) * 1e6),
                       p99_us=float(np.percentile(times, 99) * 1e6), worst_us=worst[0] * 1e6,
                       worst_difficulty=worst[1], worst_seed=worst[2],
                       worst_again_us=cpu_time(generator, worst[2], worst[1]) * 1e6)
        if isinstance(generator, BatchSampling) and error is None:
            t0 = time.process_time()
            generator.problems(np.arange(4096) * 7919, 5)
            row["batched_problems_per_s"] = 4096 / (time.process_time() - t0)
        rows.append(row)
    rows.sort(key=lambda r: -r.get("worst_us", float("inf")))
    return rows


# -- start-up costs and memory -------------------------------------------------------------------


def bench_import(runs: int = 5) -> dict:
    """``import engram_env`` in fresh interpreters, median of ``runs``: with a warm bytecode
    cache (the usual case after installation; primed once, kept under a temporary prefix so the
    tree stays clean), without one (every module compiled from source, as under
    PYTHONDONTWRITEBYTECODE), and ``import gymnasium`` alone (numpy + gymnasium, which any
    Gymnasium env pays)."""
    code = ("import time; t, c = time.perf_counter(), time.process_time(); import {module}; "
            "dt, dc = time.perf_counter() - t, time.process_time() - c; import gymnasium as gym; "
            "print(dt, dc, sum(k.startswith('Engram-') for k in gym.registry))")

    def median_import(module: str, **env: str) -> tuple[float, float, list[float], int]:
        environ = {k: v for k, v in os.environ.items()
                   if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
        environ.update(env)
        wall, cpu, ids = [], [], 0
        for _ in range(runs):
            out = subprocess.run([sys.executable, "-c", code.format(module=module)], check=True,
                                 capture_output=True, text=True, cwd=ROOT, env=environ).stdout
            wall.append(float(out.split()[0]))
            cpu.append(float(out.split()[1]))
            ids = int(out.split()[2])
        return statistics.median(wall), statistics.median(cpu), wall, ids

    with tempfile.TemporaryDirectory() as cache:
        subprocess.run([sys.executable, "-c", "import engram_env"], check=True, cwd=ROOT,
                       env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
                       | {"PYTHONPYCACHEPREFIX": cache})
        warm, warm_cpu, warm_runs, ids = median_import("engram_env", PYTHONPYCACHEPREFIX=cache)
        gymnasium_only, _, _, _ = median_import("gymnasium", PYTHONPYCACHEPREFIX=cache)
    cold, _, _, _ = median_import("engram_env", PYTHONDONTWRITEBYTECODE="1")
    return {"import_s_median": warm, "import_cpu_s_median": warm_cpu, "import_s_runs": warm_runs,
            "import_s_no_bytecode_cache": cold, "import_gymnasium_s": gymnasium_only,
            "registered_ids": ids, "tasks": len(task_names())}


def bench_make() -> dict:
    def median_time(fn, runs):
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    return {
        "gym_make_s": median_time(lambda: gym.make("Engram-addition-v0"), 20),
        "gym_make_tier_s": median_time(lambda: gym.make("Engram-tier0-v0"), 5)
        if "Engram-tier0-v0" in gym.registry else None,
        "make_vec_1024_s": median_time(lambda: gym.make_vec("Engram-addition-v0", num_envs=1024), 3),
        "make_vec_sync_64_s": median_time(
            lambda: gym.make_vec("Engram-addition-v0", num_envs=64, vectorization_mode="sync"), 3),
    }


def bench_memory() -> dict:
    def traced(make, n):
        tracemalloc.start()
        kept = make()
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        del kept
        return size / n

    def singles():
        envs = [EngramEnv("addition", difficulty=5) for _ in range(256)]
        for env in envs:
            env.reset(seed=0)
        return envs

    def vector():
        envs = EngramVectorEnv(4096, task="addition", difficulty=5)
        envs.reset(seed=0)
        return envs

    out = {"engram_env_bytes": traced(singles, 256), "vector_env_bytes_per_slot": traced(vector, 4096)}
    envs = AsyncVectorEnv([lambda: EngramEnv("addition") for _ in range(4)])
    envs.reset(seed=0)
    rss = []
    for process in envs.processes:
        status = Path(f"/proc/{process.pid}/status")
        if status.exists():
            line = next(x for x in status.read_text().splitlines() if x.startswith("VmRSS"))
            rss.append(int(line.split()[1]) * 1024)
    envs.close()
    if rss:
        out["async_worker_rss_bytes"] = statistics.median(rss)
    return out


# -- report --------------------------------------------------------------------------------------


def lookup(rows, **match):
    for row in rows:
        if all(row.get(k) == v for k, v in match.items()):
            return row
    return None


def targets(results) -> list[dict]:
    """Each target with its wall-clock figure (judged) and, where there is one, the CPU-time
    figure (what one core does when other processes share it)."""
    rows = results["throughput"]
    n = max(results["args"]["sizes"])
    vec = lookup(rows, task="addition", policy="oracle", impl="EngramVectorEnv", n=n)
    sync = lookup(rows, task="addition", policy="oracle", impl="SyncVectorEnv", n=n)
    single = lookup(rows, task="addition", policy="oracle", impl="EngramEnv")
    out = []

    def add(name, wall, cpu, goal, ok):
        out.append({"name": name, "value": wall, "cpu_value": cpu, "goal": goal, "ok": ok(wall)})

    if vec:
        add(f"EngramVectorEnv N={n} addition oracle, char-steps/s, one core", vec["steps_per_s"],
            vec["cpu_steps_per_s"], ">= 2,000,000",
            lambda v: v >= TARGETS["vector_oracle_addition_4096"])
    if vec and sync:
        add(f"EngramVectorEnv / SyncVectorEnv, N={n}", vec["steps_per_s"] / sync["steps_per_s"],
            vec["cpu_steps_per_s"] / sync["cpu_steps_per_s"], ">= 20x",
            lambda v: v >= TARGETS["vector_over_sync_4096"])
    if single:
        add("single EngramEnv addition oracle, char-steps/s", single["steps_per_s"],
            single["cpu_steps_per_s"], ">= 100,000", lambda v: v >= TARGETS["single_env"])
    imp = results["import"]
    add(f"import engram_env, s, {imp['registered_ids']} ids registered", imp["import_s_median"],
        imp["import_cpu_s_median"], "<= 0.3", lambda v: v <= TARGETS["import_s"])
    return out


def print_report(results) -> None:
    env = results["machine"]
    print(f"\n== engram-env benchmark: {env['cpu']} ({env['cpus']} cpus), python {env['python']}, "
          f"numpy {env['numpy']}, load average {env['load_before']} -> {env['load_after']}")
    print(f"   difficulty {results['args']['difficulty']}; env time only; "
          f"{results['elapsed_s']:.0f} s in all\n")
    rows = results["throughput"]
    sizes = results["args"]["sizes"]
    print("char-steps/s (oracle | random actions)")
    print(f"{'task':12s} {'impl':16s} " + " ".join(f"{'N=' + str(n):>23s}" for n in sizes))
    for task in results["args"]["tasks"]:
        for impl in ("EngramEnv", "SyncVectorEnv", "AsyncVectorEnv", "EngramVectorEnv"):
            cells = []
            for n in ([1] if impl == "EngramEnv" else sizes):
                o = lookup(rows, task=task, impl=impl, n=n, policy="oracle")
                r = lookup(rows, task=task, impl=impl, n=n, policy="random")
                cells.append(f"{o['steps_per_s']:>11,.0f} | {r['steps_per_s']:>9,.0f}" if o and r
                             else f"{'skipped':>23s}")
            print(f"{task:12s} {impl:16s} " + " ".join(cells))
    if results.get("episode_length"):
        print("\nEngramVectorEnv, addition, oracle, by difficulty (shorter episodes: more resets) "
              "and with copy=True (fresh observation arrays every step)")
        for row in results["episode_length"]:
            print(f"  d={row['difficulty']:<2d} N={row['n']} copy={row['copy']!s:5s}: "
                  f"{row['steps_per_s']:>12,.0f} char-steps/s (CPU time: "
                  f"{row['cpu_steps_per_s']:>10,.0f}), {row['steps_per_episode']:.0f} tokens per "
                  "episode")

    print("\nGenerators, sorted by the worst problem (single sampling, difficulties 1..10 in "
          "turn, after one untimed warm-up problem; CPU time; 'again': the worst instance "
          "re-timed; 'first': the warm-up; batched: problems(seeds) at d=5)")
    print(f"{'task':32s} {'problems/s':>11s} {'p50 us':>9s} {'p99 us':>9s} {'worst us':>10s} "
          f"{'again us':>9s} {'worst at':>22s} {'first us':>10s} {'batched/s':>11s}")
    for row in results["generators"]:
        if row.get("error"):
            print(f"{row['task']:32s} ERROR {row['error']}")
            continue
        batched = f"{row['batched_problems_per_s']:>11,.0f}" if "batched_problems_per_s" in row else ""
        print(f"{row['task']:32s} {row['problems_per_s']:>11,.0f} {row['p50_us']:>9,.0f} "
              f"{row['p99_us']:>9,.0f} {row['worst_us']:>10,.0f} {row['worst_again_us']:>9,.0f} "
              f"{'d=' + str(row['worst_difficulty']) + ' seed=' + str(row['worst_seed']):>22s} "
              f"{row['first_us']:>10,.0f} {batched}")

    imp, make, mem = results["import"], results["make"], results["memory"]
    print(f"\nimport engram_env: {imp['import_s_median']:.3f} s, median of "
          f"{len(imp['import_s_runs'])} fresh interpreters ({imp['tasks']} tasks, "
          f"{imp['registered_ids']} Engram ids registered); of which import gymnasium (with numpy) "
          f"{imp['import_gymnasium_s']:.3f} s; without a bytecode cache "
          f"{imp['import_s_no_bytecode_cache']:.3f} s")
    print(f"gym.make: {make['gym_make_s'] * 1e3:.2f} ms; make_vec(num_envs=1024) -> EngramVectorEnv: "
          f"{make['make_vec_1024_s'] * 1e3:.1f} ms; make_vec sync N=64: "
          f"{make['make_vec_sync_64_s'] * 1e3:.1f} ms")
    print(f"memory: EngramEnv {mem['engram_env_bytes'] / 1024:.1f} KiB per env; EngramVectorEnv "
          f"{mem['vector_env_bytes_per_slot'] / 1024:.1f} KiB per slot"
          + (f"; AsyncVectorEnv worker process {mem['async_worker_rss_bytes'] / 2**20:.0f} MiB RSS"
             if "async_worker_rss_bytes" in mem else ""))

    def shown(value: float) -> str:
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"

    print("\nTargets (printed, not asserted; judged on wall-clock time, CPU-time figure beside)")
    for t in results["targets"]:
        print(f"  {'PASS' if t['ok'] else 'MISS'}  {t['name']}: {shown(t['value'])} "
              f"(CPU time: {shown(t['cpu_value'])}; target {t['goal']})")
    if max(env["load_before"], env["load_after"]) > env["cpus"]:
        print(f"  note: load average above the {env['cpus']} cpus: other processes shared the "
              "cores, so wall-clock figures are low; CPU-time figures are closer to one free core")


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cpus": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "gymnasium": gym.__version__,
            "load_before": round(os.getloadavg()[0], 2)}


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    global _PIN
    _PIN = not args.no_pin
    results = {"args": vars(args), "machine": machine(), "engram_env": engram_env.__version__,
               "time": time.strftime("%Y-%m-%d %H:%M:%S")}
    started = time.perf_counter()
    print("import and make ...", flush=True)
    results["import"] = bench_import(args.import_runs)
    results["make"] = bench_make()
    print("throughput ...", flush=True)
    results["throughput"] = bench_throughput(args)
    pin_one_core()
    results["episode_length"] = [] if args.quick else bench_episode_length(args)
    print("generators ...", flush=True)
    results["generators"] = bench_generators(args.generators or task_names(), args.generator_budget)
    unpin()
    results["memory"] = bench_memory()
    results["machine"]["load_after"] = round(os.getloadavg()[0], 2)
    results["elapsed_s"] = time.perf_counter() - started
    results["targets"] = targets(results)
    print_report(results)
    out = write_json(args.out, results, default=str)
    print(f"\nwrote {out}")
    return results


if __name__ == "__main__":
    main()
