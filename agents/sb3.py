"""stable-baselines3 integration: a token features extractor, env factories, and evaluation.

PPO, A2C and sb3-contrib's MaskablePPO work on the Engram envs through ``MultiInputPolicy``
with ``TokenFeaturesExtractor`` in place of SB3's default (which would flatten 1,024 token ids
into floats and feed them to an MLP: ids are categories, not magnitudes)::

    import gymnasium as gym, engram_env
    from stable_baselines3 import PPO
    from agents.sb3 import token_policy_kwargs
    model = PPO("MultiInputPolicy", gym.make("Engram-addition-v0", reward_mode="char"),
                policy_kwargs=token_policy_kwargs())
    model.learn(50_000)

Design choices, and why:

- **Trim, then encode.** An observation is two 512-slot arrays, but a tier-0 prompt is ~100
  tokens and an output a dozen. The extractor finds each row's length (last non-``<pad>``
  position + 1) and cuts the batch to its longest row before embedding, so the encoder's cost
  follows the text, not the 1,024 slots.
- **Lengths, not a pad mask, decide what is real.** Prompts never contain ``<pad>``; an output
  can (``<pad>`` is a legal no-op token), so a ``<pad>`` *before* the last written token is kept
  as a token. Only the tail is padding. (A ``<pad>`` written last is indistinguishable from an
  unwritten slot in the env's observation; ``wrappers.action_mask.TokenMask`` forbids it.)
- **One text: prompt, then output.** Each token gets a token embedding plus position
  embeddings (prompt positions from the start and from the end, where the instance usually
  is; output positions), separate tables so the segment is known. The policy decides "what
  comes next", so the features are the encoder's state at the *cursor*, the slot after the
  last written token, concatenated with masked mean pooling over all real tokens (a summary
  that does not depend on where the cursor is).
- **Cursor attention with a relative bias (default encoder, ``"transformer"``).** A learned
  cursor query (plus the embedding of its output position) attends over the tokens, through a
  pre-norm block (attention, MLP) that updates only the cursor: O(S) per row, where a full
  self-attention layer costs O(S^2) and S MLPs; ``n_layers`` > 0 adds such full layers first.
  Attention logits carry a learned bias per head and token distance
  (``agents.attention.RelativeBias``, T5's, initialised to ALiBi's slopes), which makes "the
  token k back" one parameter for every output position: copying, the first tier-0 skill, is
  exactly that.
- **``"gru"``** packs each row's prompt and output into one contiguous sequence
  (``pack_padded_sequence``), so its final hidden state is the state after the row's last
  real token, and mean-pools the GRU outputs. On the copy task it learned more slowly than the
  cursor attention in a 30k-step comparison, and at ``d_model=64`` it costs about 4x the CPU
  per sample (PyTorch's CPU GRU backward is sequential).
- **One extractor, shared.** SB3's on-policy algorithms share it between policy and value heads
  by default (``share_features_extractor=True``); ``net_arch`` then adds small separate MLPs.
- **Algorithm settings matter as much as the network.** On the copy benchmark, 10 epochs of
  minibatches of 128 per rollout (``scripts/train_sb3.py``'s defaults; SB3's PPO defaults are
  10 of 64) reached a given training return in about 3x fewer env steps and 1.5x less CPU
  than 4 epochs of 256: data is cheap to reuse, exploration is not.

Evaluation reuses the project's shared pieces: ``SB3Solver`` writes solutions with a trained
model on held-out problems (``agents.rollout.eval_problems``) and ``agents.rollout.evaluate``
grades them with ``engram_env.scoring.Scorer``, so SB3 agents report the same metrics
(``answer_accuracy``, ``step_accuracy``, ``episodic_return``) as every other agent.
"""

from __future__ import annotations

import inspect
import io
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3 import A2C, PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from stable_baselines3.common.vec_env import DummyVecEnv, VecEnv
from torch import Tensor, nn

from agents.attention import RelativeBias
from engram_env.env import EngramEnv
from engram_env.problem import MAX_PROMPT_TOKENS, MAX_TARGET_TOKENS, Problem
from engram_env.registration import CURRICULUM_ID, register_envs
from engram_env.scoring import Scorer
from engram_env.vocab import PAD, VOCAB_SIZE

