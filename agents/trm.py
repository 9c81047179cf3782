"""A tiny recursive model (TRM) as a character-level policy.

After "Less is More: Recursive Reasoning with Tiny Networks" (Jolicoeur-Martineau, 2025): one
tiny network, applied over and over, stands in for a deep one. Three states of shape (B, T, C)
run through it: the input embedding x, an answer state y and a latent reasoning state z.

    latent recursion (one *cycle*):   z <- net(x + y + z)   n times   (think)
                                      y <- net(y + z)       once      (revise the answer; no x)
    deep recursion:                   T cycles; the first T-1 under torch.no_grad()
    heads (from y):                   next-token logits, a value, a halting logit

so one forward pass is T * (n + 1) applications of the same ``n_layer``-layer network, of which
only the last n + 1 carry gradients: the effective depth is T * (n + 1) * n_layer layers per
token for the parameters (and training memory) of n_layer.

Design choices, and why:

- The tiny network is causal over the token sequence: ``n_layer`` nanochat blocks (rotary
  positions, QK-norm, ReLU^2 MLP, pluggable attention kernel; reused from ``agents.nanochat``,
  not copied), so the logits at position t depend only on tokens <= t at every recursion step,
  and the model satisfies the ``agents.rollout.Policy`` protocol exactly like the GPT: the same
  warm-up, rollouts and policy-gradient trainers drive it unchanged.
- Each network application ends in a parameter-free RMSNorm, so states keep unit scale however
  often they are fed back (the sums x + y + z would otherwise grow with every pass).
- y and z start from fixed random vectors (buffers, not parameters, as in the paper): with
  T > 1 the first cycle runs without gradients, so learned initial states would never learn.
- Deep supervision (``supervised_loss``, called by ``agents.warmup`` when a policy has one):
  every cycle is a supervision step. The cross-entropy of cycle c's logits is back-propagated
  through cycle c alone (y and z are detached between cycles, as the paper detaches between its
  supervision steps); the per-cycle gradients are summed into one optimiser step, so warm-up
  keeps its one-update-per-batch contract. Every cycle is thus trained to already answer, which
  is what lets inference stop early. The values of the last cycle equal ``forward``'s exactly
  (detaching changes no value), so warm-up and RL train the same function.
- Halting is per sequence: the halting head reads y at the last prompt position, so the
  decision ("enough cycles for this problem") is made before any output is written and then
  holds for every token of that row. Per-token halting would save nothing with a KV cache: a
  later token at a deeper cycle attends to the earlier tokens' keys *at that cycle*, so every
  cycle must be computed at every position anyway. A row that halts keeps its y and z frozen;
  decoding runs only as many cycles as the deepest unfinished row needs, so compute really
  drops when the head says stop. The head is trained during warm-up with a BCE toward "cycle c's
  teacher-forced argmax already equals the whole reference solution" (the paper's halting
  target); policy gradients leave it alone.
- Adaptive depth is off by default (``adaptive_depth = False``): rollouts then run all T cycles,
  which is exactly what ``forward`` scores, so PPO's importance ratio starts at 1. Evaluation
  turns it on (``with policy.adaptive():``) and reads the compute used from ``depth_stats``.
- KV cache: one slot per (cycle, step, layer), i.e. T * (n + 1) * n_layer "virtual layers" of a
  nanochat ``KVCache``; ``tests/test_trm.py`` checks cached decoding against recomputation,
  with and without halting.
- Exploration comes from the trainers (sampling temperature, entropy bonus) and from the logit
  softcap: ``15 * tanh(logits / 15)`` bounds the logits, as in the GPT, so under RL no
  probability reaches exactly 0 or 1. No noise is injected into the recursion: the rollout's
  log-probabilities must be the ones the update recomputes.
- Zero-initialised residual projections, head and value head (as the GPT): the policy starts
  uniform, the halting head starts at "keep thinking" (bias -2).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from agents.nanochat import (
    GPTConfig,
    KVCache,
    add_policy_layers,
    check_allowed_tokens,
    embed_inputs,
    head_logits,
    init_policy_weights,
    norm,
    sample_token,
)
from engram_env.vocab import EOS, PAD, VOCAB_SIZE

SIZES: dict[str, dict[str, int]] = {
    "tiny": {"n_layer": 2, "n_head": 4, "n_kv_head": 4, "n_embd": 176, "T": 3, "n": 2},  # ~0.79M
    "small": {"n_layer": 2, "n_head": 6, "n_kv_head": 6, "n_embd": 348, "T": 3, "n": 4},  # ~3.0M
}


@dataclass
class TRMConfig:
    vocab_size: int = VOCAB_SIZE
    sequence_len: int = 1024  # prompt (<= 512) + output (<= 512): the length of the rotary table
    n_layer: int = 2  # layers of the one tiny network that every recursion step reuses
    n_head: int = 4
    n_kv_head: int = 4
    n_embd: int = 128
    mlp_ratio: int = 4
    T: int = 3  # deep recursion: cycles per forward, the first T-1 without gradients
    n: int = 2  # latent recursion: z updates per cycle, then one y update (paper: 6; CPU: 2)
    softcap: float = 15.0  # logits = softcap * tanh(logits / softcap); 0 turns it off
    attention: str = "softmax"  # a key of agents.attention.ATTENTION
    rope_base: float = 10000.0
    halt_threshold: float = 0.5  # adaptive depth: a row stops once P(halt) exceeds this ...
    halt_min_cycles: int = 1  # ... but never before this many cycles (and never after T)
    halt_loss_weight: float = 0.5  # weight of the halting BCE in the deep-supervision loss
    allowed_tokens: tuple[int, ...] = ()  # the tokens the policy may write; () = all of them

    def __post_init__(self) -> None:
        self.allowed_tokens = check_allowed_tokens(self.allowed_tokens, self.vocab_size)
        for name in ("T", "n"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"TRMConfig.{name} must be a positive integer, got {value!r}")
        if not 1 <= self.halt_min_cycles <= self.T:
            raise ValueError(f"TRMConfig.halt_min_cycles must be in 1..T={self.T}, "
                             f"got {self.halt_min_cycles}")
        if not 0.0 < self.halt_threshold < 1.0:
            raise ValueError(f"TRMConfig.halt_threshold must be in (0, 1), got {self.halt_threshold}")
        if self.halt_loss_weight < 0:
            raise ValueError(f"TRMConfig.halt_loss_weight must be >= 0, got {self.halt_loss_weight}")
        self.block_config()  # the network's own fields are checked by GPTConfig

    def block_config(self, n_layer: int | None = None) -> GPTConfig:
        """The GPT configuration of the tiny network (``n_layer`` overridable, for the cache)."""
        return GPTConfig(vocab_size=self.vocab_size, sequence_len=self.sequence_len,
                         n_layer=self.n_layer if n_layer is None else n_layer,
                         n_head=self.n_head, n_kv_head=self.n_kv_head, n_embd=self.n_embd,
                         mlp_ratio=self.mlp_ratio, softcap=self.softcap,
                         attention=self.attention, rope_base=self.rope_base)

    @property
    def passes(self) -> int:
        """Network applications per forward: T cycles of n z-updates and one y-update."""
        return self.T * (self.n + 1)

    @property
    def layers_per_token(self) -> int:
        """Layers applied per token by a full-depth forward."""
        return self.passes * self.n_layer

    @classmethod
    def preset(cls, size: str, **overrides) -> TRMConfig:
        """A named size (``tiny`` ~0.8M parameters, ``small`` ~3M: the GPT presets' counts)."""
        if size not in SIZES:
            raise ValueError(f"unknown model size {size!r}; known: {sorted(SIZES)}")
        return cls(**{**SIZES[size], **overrides})


class _PassCache:
    """The slice of a shared ``KVCache`` that one network application writes its layers into."""

    def __init__(self, cache: KVCache, offset: int) -> None:
        self.cache, self.offset = cache, offset

    def insert(self, layer: int, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        return self.cache.insert(self.offset + layer, k, v)


class TRM(nn.Module):
    """The policy: ``forward(idx, start) -> (logits (B, T, V), values (B, T))``; batched sampling.

    ``supervised_loss`` is the deep-supervision hook ``agents.warmup`` calls; ``generate`` decodes
    with a KV cache and, with ``adaptive_depth``, stops recursing when the halting head says so.
    """

    def __init__(self, config: TRMConfig) -> None:
        super().__init__()
        self.config = config
        add_policy_layers(self, config, config.block_config())
        self.halt_head = nn.Linear(config.n_embd, 1)
        self.register_buffer("y_init", torch.zeros(config.n_embd))  # fixed, saved with the model
        self.register_buffer("z_init", torch.zeros(config.n_embd))
        self.adaptive_depth = False  # generate(): halt per row when the head says so
        self.reset_depth_stats()
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        init_policy_weights(self)
        nn.init.zeros_(self.halt_head.weight)
        nn.init.constant_(self.halt_head.bias, -2.0)  # P(halt) = 0.12: think fully until taught
        self.y_init.copy_(norm(torch.randn(self.config.n_embd)))
        self.z_init.copy_(norm(torch.randn(self.config.n_embd)))

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # -- the recursion --------------------------------------------------------------------------

    def _context(self, idx: Tensor, start: Tensor | None, cache: KVCache | None):
        """Input embedding x (B, T, C) and what every network application shares."""
        x, tables = embed_inputs(self, idx, start, cache)
        return x, (*tables, cache)

    def _initial_states(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return self.y_init.expand_as(x), self.z_init.expand_as(x)  # (B, T, C) each

    def _net(self, h: Tensor, ctx, index: int) -> Tensor:
        """Application number ``index`` (0 .. T*(n+1)-1) of the tiny network: (B, T, C) -> same."""
        cos, sin, mask, cache = ctx
        view = _PassCache(cache, index * self.config.n_layer) if cache is not None else None
        for block in self.blocks:
            h = block(h, cos, sin, mask, view)
        return norm(h)

    def _cycle(self, x: Tensor, y: Tensor, z: Tensor, ctx, c: int) -> tuple[Tensor, Tensor]:
        """Latent recursion, cycle c: n updates of z from (x, y, z), then one of y from (y, z)."""
        n = self.config.n
        for s in range(n):
            z = self._net(x + y + z, ctx, c * (n + 1) + s)
        y = self._net(y + z, ctx, c * (n + 1) + n)
        return y, z

    def _recurse(self, x: Tensor, ctx, depth: Tensor | None) -> Tensor:
        """Answer state y after the deep recursion; cycles before the last run without gradients.

        ``depth`` (B,) gives each row its own number of cycles (its y and z freeze after it).
        """
        cycles = self.config.T if depth is None else int(depth.max())
        y, z = self._initial_states(x)
        for c in range(cycles):
            with torch.set_grad_enabled(torch.is_grad_enabled() and c == cycles - 1):
                y_new, z_new = self._cycle(x, y, z, ctx, c)
                if depth is not None and bool((depth <= c).any()):
                    going = (depth > c)[:, None, None]  # (B, 1, 1)
                    y_new, z_new = torch.where(going, y_new, y), torch.where(going, z_new, z)
            y, z = y_new, z_new
        return y

    def _logits(self, y: Tensor) -> Tensor:
        return head_logits(self.lm_head(y), self.config.softcap, self.allowed)  # (B, T, V)

    def forward(self, idx: Tensor, start: Tensor | None = None, cache: KVCache | None = None, *,
                depth: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Logits (B, T, V) and values (B, T) from the answer state after the deep recursion.

        ``depth`` (B,) runs row b for ``depth[b]`` cycles instead of T (adaptive-depth scoring;
        only rows that run the last cycle, ``depth == depth.max()``, get gradients).
        """
        x, ctx = self._context(idx, start, cache)
        y = self._recurse(x, ctx, depth)
        if cache is not None:
            cache.pos += idx.size(1)
        return self._logits(y), self.value_head(y).squeeze(-1).float()

    def halt_logits(self, y: Tensor) -> Tensor:
        """Halting logit of each position's answer state: (B, T, C) -> (B, T)."""
        return self.halt_head(y).squeeze(-1).float()

    @torch.no_grad()
    def halting_probabilities(self, prompts: Tensor, start: Tensor | None = None) -> Tensor:
        """P(halt) after each of the T cycles at the last prompt position: (B, T)."""
        x, ctx = self._context(prompts, start, None)
        y, z = self._initial_states(x)
        out = []
        for c in range(self.config.T):
            y, z = self._cycle(x, y, z, ctx, c)
            out.append(torch.sigmoid(self.halt_logits(y[:, -1:])[:, 0]))
        return torch.stack(out, dim=1)

    # -- deep supervision -----------------------------------------------------------------------

    def supervised_loss(self, tokens: Tensor, start: Tensor, prompt_len: int,
                        targets: Tensor) -> Tensor:
        """Deep-supervision loss of teacher-forced reference solutions (``agents.warmup``'s hook).

        tokens (B, P + L) and targets (B, L) (-1 beyond each target) as made by
        ``agents.warmup.teacher_forcing_batch``. Each cycle is one supervision step: its
        cross-entropy plus ``halt_loss_weight`` x BCE(halting logit at the last prompt position,
        "this cycle's argmax gets the whole target right"), back-propagated through that cycle
        only. Returns the mean over cycles; per-cycle figures go to ``supervision_metrics``.
        """
        P, cfg = prompt_len, self.config
        x, ctx = self._context(tokens[:, :-1], start, None)
        y, z = self._initial_states(x)
        valid = targets >= 0  # (B, L)
        total = x.new_zeros(())
        metrics: dict[str, float] = {}
        for c in range(cfg.T):
            y, z = self._cycle(x, y, z, ctx, c)
            logits = self._logits(y[:, P - 1:])  # (B, L, V): column P-1+j predicts target j
            ce = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1),
                                 ignore_index=-1)
            with torch.no_grad():
                hit = logits.argmax(-1) == targets  # (B, L)
                solved = (hit | ~valid).all(-1).float()  # (B,)
            halt = self.halt_logits(y[:, P - 1:P])[:, 0]  # (B,)
            halt_loss = F.binary_cross_entropy_with_logits(halt, solved)
            total = total + ce + cfg.halt_loss_weight * halt_loss
            metrics[f"trm/ce_cycle{c + 1}"] = ce.item()
            metrics[f"trm/token_acc_cycle{c + 1}"] = (hit & valid).sum().item() / max(1, int(valid.sum()))
            metrics[f"trm/solved_cycle{c + 1}"] = solved.mean().item()
            metrics[f"trm/halt_acc_cycle{c + 1}"] = ((halt > 0).float() == solved).float().mean().item()
            y, z = y.detach(), z.detach()  # the next supervision step starts from these values
        self.supervision_metrics = metrics
        return total / cfg.T

    # -- decoding -------------------------------------------------------------------------------

    @contextmanager
    def adaptive(self, on: bool = True):
        """``with policy.adaptive(): ...`` decodes with halting (and restores the previous mode)."""
        previous, self.adaptive_depth = self.adaptive_depth, on
        try:
            yield self
        finally:
            self.adaptive_depth = previous

    def reset_depth_stats(self) -> None:
        self.depth_stats = {"sequences": 0, "cycles": 0, "tokens": 0, "token_cycles": 0}

    def effective_depth(self) -> dict[str, float]:
        """Compute ``generate`` used since ``reset_depth_stats``.

        ``cycles``: mean cycles per sequence (T without halting); ``layers_per_token``: mean
        layers applied per written token, cycles x (n + 1) x n_layer (T x (n + 1) x n_layer at
        full depth, which is ``full_layers_per_token``).
        """
        s, cfg = self.depth_stats, self.config
        return {
            "cycles": s["cycles"] / max(1, s["sequences"]),
            "layers_per_token": (cfg.n + 1) * cfg.n_layer * s["token_cycles"] / max(1, s["tokens"]),
            "full_layers_per_token": float(cfg.layers_per_token),
        }

    @torch.no_grad()
    def _decide_depth(self, x: Tensor, ctx, adaptive: bool) -> tuple[Tensor, Tensor]:
        """Run the prompt cycle by cycle; return y (B, P, C) and each row's depth (B,).

        A row halts after cycle c (c >= halt_min_cycles) once P(halt) at its last prompt
        position exceeds the threshold; cycles stop when every row has halted.
        """
        cfg = self.config
        B = x.size(0)
        depth = torch.full((B,), cfg.T, dtype=torch.long, device=x.device)
        halted = torch.zeros(B, dtype=torch.bool, device=x.device)
        y, z = self._initial_states(x)
        for c in range(cfg.T):
            y_new, z_new = self._cycle(x, y, z, ctx, c)
            going = (~halted)[:, None, None]
            y, z = torch.where(going, y_new, y), torch.where(going, z_new, z)
            if adaptive and cfg.halt_min_cycles <= c + 1 < cfg.T:
                p_halt = torch.sigmoid(self.halt_logits(y[:, -1:])[:, 0])  # (B,)
                stop = ~halted & (p_halt > cfg.halt_threshold)
                depth[stop] = c + 1
                halted |= stop
                if bool(halted.all()):
                    break
        return y, depth

    @torch.no_grad()
    def generate(self, prompts: Tensor, start: Tensor, max_new_tokens: int, *,
                 temperature: float = 1.0, generator: torch.Generator | None = None,
                 return_logits: bool = False, return_depth: bool = False):
        """Sample completions of left-padded ``prompts`` (B, P) for the whole batch at once.

        Returns tokens (B, L), L <= max_new_tokens: each row stops at its ``<eos>`` and is
        ``<pad>`` after it. With ``return_logits`` also the logits each token was sampled from
        (B, L, V); with ``return_depth`` also each row's cycles (B,). With ``adaptive_depth``
        a row's depth is set by the halting head on its prompt, otherwise it is T.
        """
        cfg = self.config
        B, P = prompts.shape
        cache = KVCache(cfg.block_config(n_layer=cfg.layers_per_token), B, P + max_new_tokens,
                        device=prompts.device)
        x, ctx = self._context(prompts, start, cache)
        y, depth = self._decide_depth(x, ctx, self.adaptive_depth)
        cache.pos += P
        logits = self._logits(y[:, -1])  # (B, V)
        out = torch.full((B, max_new_tokens), PAD, dtype=torch.long, device=prompts.device)
        seen = [] if return_logits else None
        done = torch.zeros(B, dtype=torch.bool, device=prompts.device)
        length = max_new_tokens
        token_cycles = tokens = 0
        for t in range(max_new_tokens):
            if return_logits:
                seen.append(logits)
            token = sample_token(logits, temperature, generator)
            token = torch.where(done, PAD, token)
            out[:, t] = token
            live = ~done
            tokens += int(live.sum())
            token_cycles += int(depth[live].sum())
            done |= token == EOS
            if bool(done.all()) or t == max_new_tokens - 1:
                length = t + 1
                break
            # every row still writing needs its own depth; finished rows need nothing more
            row_depth = torch.where(done, torch.ones_like(depth), depth)
            x, ctx = self._context(token[:, None], start, cache)
            y = self._recurse(x, ctx, row_depth)
            cache.pos += 1
            logits = self._logits(y[:, -1])
        stats = self.depth_stats
        stats["sequences"] += B
        stats["cycles"] += int(depth.sum())
        stats["tokens"] += tokens
        stats["token_cycles"] += token_cycles
        result = (out[:, :length],)
        if return_logits:
            result += (torch.stack(seen, dim=1),)
        if return_depth:
            result += (depth,)
        return result if len(result) > 1 else result[0]

    def describe(self) -> dict:
        return {"class": type(self).__name__, "params": self.num_params(),
                "effective_depth": self.config.layers_per_token, **asdict(self.config)}


def count_params(config: TRMConfig) -> int:
    """Parameters of ``TRM(config)`` (built and counted: milliseconds at these sizes)."""
    return TRM(config).num_params()


def config_like(params: int, **fields) -> TRMConfig:
    """The ``TRMConfig`` (other fields as given) whose width brings its parameter count closest
    to ``params``, for comparisons at equal parameter count. Widths step by 2 x n_head (an even
    head size, for rotary); the count grows with the width, so the search stops once past."""
    base = TRMConfig(**fields)
    step = 2 * base.n_head
    best, best_gap = base, None
    for width in range(step, 8192 + 1, step):
        config = replace(base, n_embd=width)
        count = count_params(config)
        if best_gap is None or abs(count - params) < best_gap:
            best, best_gap = config, abs(count - params)
        if count >= params:
            break
    return best


def load_policy(config, checkpoint: dict | None = None) -> TRM:
    """A fresh ``TRM`` from a checkpoint's config (a ``TRMConfig`` or its ``asdict``); the caller
    loads the weights. The hook ``agents.evaluation`` uses for the ``trm`` agent kind."""
    return TRM(config if isinstance(config, TRMConfig) else TRMConfig(**config))
