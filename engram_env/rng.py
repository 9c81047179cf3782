"""Counter-based random streams (draw ``i`` of seed ``s`` is a pure function of ``(s, i)``) and
``BatchSampling``, the generator mixin that samples many problems per call from them.

Why not ``np.random.default_rng(seed)`` per problem: building a numpy ``Generator`` costs about
10 µs (``SeedSequence`` hashing plus PCG64 set-up) and it draws for one seed at a time, which made
seeding, not arithmetic, the cost of a problem. Here a seed's stream is SplitMix64 started from
``mix64(seed)``: draw ``i`` is ``mix64(mix64(seed) + (i + 1) * GAMMA)`` (mod 2**64), so draw ``i``
of a whole array of seeds is a handful of uint64 array operations, and ``SeedStreams([s])`` (the
batch of one) yields exactly what ``s`` yields inside any batch. ``stream_value`` is the scalar
reference of the same function in plain Python integers; the tests hold the two equal.

Streams advance in lock-step: every call draws once for every seed, whichever branch a problem
later takes, so a seed's values never depend on its neighbours in the batch. Bounded integers are
``low + bits % span``; the modulo bias is below ``span / 2**64`` (under 1e-9 for the spans that
problem generators use), far below anything a problem distribution could show.

>>> streams = SeedStreams([7, 8])
>>> a = streams.integers(0, 100)
>>> b = SeedStreams([8]).integers(0, 100)
>>> int(a[1]) == int(b[0]) and 0 <= int(a[0]) < 100
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engram_env.generator import check_difficulty
from engram_env.problem import MAX_PROMPT_TOKENS, MAX_TARGET_TOKENS, SEED_LIMIT, Problem

MASK64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15  # 2**64 / golden ratio, SplitMix64's increment
_M1, _M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB  # SplitMix64's finaliser multipliers


def mix64(x: int) -> int:
    """SplitMix64's finaliser: a bijection of 64-bit integers that scrambles every bit."""
    x &= MASK64
    x = ((x ^ (x >> 30)) * _M1) & MASK64
    x = ((x ^ (x >> 27)) * _M2) & MASK64
    return x ^ (x >> 31)


_U30, _U27, _U31, _U11 = (np.uint64(n) for n in (30, 27, 31, 11))
_UM1, _UM2 = np.uint64(_M1), np.uint64(_M2)
_SMALL = 8  # below this many seeds, plain Python integers beat numpy's per-call overhead


def mix64_array(x: np.ndarray) -> np.ndarray:
    """``mix64`` elementwise on a uint64 array (numpy wraps array arithmetic mod 2**64)."""
    x = x ^ (x >> _U30)
    x *= _UM1
    x ^= x >> _U27
    x *= _UM2
    x ^= x >> _U31
    return x


def stream_value(seed: int, index: int) -> int:
    """Draw ``index`` (0, 1, ...) of seed ``seed``'s stream, as a 64-bit integer (scalar reference)."""
    return mix64(mix64(seed) + (index + 1) * GAMMA)