ENCODERS = ("gru", "transformer")
register_envs()  # what ``import engram_env`` does; idempotent, and sure even if only submodules load


def _load_algorithms() -> dict[str, type[BaseAlgorithm]]:
    algorithms: dict[str, type[BaseAlgorithm]] = {"ppo": PPO, "a2c": A2C}
    try:  # sb3-contrib is a dependency of the project, but keep this module usable without it
        from sb3_contrib import MaskablePPO
    except ImportError:
        pass
    else:
        algorithms["maskable_ppo"] = MaskablePPO
    return algorithms


ALGORITHMS = _load_algorithms()  # name -> SB3 class: "ppo", "a2c", "maskable_ppo"


# -- pure helpers ------------------------------------------------------------------------------


def token_lengths(ids: Tensor) -> Tensor:
    """(B, T) ids -> (B,) lengths: the last non-``<pad>`` position + 1 (0 for an all-pad row).

    >>> token_lengths(torch.tensor([[5, 6, 0, 0], [5, 0, 7, 0], [0, 0, 0, 0]])).tolist()
    [2, 3, 0]
    """
    positions = torch.arange(1, ids.size(1) + 1, device=ids.device)  # (T,)
    return ((ids != PAD) * positions).amax(dim=1)


def masked_mean(x: Tensor, mask: Tensor) -> Tensor:
    """Mean of ``x`` (B, T, C) over the positions where ``mask`` (B, T) is True; 0 where none."""
    weights = mask.unsqueeze(-1).to(x.dtype)  # (B, T, 1)
    return (x * weights).sum(1) / weights.sum(1).clamp(min=1.0)


# -- the features extractor --------------------------------------------------------------------


