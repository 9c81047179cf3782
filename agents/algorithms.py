"""Policy-gradient trainers that use the env's per-step rewards: REINFORCE, GRPO and PPO.

All three see the same data (``agents.rollout.Rollout``): B sampled solutions, each token's
reward from the env (0.5/K for a correct step, 0.5 for a correct answer, paid at the token that
closes the segment), and each token's reward slot. The return is undiscounted and bounded by 1.

**REINFORCE with a baseline.** A token's advantage is its return-to-go (the reward of its own
segment and all later ones) minus a baseline for the segment it is in: b[k] is a running mean
(EMA over updates) of the return-to-go in segment k. The baseline is a function of the state
(how many ``<step>`` tokens were written so far), never of the token chosen, so the gradient
stays unbiased; it is updated *after* the batch that it scored (the first batch to reach a
segment uses its own mean there). One gradient step per batch.

**GRPO, step level.** Each problem is sampled G times. For every reward slot s (reference step
i, the answer) the group's rewards are centred: d[a, s] = r[a, s] - mean over the group's
attempts of r[., s]; an attempt that never closed slot s has r = 0 there. The deviations are
scaled by the group's root-mean-square per attempt, sqrt(mean_a sum_s d[a, s]^2), and a token's
advantage is the sum of the scaled deviations of the slots closed at or after it (a missed slot
counts at the attempt's last token). The first token's advantage is therefore the usual
outcome-level GRPO advantage (return minus group mean, scaled), while a token only gets credit
for the steps after it: a wrong step 2 does not blame the correct step 1 shared by the group.
As in nanochat, this is REINFORCE with a group-mean baseline: one on-policy step per batch, no
ratio clipping, no KL term. (The RMS scale rather than the return's std: two attempts can have
equal returns yet differ slot by slot, where a std of 0 would divide by zero.)

**PPO** with a value head (CleanRL's recipe at the token level): GAE(gamma, lambda) over
tokens from the per-token rewards and the policy's value estimates, advantages normalised per
batch, clipped ratio objective, value regression, several epochs of minibatches.

Pitfalls, and what is done about each:

- *Early <eos>*: an attempt that stops before writing its steps has not closed their slots.
  REINFORCE and PPO see a lower return-to-go than the baseline / value predicts, so its
  ``<eos>`` token and everything before it are pushed down; step GRPO charges each missed slot's
  negative deviation to all of its tokens. Rollouts are graded on exactly the tokens the env
  consumed (through ``<eos>``); nothing after ``<eos>`` carries gradient. An attempt that never
  writes ``<eos>`` runs into the sampling budget and is scored as unfinished (answer wrong).
- *Groups whose samples all agree* (all right or all wrong on every slot): every deviation is
  0, so they contribute no gradient, and no division by a zero spread happens. Their share is
  logged as ``charts/groups_all_agree``; the loss is a mean over all tokens of the batch, so
  such groups also dilute the step (a constant normaliser, as in Dr. GRPO, not a per-sequence
  mean that favours short answers). They are not resampled (DAPO's dynamic sampling doubles
  the CPU cost of a batch). A group that agrees because the policy is confidently wrong can
  be *branched* instead (``train.py --branch``, ``agents.rollout.branch_agreeing_groups``):
  its other attempts try other tokens at the one that ended the episode, graded by the env,
  so the group has something to compare exactly where it fails. This is what takes GRPO from
  scratch past the ``<step>`` of ``copy``, where an entropy bonus (0.02, 0.05) and uniform
  exploration mixed into sampling (10%, with or without importance weights) did not. The
  branched tokens are not the policy's samples: a deliberate bias toward what the env
  rewards, paid only where a group has no gradient anyway.
- *Entropy collapse*: rollouts sample from the full distribution (no top-k) at temperature 1
  by default (at another temperature the log-probabilities are taken at that temperature, so
  the update stays on-policy for the distribution that sampled),
  the logit softcap keeps every probability off 0 and 1, entropy is logged every update
  (``losses/entropy``), and ``ent_coef`` adds an entropy bonus when a run needs it. PPO's ratio
  clipping also limits how far one batch moves the policy.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from agents.rollout import Rollout, completion_logprobs
from engram_env.vocab import STEP

ALGORITHMS = ("reinforce", "grpo", "ppo")
MAX_SEGMENTS = 64  # REINFORCE baseline entries; later segments share the last one


@dataclass
class RLConfig:
    algorithm: str = "grpo"  # one of ALGORITHMS
    batch_size: int = 64  # attempts per update (problems per update = batch_size / group_size)
    group_size: int = 8  # attempts per problem; GRPO needs >= 2, the others work with 1
    learning_rate: float = 3e-5  # fine-tuning a warmed-up policy; RL from scratch wants ~1e-3
    temperature: float = 1.0  # rollout sampling temperature (1 = the policy itself)
    ent_coef: float = 0.0  # entropy bonus
    max_grad_norm: float = 1.0
    baseline_momentum: float = 0.9  # REINFORCE: EMA factor of the per-segment baseline
    # PPO only
    update_epochs: int = 2
    num_minibatches: int = 2
    clip_coef: float = 0.2
    vf_coef: float = 0.5
    gamma: float = 1.0  # per token; 1 = the undiscounted episodic return
    gae_lambda: float = 0.95
    norm_adv: bool = True

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {self.algorithm!r}; known: {ALGORITHMS}")
        if self.batch_size < 1 or self.group_size < 1:
            raise ValueError(f"batch_size and group_size must be >= 1, got {self.batch_size}, "
                             f"{self.group_size}")
        if self.batch_size % self.group_size:
            raise ValueError(f"batch_size ({self.batch_size}) must be a multiple of group_size "
                             f"({self.group_size})")
        if self.algorithm == "grpo" and self.group_size < 2:
            raise ValueError("GRPO compares attempts at the same problem: group_size must be >= 2, "
                             f"got {self.group_size}")
        if self.algorithm == "ppo":
            if self.update_epochs < 1 or self.num_minibatches < 1:
                raise ValueError("PPO needs update_epochs >= 1 and num_minibatches >= 1")
            if self.batch_size % self.num_minibatches:
                raise ValueError(f"batch_size ({self.batch_size}) must be a multiple of "
                                 f"num_minibatches ({self.num_minibatches})")
        if self.temperature <= 0:
            raise ValueError(f"temperature must be > 0 for on-policy sampling, got {self.temperature}")
        if not 0 <= self.baseline_momentum < 1:
            raise ValueError(f"baseline_momentum must be in [0, 1), got {self.baseline_momentum}")
        if self.learning_rate <= 0 or self.max_grad_norm <= 0:
            raise ValueError("learning_rate and max_grad_norm must be > 0")

    @property
    def problems_per_batch(self) -> int:
        return self.batch_size // self.group_size


# -- advantages (pure functions of a rollout's tensors) ----------------------------------------


def reverse_cumsum(x: Tensor) -> Tensor:
    """out[:, j] = x[:, j:].sum(-1)."""
    return x.flip(-1).cumsum(-1).flip(-1)


def segment_index(actions: Tensor) -> Tensor:
    """(B, L): how many ``<step>`` tokens come before each token (its segment, from 0)."""
    steps = (actions == STEP).long()
    return steps.cumsum(-1) - steps


def grpo_advantages(rewards: Tensor, slots: Tensor, mask: Tensor, group_size: int,
                    eps: float = 1e-6) -> tuple[Tensor, Tensor]:
    """Step-level group-relative advantages (see the module docstring) and the agreeing groups.

    rewards, slots, mask: (B, L) with B = groups x group_size, attempts of a group adjacent.
    Returns advantages (B, L) (0 outside ``mask``) and a (B / group_size,) bool tensor that is
    True for groups whose attempts all agree on every slot.
    """
    B, L = rewards.shape
    S = int(slots.max().clamp(min=0)) + 1
    valid = (slots >= 0) & mask
    index = torch.where(valid, slots, torch.full_like(slots, S))  # invalid -> dummy column S
    r = torch.zeros(B, S + 1, dtype=rewards.dtype, device=rewards.device)
    r.scatter_add_(1, index, torch.where(valid, rewards, torch.zeros_like(rewards)))
    last = (mask.long().sum(-1) - 1).clamp(min=0)  # (B,) the attempt's last token
    where = last[:, None].repeat(1, S + 1)  # missed slots count at the last token
    positions = torch.arange(L, device=rewards.device).expand(B, L)
    where.scatter_(1, index, torch.where(valid, positions, last[:, None].expand(B, L)))
    r, where = r[:, :S].view(-1, group_size, S), where[:, :S]
    d = r - r.mean(1, keepdim=True)  # (groups, G, S)
    scale = d.square().sum(-1).mean(1).sqrt()  # (groups,)
    agree = scale < eps
    d = torch.where(agree[:, None, None], torch.zeros_like(d), d / scale.clamp(min=eps)[:, None, None])
    events = torch.zeros(B, L, dtype=rewards.dtype, device=rewards.device)
    events.scatter_add_(1, where, d.reshape(B, S))
    return reverse_cumsum(events) * mask, agree


def gae(rewards: Tensor, values: Tensor, mask: Tensor, gamma: float, lam: float) -> Tensor:
    """Generalised advantage estimates over tokens; the episode ends at the last masked token."""
    B, L = rewards.shape
    adv = torch.zeros_like(rewards)
    next_adv = torch.zeros(B, dtype=rewards.dtype, device=rewards.device)
    next_value = torch.zeros(B, dtype=rewards.dtype, device=rewards.device)
    for j in reversed(range(L)):
        live = mask[:, j + 1].to(rewards.dtype) if j + 1 < L else torch.zeros_like(next_value)
        delta = rewards[:, j] + gamma * next_value * live - values[:, j]
        next_adv = delta + gamma * lam * next_adv * live
        adv[:, j] = next_adv
        next_value = values[:, j]
    return adv * mask


# -- the trainer -------------------------------------------------------------------------------


@dataclass
class Prepared:
    """A rollout with what the loss needs, fixed before the update starts."""

    rollout: Rollout
    advantages: Tensor  # (B, L)
    old_logp: Tensor | None = None  # PPO
    returns: Tensor | None = None  # PPO value targets (B, L)


class PolicyGradient:
    """One algorithm's update rule around a policy and its optimizer."""

    def __init__(self, policy, optimizer: torch.optim.Optimizer, config: RLConfig) -> None:
        self.policy, self.optimizer, self.config = policy, optimizer, config
        self.baseline = torch.zeros(MAX_SEGMENTS)  # REINFORCE, per segment
        self.baseline_seen = torch.zeros(MAX_SEGMENTS, dtype=torch.bool)

    # -- advantages --------------------------------------------------------------------------

    def prepare(self, rollout: Rollout) -> tuple[Prepared, dict[str, float]]:
        algo, stats = self.config.algorithm, {}
        mask = rollout.mask
        if algo == "reinforce":
            togo = reverse_cumsum(rollout.rewards * mask)
            segment = segment_index(rollout.actions).clamp(max=MAX_SEGMENTS - 1).cpu()
            baseline = torch.where(self.baseline_seen, self.baseline,
                                   self._segment_means(togo, segment, mask))
            adv = (togo - baseline.to(togo.device)[segment.to(togo.device)]) * mask
            self._update_baseline(togo, segment, mask)
            return Prepared(rollout, adv), stats
        if algo == "grpo":
            adv, agree = grpo_advantages(rollout.rewards, rollout.slots, mask, self.config.group_size)
            stats["charts/groups_all_agree"] = agree.float().mean().item()
            return Prepared(rollout, adv), stats
        with torch.no_grad():  # ppo
            old_logp, _, values = completion_logprobs(self.policy, rollout.tokens, rollout.start,
                                                      rollout.prompt_len, rollout.actions,
                                                      self.config.temperature)
        if values is None:
            raise ValueError("PPO needs a policy whose forward returns values (a value head)")
        adv = gae(rollout.rewards, values, mask, self.config.gamma, self.config.gae_lambda)
        stats["losses/explained_variance"] = _explained_variance(values, adv + values, mask)
        return Prepared(rollout, adv, old_logp, (adv + values) * mask), stats

    def _segment_means(self, togo: Tensor, segment: Tensor, mask: Tensor) -> Tensor:
        sums = torch.zeros(MAX_SEGMENTS).index_add_(0, segment[mask.cpu()], togo[mask].float().cpu())
        counts = torch.zeros(MAX_SEGMENTS).index_add_(0, segment[mask.cpu()],
                                                      torch.ones(int(mask.sum())))
        return sums / counts.clamp(min=1)

    def _update_baseline(self, togo: Tensor, segment: Tensor, mask: Tensor) -> None:
        present = torch.zeros(MAX_SEGMENTS, dtype=torch.bool)
        present[segment[mask.cpu()]] = True
        means = self._segment_means(togo, segment, mask)
        m = self.config.baseline_momentum
        blended = torch.where(self.baseline_seen, m * self.baseline + (1 - m) * means, means)
        self.baseline = torch.where(present, blended, self.baseline)
        self.baseline_seen |= present

    # -- loss and update ---------------------------------------------------------------------

    def loss(self, prepared: Prepared, rows: Tensor | None = None) -> tuple[Tensor, dict[str, float]]:
        """The algorithm's loss on ``rows`` of the batch (all rows by default)."""
        r = prepared.rollout
        rows = torch.arange(r.actions.size(0), device=r.actions.device) if rows is None else rows
        mask = r.mask[rows]
        n = mask.sum().clamp(min=1)
        logp, entropy, values = completion_logprobs(self.policy, r.tokens[rows], r.start[rows],
                                                    r.prompt_len, r.actions[rows],
                                                    self.config.temperature)
        adv = prepared.advantages[rows]
        entropy_mean = (entropy * mask).sum() / n
        metrics: dict[str, float] = {}
        if self.config.algorithm == "ppo":
            if self.config.norm_adv:
                mean = (adv * mask).sum() / n
                std = (((adv - mean) * mask).square().sum() / n).sqrt()
                adv = (adv - mean) / (std + 1e-8)
            log_ratio = logp - prepared.old_logp[rows]
            ratio = log_ratio.exp()
            clip = self.config.clip_coef
            pg = torch.max(-adv * ratio, -adv * ratio.clamp(1 - clip, 1 + clip))
            pg_loss = (pg * mask).sum() / n
            v_loss = 0.5 * ((values - prepared.returns[rows]).square() * mask).sum() / n
            loss = pg_loss - self.config.ent_coef * entropy_mean + self.config.vf_coef * v_loss
            with torch.no_grad():
                metrics["losses/approx_kl"] = (((ratio - 1) - log_ratio) * mask).sum().item() / n.item()
                metrics["losses/clipfrac"] = ((((ratio - 1).abs() > clip) & mask).sum() / n).item()
                metrics["losses/value_loss"] = v_loss.item()
        else:
            pg_loss = -(adv * logp * mask).sum() / n
            loss = pg_loss - self.config.ent_coef * entropy_mean
        metrics["losses/policy_loss"] = pg_loss.item()
        metrics["losses/entropy"] = entropy_mean.item()
        metrics["losses/loss"] = loss.item()
        return loss, metrics

    def update(self, rollout: Rollout) -> dict[str, float]:
        """Prepare the batch and take the algorithm's gradient steps; return mean metrics."""
        self.policy.train()
        prepared, stats = self.prepare(rollout)
        return {**self.step(prepared), **stats}

    def step(self, prepared: Prepared) -> dict[str, float]:
        """The gradient steps on a prepared batch: one, or PPO's epochs x minibatches."""
        rollout = prepared.rollout
        B = rollout.actions.size(0)
        if self.config.algorithm == "ppo":
            epochs, minibatches = self.config.update_epochs, self.config.num_minibatches
        else:
            epochs, minibatches = 1, 1  # one on-policy step
        sums: dict[str, float] = {}
        count = 0
        for _ in range(epochs):
            if minibatches > 1:
                order = torch.randperm(B, device=rollout.actions.device)
                batches = list(order.view(minibatches, -1))
            else:
                batches = [None]
            for rows in batches:
                loss, metrics = self.loss(prepared, rows)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                metrics["losses/grad_norm"] = float(torch.nn.utils.clip_grad_norm_(
                    self.policy.parameters(), self.config.max_grad_norm))
                self.optimizer.step()
                for k, v in metrics.items():
                    sums[k] = sums.get(k, 0.0) + v
                count += 1
        adv = prepared.advantages[rollout.mask]
        sums["charts/advantage_abs_mean"] = count * (adv.abs().mean().item() if adv.numel() else 0.0)
        return {k: v / count for k, v in sums.items()}

    def state_dict(self) -> dict:
        return {"baseline": self.baseline.clone(), "baseline_seen": self.baseline_seen.clone()}

    def load_state_dict(self, state: dict) -> None:
        self.baseline = state["baseline"].clone()
        self.baseline_seen = state["baseline_seen"].clone()


def _explained_variance(values: Tensor, returns: Tensor, mask: Tensor) -> float:
    y, p = returns[mask], values[mask]
    var = y.var() if y.numel() > 1 else torch.tensor(0.0)
    return float("nan") if var == 0 else float(1 - (y - p).var() / var)
