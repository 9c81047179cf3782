"""Evaluate agents on held-out problems and write one versioned results JSON per agent.

    python scripts/evaluate.py --agent random oracle answer-only --tier 0
    python scripts/evaluate.py --agent nanochat:checkpoints/run.pt --param temperature=0.7 \\
        --samples 4 --tasks addition gcd
    python scripts/evaluate.py --agent random oracle answer-only --checkpoints checkpoints

Every agent gets the same problems: problem i of each (task, difficulty) is made from the
held-out seed ``engram_env.eval_seed(seed_offset + i) = 2**62 + seed_offset + i``, a domain that
training envs never draw from. See ``agents/evaluation.py`` for the metrics.
"""

from __future__ import annotations

import os

# Before torch starts its OpenMP pool (as scripts/train.py): spinning waits slow torch down
# badly on a small machine that is running anything else.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import dataclasses  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.evaluation import (  # noqa: E402
    AGENT_KINDS,
    AgentLoadError,
    EvalConfig,
    evaluate,
    find_checkpoints,
    load_agent,
    make_problems,
    parse_args,
    results_filename,
    select_tasks,
    write_results,
)


@dataclass
class Args:
    """Evaluate agents on held-out problems; write one results JSON per agent."""

    agent: list[str] = field(default_factory=lambda: ["random", "oracle", "answer-only"])
    """agents to evaluate, each KIND or KIND:PATH; kinds: random, oracle, answer-only,
    nanochat:CKPT.pt, trm:CKPT.pt, sb3:MODEL.zip"""
    checkpoints: str | None = None
    """also evaluate every checkpoint under this folder (nanochat/trm .pt, SB3 .zip; the kind
    is read from the file); a missing folder adds nothing"""
    name: list[str] | None = None
    """leaderboard names for the --agent entries, in order (default: the kind, or KIND-FILESTEM)"""
    param: list[str] | None = None
    """agent parameters KEY=VALUE (temperature=0.7 seed=1 device=cuda batch_size=64 algo=ppo
    reward_mode=char mask_pad=true); each goes to the agents whose kind takes it"""
    tasks: list[str] | None = None
    """task set: task names, Engram-<task>-v0 or Engram-tier<N>-v0 ids, or 'all' (default: all,
    narrowed by --tier/--domain/--pattern)"""
    tier: int | None = None
    """only tasks of this skill-tree tier"""
    domain: str | None = None
    """only tasks of this domain (`engram list` shows them)"""
    pattern: str | None = None
    """only tasks of this reasoning pattern"""
    difficulties: list[int] = field(default_factory=lambda: [1, 5, 10])
    """difficulty levels to evaluate each task at"""
    problems: int = 20
    """distinct held-out problems per (task, difficulty)"""
    samples: int = 2
    """attempts per problem (>= 2 measures consistency; answer accuracy averages them)"""
    seed_offset: int = 0
    """problem i uses the held-out seed eval_seed(seed_offset + i) = 2**62 + seed_offset + i"""
    reward_mode: str = "step"
    """reward mode of the reported return (step, char, final); verdicts always use step rules"""
    max_new_tokens: int | None = None
    """fixed output budget per attempt (default: 1.5x the cell's longest reference + 8, <= 512)"""
    out_dir: str = "results"
    """folder for the results files (<agent name>.json)"""
    progress: bool = True
    """show a progress bar on stderr"""
    list_kinds: bool = False
    """print the agent kinds and their parameters, then exit"""


def parse_params(pairs: list[str] | None) -> dict[str, object]:
    """``["temperature=0.7", "device=cuda"]`` -> ``{"temperature": 0.7, "device": "cuda"}``."""
    params: dict[str, object] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--param: expected KEY=VALUE, got {pair!r}")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


def main(args: Args) -> int:
    if args.list_kinds:
        for kind, entry in AGENT_KINDS.items():
            path = {"none": "", "required": ":PATH"}[entry.path]
            print(f"{kind + path:<16} {entry.summary}; params {entry.params or '{}'}")
        return 0
    names = list(args.name or [])
    if len(names) > len(args.agent):
        raise ValueError(f"--name: {len(names)} names for {len(args.agent)} agents")
    specs = [(spec, names[i] if i < len(names) else None) for i, spec in enumerate(args.agent)]
    if args.checkpoints:
        specs += [(f"{kind}:{path}", None) for kind, path in find_checkpoints(args.checkpoints)]
    params = parse_params(args.param)
    unused = [k for k in params
              if not any(k in AGENT_KINDS.get(s.partition(":")[0], AGENT_KINDS["oracle"]).params
                         for s, _ in specs)]
    if unused:
        raise ValueError(f"--param {', '.join(unused)}: no agent being evaluated takes it")

    agents, seen = [], {}
    for i, (spec, name) in enumerate(specs):  # load all first: a bad spec fails before any work
        kind = spec.partition(":")[0]
        taken = {k: v for k, v in params.items()
                 if kind in AGENT_KINDS and k in AGENT_KINDS[kind].params}
        agent = load_agent(spec, taken, name=name)
        label = agent.identity.name
        if label in seen and i >= len(args.agent):  # a found checkpoint: number it
            label = next(f"{label}-{n}" for n in range(2, len(specs) + 2)
                         if f"{label}-{n}" not in seen)
            agent.identity = dataclasses.replace(agent.identity, name=label)
        if label in seen:
            raise ValueError(f"two agents are named {label!r} ({seen[label]} and {spec}); "
                             "give them --name")
        seen[label] = spec
        agents.append(agent)

    tasks = select_tasks(args.tasks, tier=args.tier, domain=args.domain, pattern=args.pattern)
    config = EvalConfig(tasks=tuple(tasks), difficulties=tuple(args.difficulties),
                        problems=args.problems, samples=args.samples,
                        seed_offset=args.seed_offset, reward_mode=args.reward_mode,
                        max_new_tokens=args.max_new_tokens)
    print(f"{len(agents)} agent(s) x {len(tasks)} task(s) x {len(config.difficulties)} "
          f"difficulties x {config.problems} problems x {config.samples} samples", file=sys.stderr)
    problems = make_problems(config)  # shared: every agent answers exactly these
    for agent in agents:
        results = evaluate(agent, config, problems=problems, progress=args.progress)
        path = write_results(results, Path(args.out_dir) / results_filename(agent.identity.name))
        s = results.summary()
        step = "-" if s["step_accuracy"] is None else f"{s['step_accuracy']:.3f}"
        print(f"{agent.identity.name:<24} answer {s['answer_accuracy']:.3f} "
              f"[{s['answer_ci'][0]:.3f}, {s['answer_ci'][1]:.3f}]  step {step}  "
              f"return {s['mean_return']:.3f}  -> {path}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(parse_args(Args)))
    except (AgentLoadError, ValueError) as e:
        print(f"evaluate.py: error: {e}", file=sys.stderr)
        sys.exit(2)
