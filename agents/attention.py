"""Attention kernels: how queries, keys and values are mixed, behind one small interface.

The transformer block owns everything around the mixing: the q/k/v projections, rotary
embeddings, QK-norm, the KV cache and the mask. A kernel only turns ``(q, k, v, mask)`` into the
mixed values, so a new attention variant is one subclass and one line in ``ATTENTION``:

    class MyAttention(AttentionKernel):
        def forward(self, q, k, v, mask): ...
    ATTENTION["mine"] = MyAttention

and then ``GPTConfig(attention="mine")``. Shapes: ``q`` is (B, H, Tq, D); ``k`` and ``v`` are
(B, Hkv, Tk, D) with H a multiple of Hkv (grouped-query attention; the kernel repeats the shared
heads); ``mask`` is (B, 1, Tq, Tk) bool, True where a query may look at a key. Keys are the cache
plus the new positions, so a kernel that is a function of (q, k, v, mask) gives the same result
with or without a KV cache, which is what ``tests/test_nanochat.py`` checks for every kernel.

Three kernels ship:

- ``"softmax"``: standard scaled dot-product attention (PyTorch's fused kernel).
- ``"relative"``: softmax attention plus a learned bias per head and token distance
  (``RelativeBias``: T5's relative position bias, initialised to ALiBi's slopes). Rotary
  embeddings can express "the token k back" only through queries and keys that agree on it for
  every token, which a small model learns slowly (copying a 4-letter string took nanochat about
  700 supervised updates); the bias makes it one parameter per head and distance, and the
  ALiBi start points the steep heads at the last few tokens from the first update.
- ``"sigmoid"``: each weight an independent sigmoid with a learned per-head bias, no
  normalisation across keys (Ramapuram et al. 2024).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class AttentionKernel(nn.Module):
    """Base class: ``forward(q, k, v, mask) -> (B, H, Tq, D)``. Built as ``Kernel(n_head, head_dim)``."""

    def __init__(self, n_head: int, head_dim: int) -> None:
        super().__init__()
        self.n_head, self.head_dim = n_head, head_dim

    def forward(self, q: Tensor, k: Tensor, v: Tensor, mask: Tensor) -> Tensor:
        raise NotImplementedError


def repeat_kv(x: Tensor, n_head: int) -> Tensor:
    """(B, Hkv, T, D) -> (B, H, T, D): share each key/value head with H/Hkv query heads."""
    repeats = n_head // x.size(1)
    return x if repeats == 1 else x.repeat_interleave(repeats, dim=1)


class SoftmaxAttention(AttentionKernel):
    """softmax(q k^T / sqrt(D)) v over the allowed keys (PyTorch's fused kernel)."""

    def forward(self, q: Tensor, k: Tensor, v: Tensor, mask: Tensor) -> Tensor:
        k, v = repeat_kv(k, q.size(1)), repeat_kv(v, q.size(1))
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)


def distance_bucket(distance: Tensor, exact: int = 32, buckets: int = 48,
                    max_distance: int = 1024) -> Tensor:
    """T5's bucketing of token distances (>= 0): one bucket per distance below ``exact``, then
    log-spaced buckets up to ``max_distance`` (the last one takes everything beyond).

    >>> distance_bucket(torch.tensor([0, 5, 31, 32, 100, 1000, 5000])).tolist()
    [0, 5, 31, 32, 37, 47, 47]
    """
    log_part = exact + (torch.log(distance.clamp(min=exact).float() / exact)
                        / math.log(max_distance / exact) * (buckets - exact)).long()
    return torch.where(distance < exact, distance, log_part.clamp(max=buckets - 1))


class RelativeBias(nn.Module):
    """A learned attention bias per head and token distance (T5's relative position bias),
    initialised to ALiBi's linear penalty ``-slope_h * distance`` with slopes 2^(-8h/H).

    Why: "the token k back" is what a copy needs (``copy``: the letter 4 back from the cursor,
    then the one 5 back; ``addition``: the digits 5 back), and one bias entry per (head,
    distance) learns it once for every output position, where absolute position embeddings
    must learn each pair of positions separately. The ALiBi start makes the steep heads look
    at the last few tokens from the first update, so the gradient that sharpens them is not
    spread over a hundred tokens.
    """

    def __init__(self, n_heads: int, exact: int = 32, buckets: int = 48,
                 max_distance: int = 1024) -> None:
        super().__init__()
        self.exact, self.buckets, self.max_distance = exact, buckets, max_distance
        slopes = torch.tensor([2.0 ** (-8.0 * (h + 1) / n_heads) for h in range(n_heads)])
        first = torch.tensor([b if b < exact else exact * (max_distance / exact) ** (
            (b - exact) / (buckets - exact)) for b in range(buckets)])  # a distance per bucket
        self.table = nn.Parameter(-slopes[:, None] * first[None, :])  # (H, buckets)

    def forward(self, distance: Tensor) -> Tensor:
        """distance (B, Q, S) long -> bias (B, H, Q, S)."""
        bucket = distance_bucket(distance, self.exact, self.buckets, self.max_distance)
        return self.table[:, bucket].permute(1, 0, 2, 3)


def key_distances(n_queries: int, n_keys: int, device=None) -> Tensor:
    """(Tq, Tk) long: how far back each key is from each query (0 = itself; keys after a query
    count as 0 and are masked anyway). Queries are the last ``n_queries`` of the keys, which
    holds with and without a KV cache."""
    q = torch.arange(n_keys - n_queries, n_keys, device=device)
    return (q[:, None] - torch.arange(n_keys, device=device)[None, :]).clamp(min=0)


class RelativeAttention(AttentionKernel):
    """softmax(q k^T / sqrt(D) + bias[h, distance]) v, the bias a ``RelativeBias``."""

    def __init__(self, n_head: int, head_dim: int) -> None:
        super().__init__(n_head, head_dim)
        self.relative = RelativeBias(n_head)

    def forward(self, q: Tensor, k: Tensor, v: Tensor, mask: Tensor) -> Tensor:
        k, v = repeat_kv(k, q.size(1)), repeat_kv(v, q.size(1))
        distance = key_distances(q.size(2), k.size(2), q.device)
        bias = self.relative(distance[None])  # (1, H, Tq, Tk)
        bias = bias.masked_fill(~mask, float("-inf")).to(q.dtype)  # (B, H, Tq, Tk)
        return F.scaled_dot_product_attention(q, k, v, attn_mask=bias)


class SigmoidAttention(AttentionKernel):
    """sigmoid(q k^T / sqrt(D) + b_h) v: no competition between keys, a learned bias per head.

    The bias starts at -log(64), so a query spreads about one unit of weight over a typical
    context of 64 keys at initialisation, as the paper's b = -log(n) does without depending on n
    (a bias that depended on the context length would differ between cached and full passes).
    """

    def __init__(self, n_head: int, head_dim: int) -> None:
        super().__init__(n_head, head_dim)
        self.bias = nn.Parameter(torch.full((n_head, 1, 1), -math.log(64.0)))

    def forward(self, q: Tensor, k: Tensor, v: Tensor, mask: Tensor) -> Tensor:
        k, v = repeat_kv(k, q.size(1)), repeat_kv(v, q.size(1))
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1)) + self.bias  # (B, H, Tq, Tk)
        weights = torch.sigmoid(scores) * mask
        return weights @ v


ATTENTION: dict[str, type[AttentionKernel]] = {
    "softmax": SoftmaxAttention,
    "relative": RelativeAttention,
    "sigmoid": SigmoidAttention,
}
