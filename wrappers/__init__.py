"""Gymnasium wrappers for the Engram envs, one module per kind of transformation.

- ``wrappers.curriculum``: ``CurriculumWrapper`` (skill-tree gating, pattern balance, retention,
  per-task difficulty scaling) and ``make_curriculum_env``, the ``Engram-curriculum-v0`` entry
  point; ``make_curriculum_vec_env`` and ``CurriculumRecorder`` are its vector forms around a
  shared ``TaskSampler``.
- ``wrappers.action_mask``: ``TokenMask`` (an ``action_masks()`` method for sb3-contrib's
  MaskablePPO: ``<pad>`` is never allowed, ``allowed=`` narrows the alphabet further) and
  ``target_alphabet``, a task's output alphabet from its reference solutions.
"""

from engram_env.skilltree import CurriculumConfig, SkillTree, TaskSampler
from wrappers.action_mask import TokenMask, target_alphabet
from wrappers.curriculum import (
    CurriculumRecorder,
    CurriculumWrapper,
    log_curriculum,
    make_curriculum_env,
    make_curriculum_vec_env,
)

__all__ = ["CurriculumConfig", "CurriculumRecorder", "CurriculumWrapper", "SkillTree",
           "TaskSampler", "TokenMask", "log_curriculum", "make_curriculum_env",
           "make_curriculum_vec_env", "target_alphabet"]
