"""The ``engram`` command: list, show, play and validate the tasks.

Each subcommand is a function taking parsed arguments and returning an exit code, so tests call
them in-process; ``main`` only builds the parser.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterable, Sequence

from engram_env.env import EngramEnv, REWARD_MODES
from engram_env.generator import Generator
from engram_env.registry import get_generator, load_generators, select
from engram_env.taxonomy import DOMAINS, MAX_DIFFICULTY, MIN_DIFFICULTY, REASONING_PATTERNS
from engram_env.vocab import EOS, STEP, VocabularyError, encode

DIFFICULTIES = range(MIN_DIFFICULTY, MAX_DIFFICULTY + 1)


def _table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    cells = [list(map(str, header))] + [list(map(str, r)) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def estimate_space_size(generator: Generator, difficulty: int, samples: int = 200) -> str:
    """Birthday estimate of how many distinct problems a level holds, from ``samples`` draws.

    With c pairs of equal prompts among n draws, N is about n(n-1)/(2c); with no pair at all
    only a lower bound is known. Cheap and generator-agnostic, and honest about its precision.
    """
    counts: dict[str, int] = {}
    for seed in range(samples):
        prompt = generator.problem(seed, difficulty).prompt
        counts[prompt] = counts.get(prompt, 0) + 1
    pairs = sum(c * (c - 1) // 2 for c in counts.values())
    if pairs == 0:
        return f">{_rounded(samples * (samples - 1) / 2)}"
    return f"~{_rounded(max(len(counts), samples * (samples - 1) / (2 * pairs)))}"


def _rounded(n: float) -> str:
    """Two significant figures: ``84``, ``710``, ``2e4``, ``1.5e6``."""
    if n < 1000:
        return f"{float(f'{n:.2g}'):g}"
    mantissa, exponent = f"{n:.1e}".split("e")
    return f"{mantissa.removesuffix('.0')}e{int(exponent)}"


def cmd_list(args: argparse.Namespace) -> int:
    generators = select(tier=args.tier, domain=args.domain, pattern=args.pattern)
    if args.stats:
        levels = (1, 5, 10)
        rows = [(g.name, g.tier, *(estimate_space_size(g, d) for d in levels)) for g in generators]
        print(_table(rows, ["task", "tier", *(f"size@{d}" for d in levels)]))
    else:
        rows = [(g.name, g.tier, g.domain, g.pattern, ",".join(g.prerequisites) or "-")
                for g in generators]
        print(_table(rows, ["task", "tier", "domain", "pattern", "prerequisites"]))
    print(f"\n{len(generators)} tasks")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    generator = get_generator(args.task)
    problem = generator.problem(args.seed, args.difficulty)
    print(f"{generator.name}: {generator.summary}")
    print(f"tier {generator.tier}, {generator.domain}, {generator.pattern}; "
          f"difficulty {args.difficulty} ({generator.difficulty_doc}); seed {args.seed}\n")
    print(f"prompt ({len(problem.prompt_ids)} tokens):\n  {problem.prompt}\n")
    print(f"steps ({len(problem.steps)}):")
    for i, step in enumerate(problem.steps):
        print(f"  {i + 1}. {step}")
    print(f"\nanswer: {problem.answer}")
    print(f"target ({len(problem.target_ids)} tokens with <eos>):\n  {problem.target}")
    return 0


def cmd_play(args: argparse.Namespace, lines: Iterable[str] | None = None) -> int:
    """A person solves one problem: each line is a step; ``answer TEXT`` ends the episode."""
    env = EngramEnv(args.task, difficulty=args.difficulty, reward_mode=args.reward_mode)
    _, info = env.reset(options={"problem_seed": args.seed})  # the same problem `show` prints
    problem = info["problem"]
    print(f"{problem.prompt}\n\nType one step per line; 'answer TEXT' to finish, "
          f"'hint' for the next reference step, 'quit' to stop.")
    lines = iter(lines) if lines is not None else _input_lines()
    total, index = 0.0, 0
    for line in lines:
        line = line.strip()
        if line == "quit":
            break
        if line == "hint":
            reference = [*problem.steps, problem.answer]
            print(f"  hint: {reference[min(index, len(reference) - 1)]}")
            continue
        is_answer = line.startswith("answer ")
        text = line[len("answer "):] if is_answer else line
        try:
            tokens = [*encode(text), EOS if is_answer else STEP]
        except VocabularyError as error:
            print(f"  {error}")
            continue
        for token in tokens:
            _, reward, terminated, truncated, step_info = env.step(int(token))
            total += reward
            if terminated or truncated:
                break
        if is_answer or terminated or truncated:
            verdict = "correct" if step_info.get("answer_correct") else "wrong"
            print(f"  answer {verdict}; reference: {problem.target}")
            break
        verdict = "correct" if step_info.get("step_correct") else "wrong"
        print(f"  step {index + 1} {verdict}, reward {reward:.3f}, return {total:.3f}")
        index += 1
    print(f"return {total:.3f}")
    return 0


def _input_lines() -> Iterable[str]:
    while True:
        try:
            yield input("> ")
        except EOFError:
            return


def validate_problem(
    generator: Generator, seed: int, difficulty: int, envs: dict[str, EngramEnv]
) -> str | None:
    """What is wrong with one problem (vocabulary, caps, determinism, oracle), or ``None``.

    ``envs`` maps each reward mode to an env of this generator's task, reused across problems.
    """
    try:
        problem = generator.problem(seed, difficulty)
        if problem != generator.problem(seed, difficulty):
            return "same seed gave a different problem"
        for mode, env in envs.items():
            env.reset(options={"problem_seed": seed, "difficulty": difficulty})
            total = sum(env.step(int(t))[1] for t in problem.target_ids)
            if total != 1.0:
                return f"oracle return {total!r} in {mode} mode, expected exactly 1.0"
    except Exception as error:  # report every failure, keep validating the rest
        return f"{type(error).__name__}: {error}"
    return None


def cmd_validate(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    generators = [get_generator(t) for t in args.tasks] if args.tasks else list(
        load_generators().values())
    jobs = [(g, d) for g in generators for d in args.difficulties]
    failures = []
    for generator, difficulty in tqdm(jobs, desc="validate", unit="task-level", file=sys.stderr):
        envs = {mode: EngramEnv(generator.name, reward_mode=mode) for mode in REWARD_MODES}
        for seed in range(args.samples):
            if error := validate_problem(generator, seed, difficulty, envs):
                failures.append(f"{generator.name} difficulty {difficulty} seed {seed}: {error}")
                break  # one report per task and level is enough
    checked = len(jobs) * args.samples
    if failures:
        print("\n".join(failures))
        print(f"FAILED: {len(failures)} task-levels of {len(jobs)}")
        return 1
    print(f"ok: {len(generators)} tasks x {len(args.difficulties)} levels x {args.samples} "
          f"samples ({checked} problems): vocabulary, caps, determinism, oracle return 1.0")
    return 0


def cmd_tree(args: argparse.Namespace) -> int:
    from engram_env.skilltree import tree_command  # matplotlib is imported only for --png

    return tree_command(png=args.png, state=args.state)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="engram", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="list tasks, filtered by tier, domain or pattern")
    p.add_argument("--tier", type=int, help="only this tier (0..10)")
    p.add_argument("--domain", choices=DOMAINS, help="only this domain")
    p.add_argument("--pattern", choices=REASONING_PATTERNS, help="only this reasoning pattern")
    p.add_argument("--stats", action="store_true",
                   help="estimate each task's problem-space size at levels 1, 5 and 10")
    p.set_defaults(func=cmd_list)

    def add_problem_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("task", help="task name, e.g. addition")
        p.add_argument("--difficulty", "-d", type=int, default=3, choices=DIFFICULTIES,
                       metavar="1..10", help="difficulty level (default 3)")
        p.add_argument("--seed", "-s", type=int, default=0, help="problem seed (default 0)")

    p = sub.add_parser("show", help="show one problem: prompt, steps, answer, target")
    add_problem_args(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("play", help="solve a problem yourself, step by step, with verdicts")
    add_problem_args(p)
    p.add_argument("--reward-mode", choices=REWARD_MODES, default="step")
    p.set_defaults(func=cmd_play)

    p = sub.add_parser("validate", help="check every generator: vocabulary, caps, determinism, "
                                        "oracle return; exit 1 on any failure")
    p.add_argument("--tasks", nargs="+", metavar="TASK", help="only these tasks (default all)")
    p.add_argument("--difficulties", type=int, nargs="+", default=[1, 5, 10], metavar="D",
                   choices=DIFFICULTIES, help="levels to check (default 1 5 10)")
    p.add_argument("--samples", type=int, default=20, help="problems per task and level")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("tree", help="the skill tree: tiers, prerequisites and (with --state) "
                                    "a curriculum's mastery")
    p.add_argument("--png", metavar="PATH", help="also draw the tree to this PNG image")
    p.add_argument("--state", metavar="CURRICULUM_STATE.json",
                   help="colour by the progress saved by the curriculum wrapper's save()")
    p.set_defaults(func=cmd_tree)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
