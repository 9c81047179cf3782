"""Reasoning patterns and domains: the two axes every generator is filed under.

The 26 patterns are how a problem is solved (the curriculum balances exposure across them); the
domains are what it is about. Both are closed sets so a typo in a generator fails at import.
"""

from __future__ import annotations

REASONING_PATTERNS: tuple[str, ...] = (
    "formula_substitution",
    "meta_reasoning",
    "probabilistic_reasoning",
    "differential_equations",
    "graph_traversal",
    "simulation_trace",
    "symbolic_manipulation",
    "construction_and_verification",
    "geometric_computation",
    "conservation_and_balance",
    "linear_algebra",
    "counting_and_enumeration",
    "statistical_inference",
    "logical_deduction",
    "modular_arithmetic",
    "transform_methods",
    "dynamic_programming",
    "optimization",
    "series_and_convergence",
    "encoding_and_decoding",
    "approximation_and_numerical",
    "recursive_decomposition",
    "comparison_and_ordering",
    "dimensional_analysis",
    "greedy_selection",
    "search_and_backtracking",
)
assert len(REASONING_PATTERNS) == 26

DOMAINS: tuple[str, ...] = (
    "arithmetic",
    "number_theory",
    "algebra",
    "calculus",
    "linear_algebra",
    "sequences",
    "combinatorics",
    "probability",
    "statistics",
    "logic",
    "sets",
    "strings",
    "algorithms",
    "graphs",
    "ciphers",
    "geometry",
    "units",
    "physics",
    "chemistry",
)

MAX_TIER = 10
MIN_DIFFICULTY, MAX_DIFFICULTY = 1, 10