class SeedStreams:
    """One counter-based random stream per seed, all drawn in lock-step.

    Each method call is the next draw of every stream and returns an array with one value per
    seed, in the order of ``seeds``.
    """

    def __init__(self, seeds: Sequence[int] | np.ndarray) -> None:
        seeds = np.asarray(seeds)
        if seeds.ndim != 1 or (seeds.size and seeds.dtype.kind not in "iu"):
            raise ValueError(f"seeds must be a 1-d sequence of integers, got {seeds!r}")
        if seeds.size and seeds.dtype.kind == "i" and seeds.min() < 0:
            raise ValueError(f"seeds must be >= 0, got {int(seeds.min())}")
        if len(seeds) < _SMALL:  # the scalar form: same values, less overhead for a few seeds
            self._keys = [mix64(s) for s in seeds.tolist()]
        else:
            self._keys = mix64_array(seeds.astype(np.uint64))
        self.draws = 0  # how many draws each stream has made

    def __len__(self) -> int:
        return len(self._keys)

    def bits(self) -> np.ndarray:
        """The next 64 random bits of every stream, as uint64."""
        self.draws += 1
        step = (self.draws * GAMMA) & MASK64
        if isinstance(self._keys, list):
            return np.array([mix64(k + step) for k in self._keys], dtype=np.uint64)
        return mix64_array(self._keys + np.uint64(step))

    def integers(self, low, high) -> np.ndarray:
        """Integers uniform in ``[low, high)`` (int64); bounds may be scalars or per-seed arrays."""
        if isinstance(low, (int, np.integer)) and isinstance(high, (int, np.integer)):
            if high <= low:
                raise ValueError(f"integers needs low < high, got low={low}, high={high}")
            return (self.bits() % np.uint64(high - low)).astype(np.int64) + low
        low = np.asarray(low, dtype=np.int64)
        span = np.asarray(high, dtype=np.int64) - low
        if np.any(span <= 0):
            raise ValueError(f"integers needs low < high, got low={low}, high={high}")
        return (self.bits() % span.astype(np.uint64)).astype(np.int64) + low

    def random(self) -> np.ndarray:
        """Floats uniform in ``[0, 1)``: the top 53 bits of a draw, exactly as in numpy."""
        return (self.bits() >> _U11).astype(np.float64) * 2.0**-53

    def chance(self, p: float) -> np.ndarray:
        """Booleans, each True with probability ``p``."""
        return self.random() < p


class BatchSampling:
    """Generator mixin: problems sampled from ``SeedStreams``, many seeds per call.

    A generator lists it before ``Generator`` and implements ``sample_batch(streams,
    difficulty)``, returning one ``(prompt, steps, answer)`` per seed in the order of the streams.
    ``problem(seed, d)`` is then the batch of one, so single and batched sampling agree by
    construction, and ``problems(seeds, d)`` is one vectorised call. (Generators whose verifier
    needs extra data in ``meta`` build their ``Problem`` s themselves.)
    """

    def sample_batch(self, streams: SeedStreams, difficulty: int) -> list[tuple]:
        raise NotImplementedError

    def problems(self, seeds: Sequence[int] | np.ndarray, difficulty: int) -> list[Problem]:
        """The problems of many episode seeds, equal to ``[problem(s, difficulty) for s in seeds]``."""
        difficulty = check_difficulty(difficulty)
        seeds = np.asarray(seeds)
        if seeds.size and (seeds.dtype.kind not in "iu" or seeds.min() < 0
                           or int(seeds.max()) >= SEED_LIMIT):
            bad = [s for s in seeds.ravel().tolist() if not (isinstance(s, int) and 0 <= s < SEED_LIMIT)]
            raise ValueError(f"seeds must be integers in [0, 2**63), got {bad[:3]}")
        filing, name = self._filing(), self.name
        out = []
        items = self.sample_batch(SeedStreams(seeds.ravel()), difficulty)
        for seed, (prompt, steps, answer) in zip(seeds.ravel().tolist(), items):
            problem = Problem(name, difficulty, prompt, tuple(steps), answer, filing.copy(), seed)
            # Token count of the target without encoding it: characters, one <step> per step, <eos>.
            if (len(prompt) > MAX_PROMPT_TOKENS
                    or len("".join(steps)) + len(steps) + len(answer) >= MAX_TARGET_TOKENS):
                self._check_caps(problem)  # raises, with the measured sizes
            out.append(problem)
        return out

    def _filing(self) -> dict:
        """The meta that ``make`` files every problem of this generator under (built once)."""
        if "_filing_meta" not in self.__dict__:
            self._filing_meta = self.make(1, "", (), "").meta
        return self._filing_meta

    def problem(self, seed: int, difficulty: int) -> Problem:
        """The problem of episode ``seed``: the batch of one."""
        if not 0 <= seed < SEED_LIMIT:
            raise ValueError(f"seed must be in [0, 2**63), got {seed}")
        return self.problems([seed], difficulty)[0]

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        """One problem whose seed is drawn from ``rng``."""
        return self.problem(int(rng.integers(SEED_LIMIT)), difficulty)
