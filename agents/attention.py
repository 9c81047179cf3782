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

Two kernels ship: ``"softmax"`` (standard scaled dot-product attention, fused by PyTorch) and
``"sigmoid"`` (each weight an independent sigmoid with a learned per-head bias, no normalisation
across keys; Ramapuram et al. 2024), the second mostly as proof that the interface carries a
variant with parameters of its own.
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
    "sigmoid": SigmoidAttention,
}
