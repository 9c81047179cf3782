"""A small character-level GPT policy in the nanochat style.

Design choices, each as in Karpathy's nanochat unless said otherwise, and why:

- Rotary position embeddings (no learned positions): attention depends only on relative
  offsets, so left-padding a batch of prompts of different lengths changes nothing but the
  mask, and KV-cache decoding needs no position bookkeeping beyond a counter.
- QK-norm (RMS-normalised queries and keys, after rotary) and parameter-free RMSNorm before
  every block and the head: stable without warm-up tricks at the high learning rates that tiny
  models on a CPU budget want.
- ReLU-squared MLP, no biases, untied input and output embeddings.
- Logit softcap ``15 * tanh(logits / 15)``: bounds the logits, so no token's probability can
  collapse to exactly 0 or 1 under RL, which keeps the policy gradient and entropy finite.
- Zero-initialised output projections and head: the network starts as the identity on the
  residual stream and the policy starts uniform over the 135 tokens (maximal entropy), a
  sensible start for RL from scratch.
- Optional output alphabet (``allowed_tokens``): tokens outside it get a logit of -1e4, so
  probability exactly 0 in sampling, log-probabilities and entropy alike (not nanochat's; the
  lever for RL from scratch, where a uniform start over 135 tokens rarely writes a useful one).
  It is part of the config, so a checkpoint keeps the alphabet it was trained with.
- A scalar value head on the final hidden state (zero-initialised, used by PPO only; the other
  algorithms ignore it). It shares the trunk, so the value loss shapes the features too.
- Attention is a pluggable kernel (``agents.attention.ATTENTION``); the block around it owns
  projections, rotary, QK-norm, mask and cache. ``"relative"`` adds a learned bias per token
  distance, the inductive bias that lets RL from scratch find "copy the token k back".
- Plain AdamW is used by the trainers rather than nanochat's Muon: at 1-3M parameters and a few
  hundred updates the difference is small, and AdamW's state is trivially checkpointed. Like
  nanochat, the embeddings may train at a higher rate than the matrices (``agents.optim``).

A batch of prompts is left-padded to a common length; ``start[b]`` is the first real position
of row b. Every query attends to the causal keys at or after ``start[b]`` (and always to
itself, so a padding row never attends to nothing). Sampling keeps a KV cache and decodes the
whole batch together; ``tests/test_nanochat.py`` checks it against full recomputation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from agents.attention import ATTENTION
from engram_env.vocab import EOS, PAD, VOCAB_SIZE

SIZES: dict[str, dict[str, int]] = {
    "tiny": dict(n_layer=4, n_head=4, n_kv_head=4, n_embd=128),  # ~0.8M parameters
    "small": dict(n_layer=7, n_head=6, n_kv_head=6, n_embd=192),  # ~3.2M parameters
}


@dataclass
class GPTConfig:
    vocab_size: int = VOCAB_SIZE
    sequence_len: int = 1024  # prompt (<= 512) + output (<= 512): the length of the rotary table
    n_layer: int = 4
    n_head: int = 4
    n_kv_head: int = 4  # fewer than n_head: grouped-query attention, a smaller KV cache
    n_embd: int = 128
    mlp_ratio: int = 4
    softcap: float = 15.0  # logits = softcap * tanh(logits / softcap); 0 turns it off
    attention: str = "softmax"  # a key of agents.attention.ATTENTION
    rope_base: float = 10000.0
    allowed_tokens: tuple[int, ...] = ()  # the tokens the policy may write; () = all of them

    def __post_init__(self) -> None:
        self.allowed_tokens = check_allowed_tokens(self.allowed_tokens, self.vocab_size)
        for name in ("vocab_size", "sequence_len", "n_layer", "n_head", "n_kv_head", "n_embd",
                     "mlp_ratio"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"GPTConfig.{name} must be a positive integer, got {value!r}")
        if self.n_embd % self.n_head:
            raise ValueError(f"GPTConfig: n_embd ({self.n_embd}) must be divisible by n_head "
                             f"({self.n_head})")
        if (self.n_embd // self.n_head) % 2:
            raise ValueError(f"GPTConfig: the head size n_embd/n_head = {self.n_embd // self.n_head}"
                             " must be even for rotary embeddings")
        if self.n_kv_head > self.n_head or self.n_head % self.n_kv_head:
            raise ValueError(f"GPTConfig: n_kv_head ({self.n_kv_head}) must divide n_head "
                             f"({self.n_head})")
        if self.attention not in ATTENTION:
            raise ValueError(f"GPTConfig: unknown attention {self.attention!r}; "
                             f"known: {sorted(ATTENTION)}")
        if self.softcap < 0:
            raise ValueError(f"GPTConfig.softcap must be >= 0 (0 = off), got {self.softcap}")

    @classmethod
    def preset(cls, size: str, **overrides) -> GPTConfig:
        """A named size (``tiny`` ~1M parameters, ``small`` ~3M) with optional overrides."""
        if size not in SIZES:
            raise ValueError(f"unknown model size {size!r}; known: {sorted(SIZES)}")
        return cls(**{**SIZES[size], **overrides})


MASKED_LOGIT = -1e4  # exp() is exactly 0 in float32; log-probabilities stay finite


def check_allowed_tokens(tokens, vocab_size: int) -> tuple[int, ...]:
    """``tokens`` as a sorted tuple of ids, checked: in range, and ``<eos>`` among them."""
    tokens = tuple(sorted(set(tokens)))
    bad = [t for t in tokens if not isinstance(t, int) or not 0 <= t < vocab_size]
    if bad:
        raise ValueError(f"allowed_tokens must be token ids in 0..{vocab_size - 1}, got {bad}")
    if tokens and EOS not in tokens:
        raise ValueError(f"allowed_tokens must include <eos> (id {EOS}) so that episodes can end")
    return tokens


def allowed_mask(tokens: tuple[int, ...], vocab_size: int) -> Tensor | None:
    """(V,) bool mask of ``tokens``, or None when every token is allowed."""
    if not tokens:
        return None
    mask = torch.zeros(vocab_size, dtype=torch.bool)
    mask[list(tokens)] = True
    return mask


def head_logits(logits: Tensor, softcap: float, allowed: Tensor | None) -> Tensor:
    """The policy's logits from the head's: softcapped, and ``MASKED_LOGIT`` outside ``allowed``."""
    logits = logits.float()
    if softcap:
        logits = softcap * torch.tanh(logits / softcap)
    if allowed is not None:
        logits = logits.masked_fill(~allowed, MASKED_LOGIT)
    return logits


def norm(x: Tensor) -> Tensor:
    """Parameter-free RMSNorm over the last dimension."""
    return F.rms_norm(x, (x.size(-1),))


def rotary_tables(length: int, head_dim: int, base: float) -> tuple[Tensor, Tensor]:
    """cos and sin of the rotary angles, each (length, head_dim / 2)."""
    inv_freq = 1.0 / base ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)
    angles = torch.outer(torch.arange(length, dtype=torch.float32), inv_freq)
    return angles.cos(), angles.sin()


def apply_rotary(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """Rotate pairs (x1_i, x2_i) of the two halves of the head dimension; x is (B, H, T, D)."""
    d = x.size(-1) // 2
    x1, x2 = x[..., :d], x[..., d:]
    return torch.cat((x1 * cos + x2 * sin, x2 * cos - x1 * sin), dim=-1)


def attention_mask(start: Tensor, first: int, length: int) -> Tensor:
    """(B, 1, length, first + length) bool: causal, no left padding, always the query itself.

    Queries are positions ``first .. first+length-1``, keys positions ``0 .. first+length-1``.
    """
    q = torch.arange(first, first + length, device=start.device)[:, None]  # (Tq, 1)
    k = torch.arange(first + length, device=start.device)[None, :]  # (1, Tk)
    allowed = (k <= q) & (k >= start[:, None, None])  # (B, Tq, Tk)
    return (allowed | (k == q))[:, None]


class KVCache:
    """Keys and values of every layer for a batch, preallocated and filled in place."""

    def __init__(self, config: GPTConfig, batch: int, length: int, dtype=torch.float32,
                 device=None) -> None:
        head_dim = config.n_embd // config.n_head
        shape = (config.n_layer, batch, config.n_kv_head, length, head_dim)
        self.k = torch.zeros(shape, dtype=dtype, device=device)
        self.v = torch.zeros(shape, dtype=dtype, device=device)
        self.pos = 0  # positions filled so far (advanced by the model after its last layer)

    def insert(self, layer: int, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        """Write this layer's new keys/values at ``pos``; return all keys/values so far."""
        end = self.pos + k.size(2)
        if end > self.k.size(3):
            raise ValueError(f"KV cache overflow: {end} positions, room for {self.k.size(3)}")
        self.k[layer, :, :, self.pos:end] = k
        self.v[layer, :, :, self.pos:end] = v
        return self.k[layer, :, :, :end], self.v[layer, :, :, :end]


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig, layer: int) -> None:
        super().__init__()
        self.layer = layer
        self.n_head, self.n_kv_head = config.n_head, config.n_kv_head
        self.head_dim = config.n_embd // config.n_head
        self.c_q = nn.Linear(config.n_embd, self.n_head * self.head_dim, bias=False)
        self.c_k = nn.Linear(config.n_embd, self.n_kv_head * self.head_dim, bias=False)
        self.c_v = nn.Linear(config.n_embd, self.n_kv_head * self.head_dim, bias=False)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=False)
        self.kernel = ATTENTION[config.attention](self.n_head, self.head_dim)

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, mask: Tensor,
                cache: KVCache | None) -> Tensor:
        B, T, C = x.shape
        q = self.c_q(x).view(B, T, self.n_head, self.head_dim).transpose(1, 2)  # (B, H, T, D)
        k = self.c_k(x).view(B, T, self.n_kv_head, self.head_dim).transpose(1, 2)  # (B, Hkv, T, D)
        v = self.c_v(x).view(B, T, self.n_kv_head, self.head_dim).transpose(1, 2)
        q, k = norm(apply_rotary(q, cos, sin)), norm(apply_rotary(k, cos, sin))  # QK-norm
        if cache is not None:
            k, v = cache.insert(self.layer, k, v)  # (B, Hkv, Tk, D)
        y = self.kernel(q, k, v, mask)  # (B, H, T, D)
        return self.c_proj(y.transpose(1, 2).reshape(B, T, C))


