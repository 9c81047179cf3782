"""Multi-agent reasoning environments on PettingZoo, built on the single-agent env and verifiers.

- ``duel_v0`` (parallel): N solvers race on the same problem; the first correct answer earns a bonus.
- ``proposer_solver_v0`` (AEC): a proposer picks task and difficulty for a solver; it is paid
  for problems at the solver's frontier (asymmetric self-play curriculum).
- ``critic_v0`` (AEC): a solver writes a solution, a critic names its first wrong step or calls it
  correct; the verifier decides who was right.

Each module offers ``env()`` (AEC, with PettingZoo's safety wrappers), ``raw_env`` and, where
the game is simultaneous, ``parallel_env()``. Importing this package does not import PettingZoo;
importing one of the modules does.
"""