class TokenFeaturesExtractor(BaseFeaturesExtractor):
    """Features of an Engram observation (``Dict(prompt, output)`` of token ids) for SB3 policies.

    ``forward(obs) -> (B, features_dim)``: ``[cursor state, masked mean pool]`` of an encoder
    over the prompt's tokens followed by the output's, through a linear layer and ReLU. See the
    module docstring for the design.

    Arguments (pass them as ``features_extractor_kwargs``, or use ``token_policy_kwargs``):

    - ``features_dim``: size of the output features (the policy/value MLPs' input).
    - ``d_model``: embedding and encoder width.
    - ``encoder``: ``"gru"`` or ``"transformer"``.
    - ``n_layers``: encoder layers; ``n_heads``: attention heads (transformer only).

    >>> import engram_env
    >>> env = engram_env.EngramEnv("copy")
    >>> extractor = TokenFeaturesExtractor(env.observation_space, features_dim=32, d_model=16)
    >>> obs, _ = env.reset(seed=0)
    >>> batch = {k: torch.as_tensor(v[None]).float() for k, v in obs.items()}  # as SB3 feeds it
    >>> extractor(batch).shape
    torch.Size([1, 32])
    """

    def __init__(
        self,
        observation_space: spaces.Dict,
        features_dim: int = 128,
        d_model: int = 64,
        encoder: str = "transformer",
        n_layers: int | None = None,
        n_heads: int = 4,
    ) -> None:
        check_observation_space(observation_space)
        if encoder not in ENCODERS:
            raise ValueError(f"encoder: expected one of {ENCODERS}, got {encoder!r}")
        if n_layers is None:
            n_layers = 1 if encoder == "gru" else 0
        if n_layers < (1 if encoder == "gru" else 0):
            raise ValueError(f"n_layers: expected >= 1 for a GRU, >= 0 for the transformer, "
                             f"got {n_layers}")
        if encoder == "transformer" and d_model % n_heads:
            raise ValueError(f"d_model: expected a multiple of n_heads={n_heads}, got {d_model}")
        super().__init__(observation_space, features_dim)
        self.encoder_kind = encoder
        self.prompt_slots = observation_space["prompt"].shape[0]
        self.output_slots = observation_space["output"].shape[0]
        self.token_embedding = nn.Embedding(VOCAB_SIZE, d_model)
        self.prompt_position = nn.Embedding(self.prompt_slots, d_model)
        # Prompt positions counted from the end too: the instance usually ends the prompt
        # ("... String: vceg"), and these line it up across prompts of different lengths.
        self.prompt_position_from_end = nn.Embedding(self.prompt_slots, d_model)
        # One more output position than slots: the cursor of a full output sits at position 512.
        self.output_position = nn.Embedding(self.output_slots + 1, d_model)
        if encoder == "gru":
            self.encoder = nn.GRU(d_model, d_model, num_layers=n_layers, batch_first=True)
        else:
            self.encoder = nn.ModuleList(EncoderLayer(d_model, n_heads) for _ in range(n_layers))
            self.cursor = nn.Parameter(torch.zeros(d_model))
            self.cursor_block = CursorBlock(d_model, n_heads)
        self.head = nn.Sequential(nn.Linear(2 * d_model, features_dim), nn.ReLU())

    def forward(self, observations: dict[str, Tensor]) -> Tensor:
        # SB3 hands Box observations over as float tensors; ids are exact in float32.
        prompt = observations["prompt"].long()  # (B, Tp)
        output = observations["output"].long()  # (B, To)
        prompt_len, output_len = token_lengths(prompt), token_lengths(output)  # (B,), (B,)
        P = max(int(prompt_len.max()), 1)  # trim the batch to its longest row
        L = max(int(output_len.max()), 1)
        prompt, output = prompt[:, :P], output[:, :L]
        device = prompt.device
        positions = torch.arange(P, device=device)  # (P,)
        from_end = (prompt_len[:, None] - 1 - positions).clamp(min=0)  # (B, P)
        x_prompt = (self.token_embedding(prompt) + self.prompt_position(positions)
                    + self.prompt_position_from_end(from_end))  # (B, P, C)
        x_output = self.token_embedding(output) + self.output_position(
            torch.arange(L, device=device))  # (B, L, C)
        if self.encoder_kind == "gru":
            cursor, pooled = self._encode_gru(x_prompt, x_output, prompt_len, output_len)
        else:
            cursor, pooled = self._encode_transformer(x_prompt, x_output, prompt_len, output_len)
        return self.head(torch.cat([cursor, pooled], dim=-1))  # (B, features_dim)

    def _encode_gru(self, x_prompt, x_output, prompt_len, output_len) -> tuple[Tensor, Tensor]:
        P, L = x_prompt.size(1), x_output.size(1)
        # Row b as one contiguous sequence: its prompt_len[b] prompt tokens, then its output.
        s = torch.arange(P + L, device=x_prompt.device)  # (S,)
        source = torch.where(s < prompt_len[:, None], s, P + s - prompt_len[:, None])  # (B, S)
        source = source.clamp(max=P + L - 1)
        x = torch.cat([x_prompt, x_output], dim=1)  # (B, S, C): prompt slots, then output slots
        x = x.gather(1, source[..., None].expand(-1, -1, x.size(-1)))  # (B, S, C) contiguous
        lengths = (prompt_len + output_len).clamp(min=1)  # (B,)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        states, last = self.encoder(packed)  # last: (layers, B, C), in the batch's own order
        states, _ = nn.utils.rnn.pad_packed_sequence(states, batch_first=True,
                                                     total_length=P + L)  # (B, S, C)
        mask = s[None, :] < lengths[:, None]  # (B, S)
        return last[-1], masked_mean(states, mask)

    def _encode_transformer(self, x_prompt, x_output, prompt_len, output_len):
        B, P = x_prompt.shape[:2]
        L = x_output.size(1)
        device = x_prompt.device
        x = torch.cat([x_prompt, x_output], dim=1)  # (B, S, C), S = P + L
        p_idx, o_idx = torch.arange(P, device=device), torch.arange(L, device=device)
        real = torch.cat([p_idx[None] < prompt_len[:, None], o_idx[None] < output_len[:, None]],
                         dim=1)  # (B, S)
        # Each token's index in its row's text (prompt, then output, then the cursor): relative
        # distances are counted there, not across the pad slots between prompt and output.
        rank = torch.cat([p_idx.expand(B, P), prompt_len[:, None] + o_idx], dim=1)  # (B, S)
        if len(self.encoder):
            distance = (rank[:, :, None] - rank[:, None, :]).abs()  # (B, S, S)
            # Rows with no real token would attend to nothing (NaN); let them see everything.
            visible = real | ~real.any(1, keepdim=True)  # (B, S)
            for layer in self.encoder:
                x = layer(x, visible, distance)  # (B, S, C)
        cursor = self.cursor + self.output_position(output_len)  # (B, C): the next write slot
        distance = (prompt_len + output_len)[:, None] - rank  # (B, S): >= 1 for real tokens
        return self.cursor_block(cursor, x, real, distance), masked_mean(x, real)


