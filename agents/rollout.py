"""Batched on-policy rollouts: sample solutions with the policy, grade them with the env's rules.

A rollout does not step B environments token by token. It draws B problems, samples B complete
solutions in one batched (KV-cached) decode, then grades each with ``engram_env.scoring.Scorer``,
which replays the tokens through an ``EngramEnv``. The policy only ever sees the prompt and its
own output, exactly the env's observation, so this is the same on-policy data that stepping the
env would give, in one decode instead of B x T ``step`` calls. The scorer also reports each
token's reward and reward slot, which the step-level trainers use.

Layout of a batch (the same for warm-up, rollouts and the trainers' forward passes):

    [<pad> ... <pad> | prompt tokens | completion tokens | <pad> ...]
     0 ..  start[b]-1  start[b] .. P-1  P .. P+length[b]-1

Prompts are left-padded to a common length P, so every completion starts at column P and the
logit at column P-1+j predicts completion token j. ``start[b]`` masks the padding (see
``agents.nanochat.attention_mask``).

The ``Policy`` protocol is what a trainer needs from a model; any ``nn.Module`` with this
``forward`` plugs in (``generate`` is optional: ``sample`` falls back to full recomputation).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from engram_env.generator import check_difficulty
from engram_env.problem import MAX_TARGET_TOKENS, TRAIN_SEED_LIMIT, Problem, eval_seed
from engram_env.registry import get_generator
from engram_env.scoring import Score, Scorer
from engram_env.vocab import EOS, PAD


@runtime_checkable
class Policy(Protocol):
    """A token policy over (left-padded prompt + output) sequences.

    ``config`` is a dataclass (it goes into checkpoints with ``dataclasses.asdict``).
    ``forward(idx (B, T), start (B,)) -> (logits (B, T, V), values (B, T) or None)``: position t
    predicts token t+1; ``values`` estimate the return still to come after position t (PPO
    needs them; other algorithms accept None). Optional ``generate(prompts, start,
    max_new_tokens, temperature=, generator=)`` -> tokens (B, L) is a fast sampler.
    """

    config: Any

    def forward(self, idx: Tensor, start: Tensor) -> tuple[Tensor, Tensor | None]: ...


# -- problem sources ---------------------------------------------------------------------------


def parse_tasks(env_ids: str) -> list[str]:
    """Task names from ``"Engram-addition-v0"``, ``"addition"`` or a comma-separated mix."""
    tasks = []
    for part in filter(None, (p.strip() for p in env_ids.split(","))):
        name = part[len("Engram-"):-len("-v0")] if part.startswith("Engram-") and part.endswith("-v0") else part
        get_generator(name)  # unknown names fail here, with close matches
        tasks.append(name)
    if not tasks:
        raise ValueError(f"no task in env id {env_ids!r}; expected e.g. 'Engram-addition-v0'")
    return tasks


class ProblemSource:
    """Training problems streamed from the generators: a task per problem, a training seed each.

    Seeds come from this source's own numpy generator, below ``TRAIN_SEED_LIMIT`` like a
    training env's, so no problem is ever stored and none is a held-out evaluation problem.
    ``sample(n, group_size)`` draws n / group_size problems and repeats each group_size times
    (adjacent), the layout GRPO groups need.
    """

    def __init__(self, tasks: Sequence[str], difficulty: int, seed: int) -> None:
        self.tasks = list(tasks)
        self.generators = {t: get_generator(t) for t in self.tasks}
        self.difficulty = check_difficulty(difficulty)
        self.rng = np.random.default_rng(seed)

    def draw(self) -> tuple[str, int]:
        """The next problem's task and difficulty."""
        return self.tasks[int(self.rng.integers(len(self.tasks)))], self.difficulty

    def sample(self, n: int, group_size: int = 1) -> list[Problem]:
        if n % group_size:
            raise ValueError(f"n ({n}) must be a multiple of group_size ({group_size})")
        problems = []
        for _ in range(n // group_size):
            task, difficulty = self.draw()
            seed = int(self.rng.integers(TRAIN_SEED_LIMIT))
            problems += [get_generator(task).problem(seed, difficulty)] * group_size
        return problems

    def record(self, problems: Sequence[Problem], scores: Sequence[Score]) -> list:
        """Outcomes of attempts (a curriculum learns from them; a fixed source ignores them)."""
        return []

    def eval_tasks(self) -> list[tuple[str, int]]:
        """The (task, difficulty) pairs that held-out evaluation covers."""
        return [(t, self.difficulty) for t in self.tasks]

    def state_dict(self) -> dict:
        return {"rng": self.rng.bit_generator.state, "difficulty": self.difficulty}

    def load_state_dict(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]
        self.difficulty = state["difficulty"]


class CurriculumSource(ProblemSource):
    """Problems whose task and difficulty the skill-tree curriculum picks (``engram_env.skilltree``).

    Each group's (task, difficulty) comes from the curriculum's ``TaskSampler``; every graded
    attempt is recorded back, which raises difficulties, masters tasks and unlocks new ones, as
    ``wrappers.curriculum.CurriculumWrapper`` does for a stepped env. Evaluation covers the
    unlocked tasks at their current difficulty.
    """

    def __init__(self, tasks: Sequence[str] | None, seed: int, **config) -> None:
        from engram_env.skilltree import CurriculumConfig, SkillTree, TaskSampler

        tree = SkillTree.from_registry(tasks, CurriculumConfig.from_dict(config))
        self.curriculum = TaskSampler(tree, seed)
        super().__init__(tree.tasks, 1, seed + 1)

    def draw(self) -> tuple[str, int]:
        return self.curriculum.next()

    def record(self, problems: Sequence[Problem], scores: Sequence[Score]) -> list:
        events = []
        for p, s in zip(problems, scores):
            events += self.curriculum.record(p.task, p.difficulty, s.answer_correct)
        return events

    def eval_tasks(self) -> list[tuple[str, int]]:
        tree = self.curriculum.tree
        return [(t, tree.difficulty(t)) for t in tree.unlocked]

    def state_dict(self) -> dict:
        return {**super().state_dict(), "curriculum": self.curriculum.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.curriculum.load_state_dict(state["curriculum"])


def eval_problems(tasks: Sequence[str], difficulty: int, n: int, offset: int = 0) -> list[Problem]:
    """``n`` held-out problems per task, from ``engram_env.problem.eval_seed(offset + i)``."""
    return [get_generator(t).problem(eval_seed(offset + i), difficulty)
            for t in tasks for i in range(n)]


@functools.cache
def _budget(task: str, difficulty: int, samples: int) -> int:
    longest = max(len(p.target_ids) for p in get_generator(task).problems(range(samples), difficulty))
    return min(MAX_TARGET_TOKENS, math.ceil(1.5 * longest) + 8)


def max_new_tokens_for(tasks: Sequence[str], difficulty: int, samples: int = 64) -> int:
    """A sampling budget: 1.5x the longest reference target in a sample of problems, plus 8.

    Long enough for any correct solution (reference targets vary little within a level) while
    keeping a policy that never writes ``<eos>`` from decoding 512 tokens per attempt.
    """
    return max(_budget(t, difficulty, samples) for t in tasks)


# -- batch layout ------------------------------------------------------------------------------


def collate(prompts: Sequence[np.ndarray], outputs: Sequence[np.ndarray] | None = None,
            device=None) -> tuple[Tensor, Tensor, int]:
    """Left-padded prompts, each followed by its output (right-padded): (tokens (B, T), start, P)."""
    P = max(len(p) for p in prompts)
    L = max((len(o) for o in outputs), default=0) if outputs is not None else 0
    tokens = np.full((len(prompts), P + L), PAD, dtype=np.int64)
    start = np.empty(len(prompts), dtype=np.int64)
    for b, p in enumerate(prompts):
        start[b] = P - len(p)
        tokens[b, start[b]:P] = p
        if outputs is not None:
            tokens[b, P:P + len(outputs[b])] = outputs[b]
    return torch.from_numpy(tokens).to(device), torch.from_numpy(start).to(device), P


def completion_lengths(completions: Tensor) -> Tensor:
    """Tokens per row through the first ``<eos>`` (all of them if there is none)."""
    is_eos = completions == EOS
    first = is_eos.int().argmax(-1)
    return torch.where(is_eos.any(-1), first + 1, torch.full_like(first, completions.size(1)))


@torch.no_grad()
def sample(policy, prompts: Tensor, start: Tensor, max_new_tokens: int, *,
           temperature: float = 1.0, generator: torch.Generator | None = None) -> Tensor:
    """Completions (B, L) of left-padded prompts; ``<pad>`` after each row's ``<eos>``."""
    if hasattr(policy, "generate"):
        return policy.generate(prompts, start, max_new_tokens, temperature=temperature,
                               generator=generator)
    from agents.nanochat import sample_token

    B = prompts.size(0)
    out = torch.full((B, max_new_tokens), PAD, dtype=torch.long, device=prompts.device)
    done = torch.zeros(B, dtype=torch.bool, device=prompts.device)
    for t in range(max_new_tokens):  # no cache: recompute the whole sequence each step
        logits = policy(torch.cat([prompts, out[:, :t]], dim=1), start)[0][:, -1]
        token = torch.where(done, PAD, sample_token(logits, temperature, generator))
        out[:, t] = token
        done |= token == EOS
        if bool(done.all()):
            return out[:, :t + 1]
    return out


# -- rollouts ----------------------------------------------------------------------------------


@dataclass
class Rollout:
    """B graded attempts: the batch a trainer updates on (all tensors on the policy's device)."""

    problems: list[Problem]
    scores: list[Score]
    tokens: Tensor  # (B, P + L) left-padded prompt + completion, see the module docstring
    start: Tensor  # (B,) first real prompt position
    prompt_len: int  # P: completion token j sits at column P + j
    actions: Tensor  # (B, L) completion tokens
    mask: Tensor  # (B, L) bool: tokens the episode consumed (through <eos>)
    rewards: Tensor  # (B, L) float32: the env's reward for each token
    slots: Tensor  # (B, L) long: reward slot each token closes (-1 none), see engram_env.scoring
    branched_groups: int = 0  # groups branched by collect(..., branch_group_size=G)

    @property
    def returns(self) -> Tensor:
        return self.rewards.sum(-1)  # (B,)

    def metrics(self) -> dict[str, float]:
        """Episode statistics of the batch, under CleanRL-style names."""
        steps_total = sum(s.steps_total for s in self.scores)
        return {
            "charts/episodic_return": float(np.mean([s.total for s in self.scores])),
            "charts/answer_accuracy": float(np.mean([s.answer_correct for s in self.scores])),
            "charts/step_accuracy": (sum(s.steps_correct for s in self.scores) / steps_total
                                     if steps_total else float("nan")),
            "charts/episodic_length": float(np.mean([s.length for s in self.scores])),
            "charts/unfinished_fraction": float(np.mean([not s.finished for s in self.scores])),
            "charts/branched_groups": float(self.branched_groups),
        }


def grade(scorer: Scorer, problems: Sequence[Problem], completions: Tensor) -> list[Score]:
    rows = completions.cpu().numpy()
    return [scorer.score(p, row) for p, row in zip(problems, rows)]


def collect(policy, problems: Sequence[Problem], scorer: Scorer, max_new_tokens: int, *,
            temperature: float = 1.0, generator: torch.Generator | None = None,
            branch_group_size: int = 0, alphabet: Sequence[int] = ()) -> Rollout:
    """Sample one solution per problem (repeat a problem to get a group) and grade them all.

    With ``branch_group_size`` = G, groups of G adjacent attempts whose attempts all agree and
    fail are branched (``branch_agreeing_groups``) over the tokens of ``alphabet``.
    """
    device = next(policy.parameters()).device
    prompts, start, P = collate([p.prompt_ids for p in problems], device=device)
    was_training = policy.training
    policy.eval()
    completions = sample(policy, prompts, start, max_new_tokens, temperature=temperature,
                         generator=generator)  # (B, L)
    policy.train(was_training)
    scores = grade(scorer, problems, completions)
    branched = 0
    if branch_group_size:
        branched = branch_agreeing_groups(problems, completions, scores, scorer,
                                          branch_group_size, alphabet, generator)
    # tokens after every attempt's end carry nothing: drop those columns before the forward passes
    completions = completions[:, :max(s.length for s in scores)]
    B, L = completions.shape
    mask = torch.zeros(B, L, dtype=torch.bool)
    rewards = torch.zeros(B, L)
    slots = torch.full((B, L), -1, dtype=torch.long)
    for b, s in enumerate(scores):
        mask[b, :s.length] = True
        rewards[b, :s.length] = torch.from_numpy(s.rewards)
        slots[b, :s.length] = torch.from_numpy(s.slots)
    return Rollout(list(problems), scores, torch.cat([prompts, completions], dim=1), start, P,
                   completions, mask.to(device), rewards.to(device), slots.to(device), branched)


def branch_agreeing_groups(problems: Sequence[Problem], completions: Tensor, scores: list[Score],
                           scorer: Scorer, group_size: int, alphabet: Sequence[int],
                           generator: torch.Generator | None) -> int:
    """Branch the groups that agree and fail: returns how many groups were branched.

    A group whose G attempts wrote the same tokens and failed gives GRPO no gradient, and a
    confident policy keeps sampling it (learning ``copy`` from scratch, every group came to
    write a letter where the reference has ``<step>``, at p(``<step>``) ~ 4e-5). Here attempts
    2..G of such a group keep the shared prefix and replace the token that ended the episode
    by G-1 different tokens of ``alphabet`` (drawn without replacement), each graded by the
    env's rules, so the group compares alternatives at exactly the state where it fails.
    ``completions`` and ``scores`` are changed in place. The branched tokens are not samples
    of the policy: their gradient is that of tokens the policy would rarely try, a bias
    toward what the env rewards at the failing state, as in search-based exploration.
    """
    count = 0
    for first in range(0, len(problems), group_size):
        rows = range(first, first + group_size)
        length = scores[first].length
        if scores[first].answer_correct or length == 0 or any(
                scores[r].length != length or not torch.equal(completions[r, :length],
                                                               completions[first, :length])
                for r in rows):
            continue
        ended = int(completions[first, length - 1])
        others = [t for t in alphabet if t != ended]
        order = torch.randperm(len(others), generator=generator)[:group_size - 1].tolist()
        for r, i in zip(rows[1:], order):
            completions[r, length - 1] = others[i]
            completions[r, length:] = PAD
            scores[r] = scorer.score(problems[r], completions[r, :length].cpu().numpy())
        count += 1
    return count


def completion_logprobs(policy, tokens: Tensor, start: Tensor, prompt_len: int,
                        actions: Tensor, temperature: float = 1.0
                        ) -> tuple[Tensor, Tensor, Tensor | None]:
    """Log-probabilities and entropies of the completion tokens, and values before each.

    ``temperature`` is the one the tokens were sampled at: the log-probabilities are those of
    the distribution that actually chose them, so the update is on-policy at any temperature.
    Returns logp (B, L), entropy (B, L), values (B, L) or None: ``values[:, j]`` is the value
    of the state in which completion token j is chosen (the column before it).
    """
    L = actions.size(1)
    logits, values = policy(tokens[:, :-1], start)  # position t predicts token t+1
    logits = logits[:, prompt_len - 1:prompt_len - 1 + L] / temperature  # (B, L, V)
    logp_all = F.log_softmax(logits, dim=-1)
    logp = logp_all.gather(-1, actions[..., None]).squeeze(-1)  # (B, L)
    entropy = -(logp_all.exp() * logp_all).sum(-1)  # (B, L)
    if values is not None:
        values = values[:, prompt_len - 1:prompt_len - 1 + L]
    return logp, entropy, values


# -- evaluation --------------------------------------------------------------------------------


def evaluate(solver, problems: Sequence[Problem], scorer: Scorer) -> dict[str, float]:
    """Answer accuracy, step accuracy and mean return of a solver on the given problems."""
    scores = [scorer.score(p, tokens) for p, tokens in zip(problems, solver.solve(problems))]
    steps_total = sum(s.steps_total for s in scores)
    return {
        "answer_accuracy": float(np.mean([s.answer_correct for s in scores])),
        "step_accuracy": (sum(s.steps_correct for s in scores) / steps_total
                          if steps_total else float("nan")),
        "episodic_return": float(np.mean([s.total for s in scores])),
        "episodes": len(scores),
    }
