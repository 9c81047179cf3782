"""Score a whole written solution at once, with ``EngramEnv``'s exact reward semantics.

Batched agents sample complete solutions first and grade them afterwards. ``Scorer`` grades a
token sequence by replaying it through an ``EngramEnv`` (reset to the problem's own task,
difficulty and seed), so there is exactly one implementation of the reward rules: the env's.
What the scorer adds is bookkeeping that batched trainers need and a stepping loop does not
keep: the reward of every token, and which *reward slot* each token closes.

Reward slots line up the rewardable events of different attempts at the same problem, so a
trainer can compare "step 2 of attempt a" with "step 2 of attempt b" (step-level GRPO):

- ``"step"`` mode: the ``<step>`` closing reference step i is slot i (i < K); the ``<eos>``
  closing the answer is slot K. Extra steps (i >= K) are no slot: they can earn nothing.
- ``"final"`` mode: the answer's ``<eos>`` is slot 0, the only slot.
- ``"char"`` mode: the token at target position t is slot t (t < len(target)).

Tokens that close no slot have slot -1. ``Score.n_slots`` is the number of slots the problem
has (K + 1, 1 or len(target)); an attempt that stopped early simply never closed the later ones.

>>> from engram_env import get_generator
>>> problem = get_generator("addition").problem(seed=7, difficulty=2)
>>> score = Scorer().score(problem, problem.target_ids)
>>> score.total, score.answer_correct, score.steps_correct, score.slots[score.slots >= 0].tolist()
(1.0, True, 2, [0, 1, 2])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engram_env.env import EngramEnv, check_reward_mode
from engram_env.problem import Problem
from engram_env.vocab import EOS, STEP


@dataclass(frozen=True)
class Score:
    """The env's verdict on one written solution, token by token."""

    rewards: np.ndarray  # (length,) float64: the reward EngramEnv.step paid for each token
    slots: np.ndarray  # (length,) int64: the reward slot each token closes, -1 for none
    n_slots: int  # slots this problem has in this reward mode
    length: int  # tokens consumed: through <eos> or truncation, else all that were given
    terminated: bool  # the episode ended (<eos>; in "char" mode also a wrong token)
    truncated: bool  # the 512-token output limit was reached without <eos>
    answer_correct: bool
    steps_correct: int
    steps_total: int

    @property
    def total(self) -> float:
        """The episodic return, summed in step order as the env sums it (a perfect one is 1.0)."""
        return float(sum(self.rewards.tolist(), 0.0))

    @property
    def finished(self) -> bool:
        return self.terminated or self.truncated


class Scorer:
    """Grades token sequences against problems by stepping an ``EngramEnv`` (one env per task)."""

    def __init__(self, reward_mode: str = "step") -> None:
        self.reward_mode = check_reward_mode(reward_mode)
        self._envs: dict[str, EngramEnv] = {}

    def score(self, problem: Problem, tokens) -> Score:
        """Replay ``tokens`` (token ids) as one episode of ``problem``.

        Tokens after the episode ends are ignored. A sequence that stops before ``<eos>`` (an
        agent's own length budget) is scored on what it wrote: neither terminated nor truncated,
        and its answer is not correct.
        """
        if problem.seed is None:
            raise ValueError("can only score problems made by Generator.problem(seed, ...): "
                             f"this {problem.task!r} problem has no seed")
        env = self._envs.get(problem.task)
        if env is None:
            env = self._envs[problem.task] = EngramEnv(problem.task, reward_mode=self.reward_mode)
        env.reset(options={"difficulty": problem.difficulty, "problem_seed": problem.seed})
        if env.problem != problem:
            raise ValueError(f"problem {problem.task!r} seed {problem.seed} does not match what its "
                             "generator makes from that seed (was it edited?)")
        tokens = np.asarray(tokens, dtype=np.int64).ravel()
        k = len(problem.steps)
        n_slots = {"step": k + 1, "final": 1, "char": len(problem.target_ids)}[self.reward_mode]
        rewards = np.zeros(len(tokens))
        slots = np.full(len(tokens), -1, dtype=np.int64)
        steps_correct, answer_correct = 0, False
        terminated = truncated = False
        length = len(tokens)
        for t, token in enumerate(tokens.tolist()):
            _, reward, terminated, truncated, info = env.step(token)
            rewards[t] = reward
            if "step_correct" in info:
                steps_correct += bool(info["step_correct"]) and info["step_index"] < k
            if self.reward_mode == "char":
                slots[t] = t if t < n_slots else -1
            elif self.reward_mode == "step" and token == STEP and info["step_index"] < k:
                slots[t] = info["step_index"]
            elif token == EOS:
                slots[t] = k if self.reward_mode == "step" else 0
            if terminated or truncated:
                answer_correct = bool(info["answer_correct"])
                length = t + 1
                break
        return Score(rewards[:length], slots[:length], n_slots, length, bool(terminated),
                     bool(truncated), answer_correct, int(steps_correct), k)
