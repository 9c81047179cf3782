"""engram-env: Gymnasium environments for step-by-step reasoning.

``import engram_env`` registers ``Engram-<task>-v0`` for every generator; then
``gym.make("Engram-addition-v0")`` makes one. See ``EngramEnv`` for the environment contract.
"""

from engram_env.env import EngramEnv, EpisodeFinishedError
from engram_env.generator import Generator, GeneratorError, check_difficulty
from engram_env.problem import Problem, eval_seed
from engram_env.registration import env_id, register_envs
from engram_env.registry import UnknownTaskError, get_generator, select, task_names
from engram_env.vocab import VOCAB_SIZE, decode, encode

__version__ = "0.1.0"
ENV_IDS: list[str] = register_envs()

__all__ = [
    "ENV_IDS",
    "EngramEnv",
    "EpisodeFinishedError",
    "Generator",
    "GeneratorError",
    "Problem",
    "UnknownTaskError",
    "VOCAB_SIZE",
    "check_difficulty",
    "decode",
    "encode",
    "env_id",
    "eval_seed",
    "get_generator",
    "register_envs",
    "select",
    "task_names",
]
