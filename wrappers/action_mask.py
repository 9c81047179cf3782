"""``TokenMask``: an ``action_masks()`` method for MaskablePPO (sb3-contrib) and its kin.

sb3-contrib's ``MaskablePPO`` asks each env for ``action_masks()``: a boolean vector over the 135
tokens, False for tokens the policy must never sample. The Engram envs have no such method
(every token is a legal action: ``<pad>`` is a no-op that wastes an output position), so this
wrapper adds one. Two uses, both stated by the caller, never guessed:

- ``TokenMask(env)``: forbid ``<pad>`` only. It earns nothing in any reward mode and, since the
  observation pads with the same id, a ``<pad>`` written mid-output is invisible to the policy;
  masking it removes a dead action without narrowing what the agent can write.
- ``TokenMask(env, allowed=...)``: only the given tokens, e.g. a task's output alphabet
  (``target_alphabet``). This is prior knowledge handed to the agent; report it with results.

The mask is a constant of the wrapper (one read-only array, no allocation per step). The env is
not changed: a masked token passed to ``step`` is still a legal action there, so scoring and
evaluation are exactly the unwrapped env's.
"""

from __future__ import annotations

from collections.abc import Iterable

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from engram_env.problem import TRAIN_SEED_LIMIT
from engram_env.registry import get_generator
from engram_env.vocab import EOS, STEP, TOKENS, VOCAB_SIZE

_TOKEN_IDS = {name: i for i, name in enumerate(TOKENS)}


def token_ids(tokens: Iterable[int | str]) -> list[int]:
    """Token ids of ``tokens``: ids, token names (``"<eos>"``, ``"a"``), or a string of characters.

    >>> token_ids("ab"), token_ids(["<eos>", "<step>", 5])
    ([13, 14], [1, 2, 5])
    """
    ids = []
    for token in tokens:
        if isinstance(token, str):
            if token not in _TOKEN_IDS:
                raise ValueError(f"expected a token of engram_env.vocab.TOKENS (a character or "
                                 f"'<pad>', '<eos>', '<step>'), got {token!r}")
            ids.append(_TOKEN_IDS[token])
        elif isinstance(token, (int, np.integer)) and not isinstance(token, bool):
            if not 0 <= token < VOCAB_SIZE:
                raise ValueError(f"expected a token id in 0..{VOCAB_SIZE - 1}, got {token}")
            ids.append(int(token))
        else:
            raise TypeError(f"expected a token id or token name, got {token!r}")
    return ids


def target_alphabet(task: str, difficulty: int, samples: int = 512, seed: int = 0) -> list[int]:
    """The tokens that occur in ``samples`` reference targets of ``task`` at ``difficulty``,
    drawn from training seeds only (below ``TRAIN_SEED_LIMIT``), plus ``<eos>`` and ``<step>``.

    The task's output alphabet: passing it as ``TokenMask(allowed=...)`` tells the agent which
    characters solutions are written in (not which one goes where).

    >>> [TOKENS[i] for i in target_alphabet("copy", 1)][:4]
    ['<eos>', '<step>', 'a', 'b']
    """
    generator = get_generator(task)
    seeds = np.random.default_rng(seed).integers(TRAIN_SEED_LIMIT, size=samples)
    used = {EOS, STEP}
    for problem in generator.problems(seeds.tolist(), difficulty):
        used.update(np.unique(problem.target_ids).tolist())
    return sorted(used)


class TokenMask(gym.Wrapper):
    """Adds ``action_masks()`` (for sb3-contrib's ``MaskablePPO``) to an Engram env.

    ## Arguments

    - ``env``: an env with a ``Discrete(135)`` action space (an ``EngramEnv`` or a wrapper).
    - ``allowed``: the tokens the policy may write (ids, token names or a string of characters;
      see ``token_ids``), or ``None`` for all of them.
    - ``forbidden``: tokens removed from that set; ``("<pad>",)`` by default.

    At least one token must stay allowed. Observations, rewards and episodes are unchanged.

    >>> from engram_env import EngramEnv
    >>> env = TokenMask(EngramEnv("copy"))
    >>> mask = env.action_masks()
    >>> mask.shape, bool(mask[0]), int(mask.sum())
    ((135,), False, 134)
    >>> int(TokenMask(EngramEnv("copy"), allowed=["<eos>", *"abc"]).action_masks().sum())
    4
    """

    def __init__(
        self,
        env: gym.Env,
        allowed: Iterable[int | str] | None = None,
        forbidden: Iterable[int | str] = ("<pad>",),
    ) -> None:
        super().__init__(env)
        space = env.action_space
        if not (isinstance(space, spaces.Discrete) and space.n == VOCAB_SIZE):
            raise TypeError(f"env: expected an action space Discrete({VOCAB_SIZE}) of token ids, "
                            f"got {space!r}")
        mask = np.zeros(VOCAB_SIZE, dtype=bool)
        mask[token_ids(allowed) if allowed is not None else slice(None)] = True
        mask[token_ids(forbidden)] = False
        if not mask.any():
            raise ValueError(f"expected at least one allowed token, got none (allowed={allowed!r}, "
                             f"forbidden={forbidden!r})")
        mask.flags.writeable = False
        self.mask = mask

    def action_masks(self) -> np.ndarray:
        """(135,) bool: True where the policy may write the token."""
        return self.mask


__all__ = ["TokenMask", "target_alphabet", "token_ids"]
