"""``EngramVectorEnv``: N Engram episodes stepped together in numpy.

Char-level episodes run tens to hundreds of steps per problem, so what a training loop pays per
``step()`` decides whether the suite is trainable. Here one ``step()`` advances N episodes with a
fixed number of array operations; Python runs per episode only when one starts (its problem) or
when a segment misses the exact match (the semantic verifier). The design:

- Buffers are allocated once: prompt and output ``(N, 512)`` uint8 (the observation), the
  reference target ``(N, 1024)`` (twice the output width, so a match pointer can never leave its
  row), where each reference segment starts ``(N, 512)``, and ``(N,)`` counters. A step writes
  one column of the output.
- Exact-match checks are incremental. Two pointers per episode walk the reference target beside
  the output: one through reference step ``v`` (the segment being written is the v-th) and one
  through the answer, each with a still-matching flag that a token unequal to the target at its
  pointer clears. A ``<step>`` closes an exact step iff the step flag holds and the step pointer
  sits on the reference's own ``<step>``; ``<eos>`` closes an exact answer iff the answer flag
  holds and its pointer sits on the reference ``<eos>``. Only segments that miss the exact match
  go to the task's verifier (``check_step`` / ``check_answer``: equivalent forms).
- The episode rules are ``engram_env.env``'s pure functions (``reward_for``, ``outcome``,
  ``draw_episode``, ``verify_step``, ...), applied here to arrays and in ``EngramEnv`` to
  scalars: one definition of the contract, so the two envs cannot drift apart.
- Slot ``i`` has its own ``np_random``, seeded as ``SyncVectorEnv`` seeds its ``i``-th env
  (``reset(seed=s)`` gives it ``s + i``) and drawing each episode's task and problem seed exactly
  as ``EngramEnv`` does; problems come from ``Generator.problems(seeds, difficulty)`` (one
  vectorised call for generators that sample in batches) and are encoded in one pass. Hence the
  guarantee the tests hold: for the same seeds and actions, this env and
  ``SyncVectorEnv([EngramEnv...], autoreset_mode=SAME_STEP)`` give identical observations,
  rewards, terminations, truncations and infos.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from engram_env.env import (
    EpisodeFinishedError,
    check_reward_mode,
    draw_episode,
    load_tasks,
    observation_space,
    outcome,
    parse_reset_options,
    reward_for,
    step_info,
    verify_answer,
    verify_step,
)
from engram_env.generator import Generator, GeneratorError, check_difficulty
from engram_env.problem import MAX_PROMPT_TOKENS, MAX_TARGET_TOKENS, TRAIN_SEED_LIMIT, Problem
from engram_env.vocab import (
    CHAR_TO_ID,
    EOS,
    PAD,
    STEP,
    STEP_SEPARATOR,
    TOKEN_DTYPE,
    VOCAB_SIZE,
    encode,
)

_TARGET_WIDTH = 2 * MAX_TARGET_TOKENS  # a match pointer stays below 511 + 511
# Code point -> token id for batch encoding: the vocabulary, plus "\x01" and "\x02" standing in
# for <eos> and <step> in the joined text; -1 elsewhere.
_CODES = np.full(max(map(ord, CHAR_TO_ID)) + 1, -1, dtype=np.int16)
for _char, _id in CHAR_TO_ID.items():
    _CODES[ord(_char)] = _id
_CODES[1], _CODES[2] = EOS, STEP


def encode_batch(texts: Sequence[str], eos: bool) -> tuple[np.ndarray, np.ndarray]:
    """Token ids of many texts in one pass: (all ids concatenated, each text's length).

    Equal to ``encode(text, eos=eos)`` for each text (``" <step> "`` becomes ``<step>``), at the
    cost of one join and a few array operations for the whole batch instead of several per text.
    A text with a character outside the vocabulary raises ``encode``'s error.
    """
    if not texts:
        return np.zeros(0, dtype=TOKEN_DTYPE), np.zeros(0, dtype=np.int64)
    joined = "\x01".join(texts) + "\x01"
    if "\x02" in joined or joined.count("\x01") != len(texts):
        _reencode(texts)  # a control character in some text: encode() names it and raises
    codes = np.frombuffer(joined.replace(STEP_SEPARATOR, "\x02").encode("utf-32-le"), np.uint32)
    ids = _CODES[np.minimum(codes, len(_CODES) - 1)]
    if (ids < 0).any() or (codes >= len(_CODES)).any():
        _reencode(texts)
    ends = np.flatnonzero(codes == 1)
    lengths = np.diff(ends, prepend=-1)  # each text with its closing "\x01"
    if not eos:
        ids, lengths = ids[codes != 1], lengths - 1
    return ids.astype(TOKEN_DTYPE), lengths


def _reencode(texts: Sequence[str]) -> None:
    for text in texts:
        encode(text)  # raises VocabularyError naming the character and its position
    raise ValueError("texts hold control characters '\\x01'/'\\x02', which are not in the vocabulary")


def _write_rows(buffer: np.ndarray, rows: np.ndarray, ids: np.ndarray, lengths: np.ndarray) -> None:
    """Write each row's ids (concatenated in ``ids``) at the start of its row, PAD after."""
    buffer[rows] = PAD
    starts = np.cumsum(lengths) - lengths  # where each row's ids begin in ``ids``
    flat_index = np.arange(len(ids)) + np.repeat(rows * buffer.shape[1] - starts, lengths)
    buffer.reshape(-1)[flat_index] = ids


class EngramVectorEnv(VectorEnv):
    """``num_envs`` Engram episodes stepped together; each slot behaves exactly as an ``EngramEnv``.

    ## Description

    The vectorised form of ``EngramEnv`` (see its docstring for the task, rewards and info
    semantics, which are identical here): slot ``i`` plays one problem after another, and a
    ``step(actions)`` writes ``actions[i]`` into slot ``i``'s output for every slot at once.
    ``gym.make_vec("Engram-<task>-v0", num_envs=N)`` returns it for every Engram id.

    ## Action Space

    ``MultiDiscrete([135] * num_envs)``: one token id per slot (any integer array of shape
    ``(num_envs,)``, or a sequence).

    ## Observation Space

    ``Dict(prompt=Box(0, 134, (num_envs, 512), uint8), output=Box(0, 134, (num_envs, 512),
    uint8))``. The returned arrays are the env's own buffers, updated in place by the next
    ``step``/``reset`` (no copy: copying 1 KB per slot per step would cost more than the step).
    Keep an observation beyond the next call by copying it, or pass ``copy=True`` to get fresh
    arrays every call. ``final_obs`` entries are always copies.

    ## Rewards

    Exactly ``EngramEnv``'s in every ``reward_mode``, computed by the same functions
    (``engram_env.env.reward_for``): a perfect episode returns exactly 1.0.

    ## Starting State

    Slot ``i`` draws its episodes from its own ``np_random``: ``reset(seed=s)`` seeds slot ``i``
    with ``s + i`` (a list gives one seed per slot), as ``SyncVectorEnv`` seeds its envs.

    ## Episode End

    As in ``EngramEnv``: terminated at ``<eos>`` (``"char"`` mode: also at the first wrong
    token), truncated after 512 tokens. Autoreset is ``AutoresetMode.SAME_STEP``
    (``metadata["autoreset_mode"]``): a finished slot starts its next problem within the same
    ``step()``, so the returned observation is the new episode's first, the finished episode's
    last observation and info are in ``infos["final_obs"]`` and ``infos["final_info"]`` (masks
    ``_final_obs``, ``_final_info``), and the new episode's reset info (``problem``, ``task``,
    ``difficulty``) is in ``infos`` under the slot's index. No step is wasted on a reset.

    ## Arguments

    ``num_envs`` plus ``EngramEnv``'s ``task``/``tasks``, ``difficulty`` and ``reward_mode``;
    ``copy`` (default False) returns fresh observation arrays. ``reset(options=...)`` takes
    ``task``, ``difficulty`` and ``problem_seed`` (applied to every reset slot, for that episode
    only) and ``reset_mask`` (a bool array: reset only those slots).

    ## Info

    Gymnasium's vector form of ``EngramEnv``'s info: a dict of arrays of length ``num_envs``,
    each key with a boolean ``_key`` mask of the slots that reported it.

    ## Version History

    - v0: initial release.

    ## Example

    >>> import gymnasium as gym, numpy as np, engram_env
    >>> envs = gym.make_vec("Engram-addition-v0", num_envs=4, difficulty=2)
    >>> type(envs).__name__, envs.metadata["autoreset_mode"]
    ('EngramVectorEnv', <AutoresetMode.SAME_STEP: 'SameStep'>)
    >>> obs, infos = envs.reset(seed=0)
    >>> obs["prompt"].shape, obs["prompt"].dtype
    ((4, 512), dtype('uint8'))
    >>> returns, finished = np.zeros(4), np.zeros(4, dtype=bool)
    >>> while not finished.all():  # the oracle writes each slot's reference solution
    ...     obs, rewards, terminated, truncated, infos = envs.step(envs.reference_actions())
    ...     returns += np.where(finished, 0.0, rewards)
    ...     finished |= terminated
    >>> returns.tolist(), infos["final_info"]["answer_correct"].tolist()
    ([1.0, 1.0, 1.0, 1.0], [True, True, True, True])
    """

    metadata: ClassVar[dict[str, Any]] = {"autoreset_mode": AutoresetMode.SAME_STEP,
                                          "render_modes": []}
    seed_block = 64  # single-task slots draw their episode seeds this many at a time

    def __init__(
        self,
        num_envs: int = 1,
        task: str | None = None,
        *,
        tasks: Sequence[str] | None = None,
        difficulty: int = 1,
        reward_mode: str = "step",
        copy: bool = False,
        render_mode: str | None = None,
    ) -> None:
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
            raise ValueError(f"num_envs must be a positive integer, got {num_envs!r}")
        if render_mode is not None:
            raise ValueError(f"EngramVectorEnv does not render (render_mode must be None, got "
                             f"{render_mode!r}); use EngramEnv(render_mode='ansi') to watch one")
        self.generators: dict[str, Generator] = load_tasks(task, tasks)
        self.task_names = list(self.generators)
        self.difficulty = check_difficulty(difficulty)
        self.reward_mode = check_reward_mode(reward_mode)
        self.copy = bool(copy)
        self.render_mode = None

        n = self.num_envs = int(num_envs)
        self.single_observation_space = observation_space()
        self.single_action_space = spaces.Discrete(VOCAB_SIZE)
        self.observation_space = batch_space(self.single_observation_space, n)
        self.action_space = batch_space(self.single_action_space, n)

        self._prompt = np.zeros((n, MAX_PROMPT_TOKENS), dtype=TOKEN_DTYPE)
        self._output = np.zeros((n, MAX_TARGET_TOKENS), dtype=TOKEN_DTYPE)
        self._target = np.zeros((n, _TARGET_WIDTH), dtype=TOKEN_DTYPE)
        self._segment_starts = np.zeros((n, MAX_TARGET_TOKENS), dtype=np.int64)  # (N, 512)
        self._output_flat, self._target_flat = self._output.reshape(-1), self._target.reshape(-1)
        self._output_base = np.arange(n) * MAX_TARGET_TOKENS  # row offsets into the flat views
        self._target_base = np.arange(n) * _TARGET_WIDTH

        def counter(dtype=np.int64) -> np.ndarray:  # one value per slot
            return np.zeros(n, dtype=dtype)

        self._cursor = counter()  # tokens written
        self._segment_start = counter()  # output position where the open segment began
        self._closed = counter()  # segments closed so far: the open segment's index
        self._k = counter()  # reference steps
        self._n = counter()  # target tokens, <eos> included
        self._answer_start = counter()  # target position where the reference answer begins
        self._step_at, self._step_match = counter(), counter(bool)  # the two exact-match tracks
        self._answer_at, self._answer_match = counter(), counter(bool)
        self._steps_correct = counter()
        self._return = counter(np.float64)
        self._problems = np.full(n, None, dtype=object)  # (N,) the Problem each slot plays
        self._tasks = np.full(n, None, dtype=object)  # (N,) its task name
        self._rngs: list[np.random.Generator | None] = [None] * n
        self._seed_block = np.zeros((n, self.seed_block), dtype=np.int64)  # drawn ahead, in order
        self._seed_next = np.full(n, self.seed_block)  # next unused column; seed_block: none left
        self._started = False

    # -- the Gymnasium API -------------------------------------------------------------------

    def step(self, actions) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        if not self._started:
            raise EpisodeFinishedError("step() called before reset(); call reset() first")
        tokens = self._check_actions(actions)
        t = self._cursor  # (N,) the position each token is written at
        self._output_flat[self._output_base + t] = tokens
        self._cursor = t + 1
        # Extend both exact-match tracks by this token (see the module docstring).
        self._step_match &= self._target_flat[self._target_base + self._step_at] == tokens
        self._answer_match &= self._target_flat[self._target_base + self._answer_at] == tokens
        self._step_at += 1
        self._answer_at += 1

        n = self.num_envs
        closes_step, terminated = tokens == STEP, tokens == EOS
        step_ok, answer_ok, char_ok = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool)
        step_index = self._closed.copy()  # the index of the segment each <step> closes
        if closes_step.any():
            step_ok[closes_step] = self._close_steps(np.flatnonzero(closes_step), t)
        if terminated.any():
            answer_ok[terminated] = self._close_answers(np.flatnonzero(terminated), t)
        if self.reward_mode == "char":
            char_ok = (t < self._n) & (tokens == self._target_flat[self._target_base + t])
            terminated |= ~char_ok

        rewards = np.zeros(n)
        paid = np.flatnonzero(step_ok | answer_ok | char_ok)
        if paid.size:
            rewards[paid] = reward_for(
                self.reward_mode, step_ok=step_ok[paid], answer_ok=answer_ok[paid],
                char_ok=char_ok[paid], position=t[paid], k=self._k[paid], n=self._n[paid],
                steps_correct=self._steps_correct[paid], returned=self._return[paid],
            )
            self._return[paid] += rewards[paid]

        truncated = ~terminated & (self._cursor >= MAX_TARGET_TOKENS)
        done = terminated | truncated
        infos: dict[str, Any] = {}
        ongoing_step = closes_step & ~done
        if ongoing_step.any():
            _add(infos, step_info(_masked(step_index, ongoing_step),
                                  _masked(step_ok, ongoing_step)), ongoing_step)
        if done.any():
            final_step = closes_step & done
            final_info: dict[str, Any] = {}
            if final_step.any():
                _add(final_info, step_info(_masked(step_index, final_step),
                                           _masked(step_ok, final_step)), final_step)
            _add(final_info, outcome(answer_ok & done, _masked(self._steps_correct, done),
                                     _masked(self._k, done)), done)
            rows = np.flatnonzero(done)
            infos["final_obs"] = self._final_observations(rows)
            infos["_final_obs"] = done.copy()
            infos["final_info"], infos["_final_info"] = final_info, done.copy()
            _add(infos, self._start(rows, None, self.difficulty, None), done)
        return self._observation(), rewards, terminated, truncated, infos

    def reset(
        self, *, seed: int | Sequence[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict, dict[str, Any]]:
        n = self.num_envs
        options = dict(options or {})
        mask = options.pop("reset_mask", None)
        if mask is None:
            mask = np.ones(n, dtype=bool)
        elif not (isinstance(mask, np.ndarray) and mask.dtype == np.bool_ and mask.shape == (n,)
                  and mask.any()):
            raise ValueError(f"options['reset_mask'] must be a bool array of shape ({n},) with at "
                             f"least one True, got {mask!r}")
        elif not self._started and not mask.all():
            raise ValueError("the first reset() must reset every slot (no reset_mask)")
        task, difficulty, problem_seed = parse_reset_options(options, self.task_names,
                                                             self.difficulty)
        if seed is None:
            seeds: Sequence[int | None] = [None] * n
        elif isinstance(seed, (int, np.integer)):
            seeds = [int(seed) + i for i in range(n)]
        elif len(seed) == n:
            seeds = [None if s is None else int(s) for s in seed]
        else:
            raise ValueError(f"seed must be None, an int or a list of {n} seeds, got {seed!r}")
        rows = np.flatnonzero(mask)
        for i in rows.tolist():
            if seeds[i] is not None or self._rngs[i] is None:
                self._rngs[i] = seeding.np_random(seeds[i])[0]
                self._seed_next[i] = self._seed_block.shape[1]  # drawn-ahead seeds: stale
        infos: dict[str, Any] = {}
        _add(infos, self._start(rows, task, difficulty, problem_seed), mask)
        self._started = True
        return self._observation(), infos

    def reference_actions(self) -> np.ndarray:
        """The token each slot's reference solution writes next (``<pad>`` past its end).

        Stepping with these is the oracle policy; they are also the teacher-forcing labels of
        the current position (for supervised warm-up without leaving the vector env).
        """
        return self._target_flat[self._target_base + self._cursor].astype(np.int64)

    @property
    def problems(self) -> list[Problem | None]:
        """The problem each slot is playing (``info["problem"]`` of its last reset)."""
        return list(self._problems)

    # -- internals ---------------------------------------------------------------------------

    def _check_actions(self, actions) -> np.ndarray:
        tokens = np.asarray(actions)
        if tokens.shape != (self.num_envs,):
            raise ValueError(f"actions must have shape ({self.num_envs},), one token id per env, "
                             f"got shape {tokens.shape}")
        if tokens.dtype.kind not in "iu":
            raise ValueError(f"actions must be integer token ids in 0..{VOCAB_SIZE - 1}, got "
                             f"dtype {tokens.dtype}")
        bad = (tokens < 0) | (tokens >= VOCAB_SIZE)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"action must be a token id in 0..{VOCAB_SIZE - 1}, got "
                             f"{tokens[i]} for env {i}")
        return tokens.astype(np.int64, copy=False)

    def _observation(self) -> dict[str, np.ndarray]:
        if self.copy:
            return {"prompt": self._prompt.copy(), "output": self._output.copy()}
        return {"prompt": self._prompt, "output": self._output}

    def _final_observations(self, rows: np.ndarray) -> np.ndarray:
        """``final_obs``: the finished slots' last observations (copies), None elsewhere."""
        prompts, outputs = self._prompt[rows], self._output[rows]  # (R, 512) copies
        final = np.full(self.num_envs, None, dtype=object)
        final[rows] = [{"prompt": p, "output": o} for p, o in zip(list(prompts), list(outputs))]
        return final

    def _segment(self, i: int, end: int) -> np.ndarray:
        return self._output[i, self._segment_start[i] : end]

    def _close_steps(self, rows: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Verdicts on the segments that ``<step>`` closes in ``rows``; advance their tracks."""
        index, k = self._closed[rows], self._k[rows]
        correct = self._step_match[rows]  # exact matches
        for j in np.flatnonzero(~correct & (index < k)).tolist():
            i = int(rows[j])
            correct[j] = verify_step(self.generators[self._tasks[i]], self._problems[i],
                                     int(index[j]), self._segment(i, t[i]))
        self._steps_correct[rows] += correct
        self._closed[rows] = index + 1
        # The next segment is matched against reference segment index + 1 (the answer's at K,
        # where a closing <step> meets <eos> and cannot match; nothing past it).
        self._step_at[rows] = self._segment_starts[rows, np.minimum(index + 1, k)]
        self._step_match[rows] = index < k
        self._answer_at[rows] = self._answer_start[rows]
        self._answer_match[rows] = True
        self._segment_start[rows] = t[rows] + 1
        return correct

    def _close_answers(self, rows: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Verdicts on the answers that ``<eos>`` closes in ``rows``."""
        correct = self._answer_match[rows]
        for j in np.flatnonzero(~correct).tolist():
            i = int(rows[j])
            correct[j] = verify_answer(self.generators[self._tasks[i]], self._problems[i],
                                       self._segment(i, t[i]))
        return correct

    def _start(self, rows: np.ndarray, task: str | None, difficulty: int,
               problem_seed: int | None) -> dict[str, Any]:
        """Start a new episode in each of ``rows``; return their reset infos (full-size arrays)."""
        names, seeds = self._draw_episodes(rows, task, problem_seed)
        if len(self.task_names) == 1:
            problems = self.generators[names[0]].problems(seeds, difficulty)
        else:
            by_task: dict[str, list[int]] = {}
            for j, name in enumerate(names):
                by_task.setdefault(name, []).append(j)
            problems = [None] * len(rows)
            for name, js in by_task.items():
                for j, problem in zip(js, self.generators[name].problems(seeds[js], difficulty)):
                    problems[j] = problem
        self._load(rows, problems)

        info = {key: np.full(self.num_envs, None, dtype=object) for key in ("problem", "task")}
        info["problem"][rows] = self._problems[rows] = _objects(problems)
        info["task"][rows] = self._tasks[rows] = _objects(names)
        info["difficulty"] = np.zeros(self.num_envs, dtype=np.int64)
        info["difficulty"][rows] = difficulty
        return info

    def _draw_episodes(self, rows: np.ndarray, task: str | None,
                       problem_seed: int | None) -> tuple[list[str], np.ndarray]:
        """Each row's next task and problem seed, from its own ``np_random`` (``draw_episode``).

        With one task, ``draw_episode`` draws only the seed, ``integers(TRAIN_SEED_LIMIT)``,
        and numpy makes each such draw from exactly one 64-bit word (the span is a power of two:
        no rejection), so ``integers(TRAIN_SEED_LIMIT, size=B)`` is the next B draws. Slots
        therefore draw their seeds a block at a time and hand them out in order: the same
        episodes, without a Python call per reset.
        """
        if len(self.task_names) > 1 or problem_seed is not None:
            episodes = [draw_episode(self._rngs[i], self.task_names, task, problem_seed)
                        for i in rows.tolist()]
            return [name for name, _ in episodes], np.array([s for _, s in episodes], np.int64)
        block = self._seed_block.shape[1]
        for i in rows[self._seed_next[rows] >= block].tolist():
            self._seed_block[i] = self._rngs[i].integers(TRAIN_SEED_LIMIT, size=block)
            self._seed_next[i] = 0
        seeds = self._seed_block[rows, self._seed_next[rows]]
        self._seed_next[rows] += 1
        return self.task_names * len(rows), seeds

    def _load(self, rows: np.ndarray, problems: list[Problem]) -> None:
        """Write the problems into the buffers of ``rows`` and reset those slots' counters."""
        prompt_ids, prompt_lengths = encode_batch([p.prompt for p in problems], eos=False)
        target_ids, target_lengths = encode_batch([p.target for p in problems], eos=True)
        if prompt_lengths.max() > MAX_PROMPT_TOKENS or target_lengths.max() > MAX_TARGET_TOKENS:
            j = int(np.argmax((prompt_lengths > MAX_PROMPT_TOKENS) | (target_lengths > MAX_TARGET_TOKENS)))
            raise GeneratorError(f"{problems[j].task} (seed {problems[j].seed}) made a problem over "
                                 f"the caps: prompt {prompt_lengths[j]}, target {target_lengths[j]} "
                                 f"tokens (at most {MAX_PROMPT_TOKENS} and {MAX_TARGET_TOKENS})")
        _write_rows(self._prompt, rows, prompt_ids, prompt_lengths)
        _write_rows(self._target, rows, target_ids, target_lengths)
        self._output[rows] = PAD

        # Where each reference segment starts: 0, then one past each <step>.
        is_step = target_ids == STEP
        steps_before = np.cumsum(is_step) - is_step  # <step>s earlier in the concatenation
        first = np.cumsum(target_lengths) - target_lengths  # each row's offset in target_ids
        row_of = np.repeat(np.arange(len(rows)), target_lengths)
        rank = steps_before - steps_before[first][row_of]  # <step>s earlier in the same row
        columns = np.arange(len(target_ids)) - first[row_of]
        self._segment_starts[rows, 0] = 0
        self._segment_starts[rows[row_of[is_step]], rank[is_step] + 1] = columns[is_step] + 1
        k = np.bincount(row_of[is_step], minlength=len(rows))

        self._k[rows], self._n[rows] = k, target_lengths
        self._answer_start[rows] = self._segment_starts[rows, k]
        for counter in (self._cursor, self._segment_start, self._closed, self._step_at,
                        self._steps_correct):
            counter[rows] = 0
        self._answer_at[rows] = self._answer_start[rows]
        self._step_match[rows] = self._answer_match[rows] = True
        self._return[rows] = 0.0


def _objects(items: list) -> np.ndarray:
    """A 1-d object array holding ``items`` themselves (numpy would convert strings)."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _masked(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``values`` where ``mask``, zero (False) elsewhere: how vector infos fill absent slots."""
    return np.where(mask, values, np.zeros((), dtype=values.dtype))


def _add(infos: dict[str, Any], values: dict[str, Any], mask: np.ndarray) -> None:
    """Add per-slot info arrays under their keys, each with its ``_key`` mask (a copy)."""
    for key, value in values.items():
        infos[key], infos[f"_{key}"] = value, mask.copy()