def attend(q: Tensor, k: Tensor, v: Tensor, visible: Tensor, bias: Tensor) -> Tensor:
    """Multi-head attention with an additive bias.

    q (B, Q, H, D), k and v (B, S, H, D), visible (B, S) bool, bias (B, H, Q, S)
    -> (B, Q, H, D). Written out rather than ``nn.MultiheadAttention``: its CPU path copies K
    and V for a single query, and the fused eval-mode path of ``nn.TransformerEncoder``
    returns NaN for padded queries under an additive mask.
    """
    scores = torch.einsum("bqhd,bshd->bhqs", q, k) / math.sqrt(q.size(-1)) + bias  # (B,H,Q,S)
    weights = scores.masked_fill(~visible[:, None, None], float("-inf")).softmax(-1)
    return torch.einsum("bhqs,bshd->bqhd", weights, v)


class EncoderLayer(nn.Module):
    """A pre-norm transformer layer over the tokens: self-attention with a relative bias
    (by |distance|), then a 4x MLP."""

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.norm_attn, self.norm_mlp = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(),
                                 nn.Linear(4 * d_model, d_model))
        self.relative = RelativeBias(n_heads)

    def forward(self, x: Tensor, visible: Tensor, distance: Tensor) -> Tensor:
        """x (B, S, C), visible (B, S), distance (B, S, S) long -> (B, S, C)."""
        B, S, C = x.shape
        q, k, v = self.qkv(self.norm_attn(x)).view(B, S, 3, self.n_heads, -1).unbind(2)
        attended = attend(q, k, v, visible, self.relative(distance))
        x = x + self.out(attended.reshape(B, S, C))
        return x + self.mlp(self.norm_mlp(x))


