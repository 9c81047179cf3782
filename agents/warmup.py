"""Supervised warm-up: teacher forcing on the generators' reference solutions.

Each update draws a fresh batch of training problems from the generators (``TaskSampler``: a
new seed per problem, so nothing is stored and nothing repeats) and minimises the cross-entropy
of the reference target (steps, answer, ``<eos>``) given the prompt. Only target tokens are
scored; the prompt is context. This is behaviour cloning of the oracle, the usual start before
RL: a policy that already writes well-formed solutions gets informative rewards at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from agents.rollout import collate
from engram_env.problem import Problem


def teacher_forcing_batch(problems: Sequence[Problem], device=None) -> tuple[Tensor, Tensor, int, Tensor]:
    """(tokens (B, P + L), start (B,), P, targets (B, L) with -1 beyond each target)."""
    targets_np = [p.target_ids for p in problems]
    tokens, start, P = collate([p.prompt_ids for p in problems], targets_np, device=device)
    targets = tokens[:, P:].clone()  # (B, L)
    lengths = torch.tensor([len(t) for t in targets_np], device=tokens.device)
    beyond = torch.arange(targets.size(1), device=tokens.device)[None] >= lengths[:, None]
    targets[beyond] = -1
    return tokens, start, P, targets


def supervised_loss(policy, problems: Sequence[Problem]) -> Tensor:
    """Mean cross-entropy per target token of the reference solutions.

    A policy with its own ``supervised_loss(tokens, start, P, targets)`` hook computes the loss
    from this same batch itself (the TRM's deep supervision, ``agents.trm``).
    """
    device = next(policy.parameters()).device
    tokens, start, P, targets = teacher_forcing_batch(problems, device)
    if hasattr(policy, "supervised_loss"):
        return policy.supervised_loss(tokens, start, P, targets)
    logits, _ = policy(tokens[:, :-1], start)  # (B, T-1, V)
    logits = logits[:, P - 1:]  # (B, L, V): column P-1+j predicts target token j
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1),
                           ignore_index=-1)


def warmup_step(policy, optimizer: torch.optim.Optimizer, problems: Sequence[Problem],
                max_grad_norm: float = 1.0) -> dict[str, float]:
    """One supervised update; returns the loss and the gradient norm before clipping."""
    policy.train()
    loss = supervised_loss(policy, problems)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(policy.parameters(), max_grad_norm)
    optimizer.step()
    return {"losses/sft_loss": loss.item(), "losses/grad_norm": float(grad_norm),
            **getattr(policy, "supervision_metrics", {})}  # a policy's own per-step figures