class MLP(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, config.mlp_ratio * config.n_embd, bias=False)
        self.c_proj = nn.Linear(config.mlp_ratio * config.n_embd, config.n_embd, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.c_proj(F.relu(self.c_fc(x)).square())


class Block(nn.Module):
    def __init__(self, config: GPTConfig, layer: int) -> None:
        super().__init__()
        self.attn = CausalSelfAttention(config, layer)
        self.mlp = MLP(config)

    def forward(self, x, cos, sin, mask, cache):
        x = x + self.attn(norm(x), cos, sin, mask, cache)
        return x + self.mlp(norm(x))


def add_policy_layers(model: nn.Module, config, block_config: GPTConfig) -> None:
    """Give ``model`` what every policy here is built from: ``wte``, ``blocks`` (of
    ``block_config``), an untied ``lm_head``, a ``value_head``, and the rotary tables and output
    alphabet of ``config`` as buffers (not saved: they follow from the config)."""
    model.wte = nn.Embedding(config.vocab_size, config.n_embd)
    model.blocks = nn.ModuleList(Block(block_config, i) for i in range(block_config.n_layer))
    model.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
    model.value_head = nn.Linear(config.n_embd, 1)
    cos, sin = rotary_tables(config.sequence_len, config.n_embd // config.n_head, config.rope_base)
    model.register_buffer("cos", cos, persistent=False)  # (sequence_len, head_dim / 2)
    model.register_buffer("sin", sin, persistent=False)
    model.register_buffer("allowed", allowed_mask(config.allowed_tokens, config.vocab_size),
                          persistent=False)  # (V,) bool or None


def embed_inputs(model: nn.Module, idx: Tensor, start: Tensor | None,
                 cache: KVCache | None) -> tuple[Tensor, tuple[Tensor, Tensor, Tensor]]:
    """The embedded tokens (B, T, C) of a policy built by ``add_policy_layers`` and what each of
    its blocks needs beside them: the rotary rows of these positions and the attention mask."""
    B, T = idx.shape
    first = cache.pos if cache is not None else 0
    if first + T > model.config.sequence_len:
        raise ValueError(f"sequence of {first + T} tokens is longer than "
                         f"sequence_len={model.config.sequence_len}")
    if start is None:
        start = torch.zeros(B, dtype=torch.long, device=idx.device)
    tables = (model.cos[first:first + T], model.sin[first:first + T],
              attention_mask(start, first, T))
    return norm(model.wte(idx)), tables


@torch.no_grad()
def init_policy_weights(model: nn.Module) -> None:
    """Initialise a policy built from these blocks (``wte``, ``blocks``, ``lm_head``,
    ``value_head``): unit embeddings, fan-in-scaled linears, residual branches closed, and zero
    heads, so a fresh policy is uniform over tokens and predicts zero value."""
    nn.init.normal_(model.wte.weight, std=1.0)
    for module in model.modules():
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, std=module.in_features ** -0.5)
    for block in model.blocks:  # residual branches start closed
        nn.init.zeros_(block.attn.c_proj.weight)
        nn.init.zeros_(block.mlp.c_proj.weight)
    nn.init.zeros_(model.lm_head.weight)  # uniform initial policy
    nn.init.zeros_(model.value_head.weight)
    nn.init.zeros_(model.value_head.bias)


class NanoChat(nn.Module):
    """The policy: ``forward(idx, start) -> (logits (B, T, V), values (B, T))``; batched sampling."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        add_policy_layers(self, config, config)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init_policy_weights(self)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx: Tensor, start: Tensor | None = None,
                cache: KVCache | None = None) -> tuple[Tensor, Tensor]:
        T = idx.size(1)
        x, (cos, sin, mask) = embed_inputs(self, idx, start, cache)
        for block in self.blocks:
            x = block(x, cos, sin, mask, cache)
        x = norm(x)
        if cache is not None:
            cache.pos += T
        logits = head_logits(self.lm_head(x), self.config.softcap, self.allowed)  # (B, T, V)
        values = self.value_head(x).squeeze(-1).float()  # (B, T)
        return logits, values

    @torch.no_grad()
    def generate(self, prompts: Tensor, start: Tensor, max_new_tokens: int, *,
                 temperature: float = 1.0, generator: torch.Generator | None = None,
                 return_logits: bool = False):
        """Sample completions of left-padded ``prompts`` (B, P) for the whole batch at once.

        Returns tokens (B, L), L <= max_new_tokens: each row stops at its ``<eos>`` and is
        ``<pad>`` after it; decoding ends when every row has stopped. With ``return_logits``
        also returns the logits each token was sampled from, (B, L, V).
        """
        B, P = prompts.shape
        cache = KVCache(self.config, B, P + max_new_tokens, device=prompts.device)
        logits = self(prompts, start, cache)[0][:, -1]  # (B, V)
        out = torch.full((B, max_new_tokens), PAD, dtype=torch.long, device=prompts.device)
        seen = [] if return_logits else None
        done = torch.zeros(B, dtype=torch.bool, device=prompts.device)
        length = max_new_tokens
        for t in range(max_new_tokens):
            if return_logits:
                seen.append(logits)
            token = sample_token(logits, temperature, generator)
            token = torch.where(done, PAD, token)
            out[:, t] = token
            done |= token == EOS
            if bool(done.all()) or t == max_new_tokens - 1:
                length = t + 1
                break
            logits = self(token[:, None], start, cache)[0][:, -1]
        if return_logits:
            return out[:, :length], torch.stack(seen, dim=1)
        return out[:, :length]

    def describe(self) -> dict:
        return {"class": type(self).__name__, "params": self.num_params(), **asdict(self.config)}


def sample_token(logits: Tensor, temperature: float, generator: torch.Generator | None) -> Tensor:
    """One token per row of (B, V) logits: greedy when ``temperature == 0``."""
    if temperature == 0:
        return logits.argmax(-1)
    probs = F.softmax(logits / temperature, dim=-1)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)