class CursorBlock(nn.Module):
    """A pre-norm transformer block for one query, the cursor: multi-head attention (with a
    ``RelativeBias`` by distance back from the cursor) over the tokens and itself (so it always
    has a key), then an MLP. Only the cursor is updated, which costs O(S) per row where a full
    layer costs O(S^2) attention and S MLPs."""

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.norm_query, self.norm_keys = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.query = nn.Linear(d_model, d_model)
        self.key_value = nn.Linear(d_model, 2 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm_mlp, self.norm_out = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(),
                                 nn.Linear(4 * d_model, d_model))
        self.relative = RelativeBias(n_heads)

    def forward(self, cursor: Tensor, tokens: Tensor, real: Tensor, distance: Tensor) -> Tensor:
        """cursor (B, C), tokens (B, S, C), real (B, S) bool, distance (B, S) long back from
        the cursor -> cursor (B, C)."""
        B, S, C = tokens.shape
        H = self.n_heads
        keys = self.norm_keys(torch.cat([tokens, cursor[:, None]], dim=1))  # (B, S + 1, C)
        visible = torch.cat([real, torch.ones_like(real[:, :1])], dim=1)  # (B, S + 1)
        distance = torch.cat([distance.clamp(min=0), torch.zeros_like(distance[:, :1])],
                             dim=1)  # (B, S + 1); pad slots may be "ahead": clamped, masked
        q = self.query(self.norm_query(cursor)).view(B, 1, H, C // H)  # (B, 1, H, D)
        k, v = self.key_value(keys).view(B, S + 1, 2, H, C // H).unbind(2)  # (B, S + 1, H, D)
        attended = attend(q, k, v, visible, self.relative(distance[:, None]))  # (B, 1, H, D)
        cursor = cursor + self.out(attended.reshape(B, C))
        cursor = cursor + self.mlp(self.norm_mlp(cursor))
        return self.norm_out(cursor)


def check_observation_space(space: gym.Space) -> None:
    """Raise unless ``space`` is an Engram observation space: ``Dict(prompt=Box, output=Box)``."""
    ok = (isinstance(space, spaces.Dict) and set(space.spaces) == {"prompt", "output"}
          and all(isinstance(s, spaces.Box) and len(s.shape) == 1 for s in space.spaces.values()))
    if not ok:
        raise TypeError("observation_space: expected Dict(prompt=Box((T,)), output=Box((T,))) of "
                        f"token ids (an Engram env's), got {space!r}")
    too_long = [k for k, s in space.spaces.items()
                if s.shape[0] > {"prompt": MAX_PROMPT_TOKENS, "output": MAX_TARGET_TOKENS}[k]]
    if too_long:
        raise ValueError(f"observation_space: expected at most 512 slots in each key, got "
                         f"{ {k: space[k].shape for k in too_long} }")


def token_policy_kwargs(
    features_dim: int = 128,
    d_model: int = 64,
    encoder: str = "transformer",
    n_layers: int | None = None,
    n_heads: int = 4,
    net_arch: Sequence[int] | dict[str, list[int]] = (64,),
) -> dict[str, Any]:
    """``policy_kwargs`` for ``MultiInputPolicy``: the token extractor, and small policy and
    value MLPs (``net_arch``, one list for both or ``dict(pi=[...], vf=[...])``).

    >>> sorted(token_policy_kwargs())
    ['features_extractor_class', 'features_extractor_kwargs', 'net_arch']
    """
    return {
        "features_extractor_class": TokenFeaturesExtractor,
        "features_extractor_kwargs": {"features_dim": features_dim, "d_model": d_model,
                                      "encoder": encoder, "n_layers": n_layers,
                                      "n_heads": n_heads},
        "net_arch": dict(net_arch) if isinstance(net_arch, dict) else list(net_arch),
    }


# -- environments ------------------------------------------------------------------------------


def make_env_fns(
    env_id: str,
    num_envs: int,
    *,
    env_kwargs: dict[str, Any] | None = None,
    mask: bool = False,
    allowed: Iterable[int | str] | None = None,
) -> list[Callable[[], gym.Env]]:
    """Constructors of ``num_envs`` monitored envs for an SB3 ``VecEnv``.

    ``env_id`` is any Engram id (``"Engram-addition-v0"``, ``"Engram-tier0-v0"``) or
    ``"Engram-curriculum-v0"``; for the curriculum all envs share the first one's
    ``TaskSampler``, so they teach one curriculum together. ``mask=True`` adds
    ``wrappers.action_mask.TokenMask`` (``<pad>`` forbidden; ``allowed`` narrows further) for
    MaskablePPO. ``Monitor`` is innermost, as in SB3's ``make_vec_env``, so SB3 logs the env's
    own episode returns.
    """
    env_kwargs = dict(env_kwargs or {})
    if allowed is not None and not mask:
        raise ValueError("allowed= restricts the action mask; it needs mask=True")
    shared: dict[str, Any] = {}

    def make(rank: int) -> gym.Env:
        if env_id == CURRICULUM_ID and rank > 0:
            from wrappers.curriculum import CurriculumWrapper

            first = shared["first"]
            base = first.unwrapped
            env = CurriculumWrapper(EngramEnv(tasks=base.task_names,
                                              reward_mode=base.reward_mode),
                                    sampler=first.sampler)
        else:
            env = gym.make(env_id, **env_kwargs)
            if env_id == CURRICULUM_ID:
                shared["first"] = _find_curriculum(env)
        env = Monitor(env)
        if mask:
            from wrappers.action_mask import TokenMask

            env = TokenMask(env, allowed=allowed)
        return env

    return [lambda rank=rank: make(rank) for rank in range(num_envs)]


def _find_curriculum(env: gym.Env) -> gym.Env:
    from wrappers.curriculum import CurriculumWrapper

    while not isinstance(env, CurriculumWrapper):
        if not isinstance(env, gym.Wrapper):
            raise TypeError(f"expected a CurriculumWrapper inside {env!r}")
        env = env.env
    return env


def make_vec_env(env_id: str, num_envs: int, *, seed: int | None = None, **kwargs: Any) -> VecEnv:
    """A ``DummyVecEnv`` of ``make_env_fns(env_id, num_envs, **kwargs)``, seeded with ``seed``
    (env i gets ``seed + i`` at its first reset).

    SB3's own ``make_vec_env("Engram-...")`` does not work: it passes ``render_mode="rgb_array"``,
    which the Engram envs reject (they render ``"ansi"`` only).
    """
    envs = DummyVecEnv(make_env_fns(env_id, num_envs, **kwargs))
    if seed is not None:
        envs.seed(seed)
    return envs


# -- evaluation --------------------------------------------------------------------------------


def accepts_action_masks(model: BaseAlgorithm) -> bool:
    return "action_masks" in inspect.signature(model.predict).parameters


class SB3Solver:
    """A trained SB3 model as a solver (``agents.baselines.Solver``): it writes each problem's
    solution by stepping an ``EngramEnv`` reset to that exact problem, many problems in lockstep
    so that ``model.predict`` sees a batch.

    ``reward_mode`` is the mode the envs run in; in ``"char"`` mode an episode (and so the written
    solution) stops at the first token that leaves the reference. Models that take action masks
    (MaskablePPO) get ``action_mask`` (135,) bool combined with the mask they were trained with
    (``model.token_mask``, saved with the model by ``scripts/train_sb3.py``): a token is allowed
    only where both allow it. ``max_new_tokens`` caps each solution (the evaluation harness sets
    it per cell).
    """

    def __init__(self, model: BaseAlgorithm, *, reward_mode: str = "step",
                 deterministic: bool = True, action_mask: np.ndarray | None = None,
                 max_new_tokens: int = MAX_TARGET_TOKENS, batch_size: int = 128,
                 name: str = "sb3") -> None:
        self.model, self.reward_mode, self.deterministic = model, reward_mode, deterministic
        masks = [np.asarray(m, dtype=bool) for m in (action_mask, model_mask(model))
                 if m is not None]
        for m in masks:
            if m.shape != (VOCAB_SIZE,):
                raise ValueError(f"action_mask: expected shape ({VOCAB_SIZE},), got {m.shape}")
        self.action_mask = np.logical_and.reduce(masks) if masks else None
        self.max_new_tokens, self.batch_size, self.name = max_new_tokens, batch_size, name

    def solve(self, problems: Sequence[Problem]) -> list[np.ndarray]:
        tasks = sorted({p.task for p in problems})
        envs = [EngramEnv(tasks=tasks, reward_mode=self.reward_mode)
                for _ in range(min(self.batch_size, len(problems)))]
        out: list[np.ndarray] = []
        for i in range(0, len(problems), self.batch_size):
            out.extend(self._solve_batch(envs, problems[i:i + self.batch_size]))
        return out

    def _solve_batch(self, envs: list[EngramEnv], problems: Sequence[Problem]) -> list[np.ndarray]:
        B = len(problems)
        obs = {"prompt": np.zeros((B, MAX_PROMPT_TOKENS), np.uint8),
               "output": np.zeros((B, MAX_TARGET_TOKENS), np.uint8)}
        for b, (env, p) in enumerate(zip(envs, problems)):
            first, _ = env.reset(options={"task": p.task, "difficulty": p.difficulty,
                                          "problem_seed": p.seed})
            for key, rows in obs.items():
                rows[b] = first[key]
        tokens = np.zeros((B, self.max_new_tokens), dtype=np.int64)
        lengths = np.zeros(B, dtype=np.int64)
        active = np.ones(B, dtype=bool)
        masked = self.action_mask is not None and accepts_action_masks(self.model)
        for t in range(self.max_new_tokens):
            rows = np.flatnonzero(active)
            if rows.size == 0:
                break
            kwargs = {"action_masks": np.tile(self.action_mask, (rows.size, 1))} if masked else {}
            actions, _ = self.model.predict({k: v[rows] for k, v in obs.items()},
                                            deterministic=self.deterministic, **kwargs)
            for b, action in zip(rows.tolist(), np.asarray(actions).reshape(-1).tolist()):
                step_obs, _, terminated, truncated, _ = envs[b].step(action)
                tokens[b, t] = action
                lengths[b] = t + 1
                obs["output"][b] = step_obs["output"]
                active[b] = not (terminated or truncated)
        return [tokens[b, :lengths[b]] for b in range(B)]


def model_mask(model: BaseAlgorithm) -> np.ndarray | None:
    """The action mask a model was trained with (``model.token_mask``), if it has one."""
    mask = getattr(model, "token_mask", None)
    return None if mask is None else np.asarray(mask, dtype=bool)


def evaluate_model(
    model: BaseAlgorithm,
    tasks: Sequence[tuple[str, int]],
    episodes: int,
    *,
    reward_mode: str = "step",
    action_mask: np.ndarray | None = None,
    deterministic: bool = True,
    max_new_tokens: int = 0,
) -> dict[str, Any]:
    """Held-out evaluation, as ``scripts/train.py`` does it for the other agents: ``episodes``
    problems per (task, difficulty) from ``engram_env.eval_seed(i)``, written greedily by
    ``SB3Solver`` within ``max_new_tokens`` (0: ``agents.rollout.max_new_tokens_for``) and
    graded by ``agents.rollout.evaluate`` in ``reward_mode``.

    Returns ``answer_accuracy``, ``step_accuracy`` and ``episodic_return`` averaged over the
    (task, difficulty) pairs, and ``per_task`` ``{"task@difficulty": metrics}``.
    """
    from agents.rollout import eval_problems, evaluate, max_new_tokens_for

    solver = SB3Solver(model, reward_mode=reward_mode, action_mask=action_mask,
                       deterministic=deterministic)
    scorer = Scorer(reward_mode)
    per_task = {}
    for task, difficulty in tasks:
        solver.max_new_tokens = max_new_tokens or max_new_tokens_for([task], difficulty)
        per_task[f"{task}@{difficulty}"] = evaluate(
            solver, eval_problems([task], difficulty, episodes), scorer)
    pooled = {}
    for key in ("answer_accuracy", "step_accuracy", "episodic_return"):
        values = [m[key] for m in per_task.values() if not np.isnan(m[key])]
        pooled[key] = float(np.mean(values)) if values else float("nan")
    return {**pooled, "episodes": sum(m["episodes"] for m in per_task.values()),
            "per_task": per_task}


def env_tasks(envs: VecEnv) -> list[tuple[str, int]]:
    """The (task, difficulty) pairs a training ``VecEnv`` plays: each task of its first env at
    that env's difficulty, or, under the curriculum, each unlocked task at its current level."""
    env = envs.envs[0] if isinstance(envs, DummyVecEnv) else None
    if env is None:
        raise TypeError(f"expected a DummyVecEnv of Engram envs, got {envs!r}")
    try:
        tree = _find_curriculum(env).tree
    except TypeError:
        base = env.unwrapped
        return [(task, base.difficulty) for task in base.task_names]
    return [(task, tree.difficulty(task)) for task in tree.unlocked]


# -- training helpers --------------------------------------------------------------------------


def save_model(model: BaseAlgorithm, path: str | os.PathLike) -> str:
    """``model.save`` to ``path`` (a ``.zip``) atomically: SB3 writes the zip into memory, then
    ``engram_env.files.atomic_write`` puts it in place (temporary file, ``os.replace``), so a
    crash mid-save never leaves a half-written model."""
    from engram_env.files import atomic_write

    buffer = io.BytesIO()
    model.save(buffer)
    return str(atomic_write(path, buffer.getvalue()))


class EpisodeStatsCallback(BaseCallback):
    """CleanRL-style training charts in SB3's logger, and a progress line every ``print_every``
    env steps (SB3's own progress bar needs ``rich``, which the project does not depend on).

    Per rollout: ``charts/episodic_return``, ``charts/episodic_length``,
    ``charts/answer_accuracy`` (``info["answer_correct"]`` of the episodes that ended in it)
    and ``charts/SPS``. ``history`` keeps (env steps, process CPU seconds, wall seconds, mean
    return, answer accuracy) per rollout for benchmarks; time spent in ``HeldOutEvalCallback``
    evaluations (added to ``excluded_cpu``/``excluded_wall``) is not counted.
    """

    def __init__(self, print_every: int = 10_000, verbose: int = 1) -> None:
        super().__init__(verbose)
        self.print_every = print_every
        self.history: list[tuple[int, float, float, float, float]] = []
        self.excluded_cpu = self.excluded_wall = 0.0

    def _on_training_start(self) -> None:
        self._returns, self._lengths, self._correct = [], [], []
        self._wall0, self._cpu0 = time.perf_counter(), time.process_time()
        self._steps0 = self.num_timesteps
        self._next_print = self.num_timesteps + self.print_every

    def _on_step(self) -> bool:
        for done, info in zip(self.locals["dones"], self.locals["infos"]):
            if done and "episode" in info:  # Monitor's summary of the finished episode
                self._returns.append(float(info["episode"]["r"]))
                self._lengths.append(int(info["episode"]["l"]))
                self._correct.append(bool(info.get("answer_correct", False)))
        return True

    def _on_rollout_end(self) -> None:
        wall = time.perf_counter() - self._wall0 - self.excluded_wall
        cpu = time.process_time() - self._cpu0 - self.excluded_cpu
        sps = (self.num_timesteps - self._steps0) / max(wall, 1e-9)
        self.logger.record("charts/SPS", int(sps))
        if not self._returns:
            return
        ret, acc = float(np.mean(self._returns)), float(np.mean(self._correct))
        self.logger.record("charts/episodic_return", ret)
        self.logger.record("charts/episodic_length", float(np.mean(self._lengths)))
        self.logger.record("charts/answer_accuracy", acc)
        self.history.append((self.num_timesteps, cpu, wall, ret, acc))
        if self.verbose and self.num_timesteps >= self._next_print:
            self._next_print += self.print_every * max(
                1, (self.num_timesteps - self._next_print) // self.print_every + 1)
            print(f"step {self.num_timesteps:>9,}  return {ret:6.3f}  answer acc {acc:6.3f}  "
                  f"episodes {len(self._returns):>5}  SPS {sps:6.0f}  cpu {cpu:6.0f}s", flush=True)
        self._returns, self._lengths, self._correct = [], [], []


class HeldOutEvalCallback(BaseCallback):
    """``evaluate_model`` every ``eval_every`` env steps, logged as ``eval/answer_accuracy``,
    ``eval/step_accuracy``, ``eval/episodic_return``; ``history`` keeps (env steps, process
    CPU seconds of training so far, metrics).

    Evaluations run at the env step that crosses each multiple of ``eval_every``, before the
    rollout's update, so with ``stop_at`` training stops right after the first evaluation whose
    answer accuracy reaches it and the model left is exactly the one evaluated. Evaluation time
    is not training time: it is kept in ``eval_cpu``/``eval_wall`` (and taken off ``stats``'s
    clock when given).
    """

    def __init__(self, tasks: Sequence[tuple[str, int]], eval_every: int, episodes: int, *,
                 reward_mode: str = "step", stop_at: float | None = None,
                 stats: EpisodeStatsCallback | None = None, verbose: int = 1) -> None:
        super().__init__(verbose)
        self.tasks, self.eval_every, self.episodes = list(tasks), eval_every, episodes
        self.reward_mode, self.stop_at, self.stats = reward_mode, stop_at, stats
        self.history: list[tuple[int, float, dict[str, Any]]] = []
        self.eval_cpu = self.eval_wall = 0.0
        self.reached = False

    def _on_training_start(self) -> None:
        self._cpu0 = time.process_time()
        self._next = (self.num_timesteps // self.eval_every + 1) * self.eval_every

    def _on_step(self) -> bool:
        if self.num_timesteps >= self._next:
            self._next = (self.num_timesteps // self.eval_every + 1) * self.eval_every
            self.evaluate()
        return not self.reached

    def evaluate(self) -> dict[str, Any]:
        start, start_wall = time.process_time(), time.perf_counter()
        train_cpu = start - self._cpu0 - self.eval_cpu
        result = evaluate_model(self.model, self.tasks, self.episodes,
                                reward_mode=self.reward_mode)
        cpu, wall = time.process_time() - start, time.perf_counter() - start_wall
        self.eval_cpu += cpu
        self.eval_wall += wall
        if self.stats is not None:
            self.stats.excluded_cpu += cpu
            self.stats.excluded_wall += wall
        for key in ("answer_accuracy", "step_accuracy", "episodic_return"):
            self.logger.record(f"eval/{key}", result[key])
        self.history.append((self.num_timesteps, train_cpu, result))
        self.reached = self.stop_at is not None and result["answer_accuracy"] >= self.stop_at
        if self.verbose:
            print(f"eval  {self.num_timesteps:>9,}  held-out answer acc "
                  f"{result['answer_accuracy']:.3f}  return {result['episodic_return']:.3f}  "
                  f"(training cpu {train_cpu:.0f}s)", flush=True)
        return result
