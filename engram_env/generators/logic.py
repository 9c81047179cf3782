"""Logic and sets: boolean evaluation, truth tables, equivalence, SAT, Horn deduction, set algebra.

A formula is a small tree: a leaf is ``"T"``, ``"F"`` or a variable letter, an inner node is
``("¬", x)`` or ``(op, a, b)`` with op one of ∧ ∨ → ↔. Every binary subformula is parenthesised
except the outermost, so no precedence convention is needed. True/false tasks fix the answer
first and then build a formula with that value (a random shape whose leaves are forced top-down).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from functools import partial
from typing import ClassVar, TypeVar

import numpy as np

from engram_env.answers import normalize
from engram_env.generator import Generator
from engram_env.generators._common import chance, comma_list
from engram_env.problem import Problem
from engram_env.verifiers import (
    CaseInsensitiveAnswer,
    IntegerAnswer,
    RationalSetAnswer,
    SpacingFreeSteps,
)

Node = str | tuple
Item = TypeVar("Item")

_OPS: dict[str, Callable[[bool, bool], bool]] = {
    "∧": lambda a, b: a and b,
    "∨": lambda a, b: a or b,
    "→": lambda a, b: (not a) or b,
    "↔": lambda a, b: a == b,
}
_VARIABLES = "pqrs"


def _distinct(
    draw: Callable[[], Item], count: int, key: Callable[[Item], object] = lambda x: x
) -> list[Item]:
    """``count`` draws with distinct keys (fewer if 20*count draws do not find them)."""
    out: list[Item] = []
    seen: set = set()
    for _ in range(20 * count):
        item = draw()
        if key(item) not in seen:
            seen.add(key(item))
            out.append(item)
            if len(out) == count:
                break
    return out


def _tf(value: bool) -> str:
    return "T" if value else "F"


def _render(node: Node, top: bool = True) -> str:
    if isinstance(node, str):
        return node
    if node[0] == "¬":
        return "¬" + _render(node[1], top=False)
    text = _render(node[1], top=False) + node[0] + _render(node[2], top=False)
    return text if top else f"({text})"


def _value(node: Node, env: dict[str, bool]) -> bool:
    if isinstance(node, str):
        return node == "T" if node in "TF" else env[node]
    if node[0] == "¬":
        return not _value(node[1], env)
    return _OPS[node[0]](_value(node[1], env), _value(node[2], env))


def _shape(rng: np.random.Generator, leaves: list[str], ops: str, p_not: float) -> Node:
    """A random tree over ``leaves`` (kept in order), each subtree negated with ``p_not``."""
    if len(leaves) == 1:
        node: Node = leaves[0]
    else:
        k = int(rng.integers(1, len(leaves)))
        op = ops[int(rng.integers(len(ops)))]
        node = (op, _shape(rng, leaves[:k], ops, p_not), _shape(rng, leaves[k:], ops, p_not))
    return ("¬", node) if chance(rng, p_not) else node


def _force(rng: np.random.Generator, node: Node, want: bool) -> Node:
    """``node`` with its leaves replaced by T/F so that it evaluates to ``want``."""
    if isinstance(node, str):
        return _tf(want)
    if node[0] == "¬":
        return ("¬", _force(rng, node[1], not want))
    pairs = [(a, b) for a in (True, False) for b in (True, False) if _OPS[node[0]](a, b) == want]
    a, b = pairs[int(rng.integers(len(pairs)))]
    return (node[0], _force(rng, node[1], a), _force(rng, node[2], b))


def _reduce_once(node: tuple) -> Node:
    """``node`` with its leftmost innermost operation (all operands literals) evaluated."""
    for i, child in enumerate(node[1:], start=1):
        if not isinstance(child, str):
            return node[:i] + (_reduce_once(child),) + node[i + 1 :]
    return _tf(_value(node, {}))


def _rows(variables: str) -> list[dict[str, bool]]:
    """All assignments, F before T, the last variable changing fastest."""
    return [
        dict(zip(variables, values))
        for values in itertools.product((False, True), repeat=len(variables))
    ]


def _row_name(env: dict[str, bool]) -> str:
    return "".join(_tf(v) for v in env.values())


def _variable_formula(rng: np.random.Generator, variables: str, leaves: int, ops: str) -> Node:
    """A random formula in which every variable occurs (``leaves >= len(variables)``)."""
    names = list(variables) + [
        variables[int(i)] for i in rng.integers(len(variables), size=leaves - len(variables))
    ]
    return _shape(rng, [str(v) for v in rng.permutation(names)], ops, 0.25)


_TRUTH_WORDS = {"t": True, "true": True, "f": False, "false": False}


class _TruthValueAnswer:
    """The answer is T or F; true/false in any case are the same answers."""

    def check_answer(self, problem: Problem, text: str) -> bool:
        word = normalize(text).lower()
        return word in _TRUTH_WORDS and _TRUTH_WORDS[word] == (problem.answer == "T")


class _Logic(Generator):
    domain = "logic"


class BooleanChain(_TruthValueAnswer, SpacingFreeSteps, _Logic):
    name = "boolean_chain"
    tier = 0
    pattern = "logical_deduction"
    summary = "Evaluate a chain of T/F joined by one connective, left to right."
    difficulty_doc = (
        "difficulty+1 terms (2..11), all joined by ∧ or all by ∨; negated terms from level 4."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        value = chance(rng, 0.5)
        op = "∧" if chance(rng, 0.5) else "∨"
        identity = op == "∧"  # the value that leaves the chain unchanged: all of them give it
        terms = [identity] * (difficulty + 1)
        if value != identity:
            terms = [chance(rng, 0.5) for _ in terms]
            terms[int(rng.integers(len(terms)))] = value
        texts = [
            "¬" + _tf(not t) if difficulty >= 4 and chance(rng, 0.3) else _tf(t) for t in terms
        ]
        steps, acc = [], terms[0]
        for term, text in zip(terms[1:], texts[1:]):
            new = _OPS[op](acc, term)
            steps.append(f"{_tf(acc)}{op}{text}={_tf(new)}")
            acc = new
        example = f"T{op}F={_tf(_OPS[op](True, False))}"
        prompt = (
            f"Evaluate {op.join(texts)} (T true, F false). Go left to right, one step per "
            f"connective: value so far, {op}, next term, =, result (like {example}). "
            "Answer T or F."
        )
        return self.make(difficulty, prompt, steps, _tf(value), terms=texts, op=op)


class BooleanEval(_TruthValueAnswer, SpacingFreeSteps, _Logic):
    name = "boolean_eval"
    tier = 1
    pattern = "logical_deduction"
    prerequisites = ("boolean_chain",)
    summary = "Evaluate a nested boolean expression, reducing one innermost operation per step."
    difficulty_doc = (
        "3 + 6*difficulty//10 literals (3..9) joined by ∧/∨ in a random tree; each "
        "subexpression is negated with probability 0.2 from level 3."
    )
    _BUDGET = 440  # tokens of steps; every rewrite repeats the rest of the expression

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        value = chance(rng, 0.5)
        for attempt in range(10):  # deep negations make long rewrites: redraw, finally without any
            p_not = 0.2 if difficulty >= 3 and attempt < 9 else 0.0
            shape = _shape(rng, ["?"] * (3 + 6 * difficulty // 10), "∧∨", p_not)
            node = _force(rng, shape, value)
            expression, steps = _render(node), []
            while not isinstance(node := _reduce_once(node), str):
                steps.append(_render(node))
            if sum(map(len, steps)) + len(steps) <= self._BUDGET:
                break
        prompt = (
            f"Evaluate {expression} (T true, F false, ¬ not, ∧ and, ∨ or). Each step evaluates "
            "the leftmost operation whose operands are all T or F and rewrites the whole "
            "expression. Answer T or F."
        )
        return self.make(difficulty, prompt, steps, _tf(value), expression=expression)


class TruthTable(_Logic):
    name = "truth_table"
    tier = 2
    pattern = "counting_and_enumeration"
    prerequisites = ("boolean_eval",)
    summary = "The truth table of a formula, one row per step; the answer is its output column."
    difficulty_doc = (
        "2 variables up to level 3, 3 up to level 7, then 4; nvars + difficulty//3 variable "
        "occurrences; connectives ∧∨, then → (level 3), then ↔ (level 6)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        variables = _VARIABLES[: 2 if difficulty <= 3 else 3 if difficulty <= 7 else 4]
        ops = "∧∨" if difficulty <= 2 else "∧∨→" if difficulty <= 5 else "∧∨→↔"
        formula = _variable_formula(rng, variables, len(variables) + difficulty // 3, ops)
        rows = _rows(variables)
        steps = [f"{_row_name(env)}:{_tf(_value(formula, env))}" for env in rows]
        prompt = (
            f"Truth table of {_render(formula)} over {comma_list(variables)} (T true, F false). "
            "Rows go from all F to all T, the last variable changing fastest; one step per row: "
            "the values, a colon, the result (like FT:T). Answer the result column as one word, "
            "like TFTT."
        )
        return self.make(
            difficulty,
            prompt,
            steps,
            "".join(s[-1] for s in steps),
            formula=_render(formula),
            variables=variables,
        )

    def check_answer(self, problem: Problem, text: str) -> bool:
        column = "".join(c for c in text.upper() if c not in " ,")
        return column == problem.answer


def _neg(node: Node) -> Node:
    """The negation of ``node``, cancelling a double negation."""
    return node[1] if isinstance(node, tuple) and node[0] == "¬" else ("¬", node)


def _is(node: Node, ops: str) -> bool:
    return isinstance(node, tuple) and node[0] in ops


# Rewrites: each maps a subformula to another or None where it does not apply.
def _de_morgan(n: tuple) -> Node | None:
    if n[0] == "¬" and _is(n[1], "∧∨"):
        return ("∨" if n[1][0] == "∧" else "∧", _neg(n[1][1]), _neg(n[1][2]))
    return None


def _implication(n: tuple) -> Node | None:
    return ("∨", _neg(n[1]), n[2]) if n[0] == "→" else None


def _contrapositive(n: tuple) -> Node | None:
    return ("→", _neg(n[2]), _neg(n[1])) if n[0] == "→" else None


def _commute(n: tuple) -> Node | None:
    return (n[0], n[2], n[1]) if n[0] in "∧∨↔" else None


def _biconditional(n: tuple) -> Node | None:
    return ("∧", ("→", n[1], n[2]), ("→", n[2], n[1])) if n[0] == "↔" else None


def _distribute(n: tuple) -> Node | None:
    if n[0] == "∧" and _is(n[2], "∨"):
        return ("∨", ("∧", n[1], n[2][1]), ("∧", n[1], n[2][2]))
    return None


def _false_de_morgan(n: tuple) -> Node | None:
    return (n[1][0], _neg(n[1][1]), _neg(n[1][2])) if n[0] == "¬" and _is(n[1], "∧∨") else None


def _converse(n: tuple) -> Node | None:
    return ("→", n[2], n[1]) if n[0] == "→" else None


def _inverse(n: tuple) -> Node | None:
    return ("→", _neg(n[1]), _neg(n[2])) if n[0] == "→" else None


def _swap_connective(n: tuple) -> Node | None:
    return ("∨" if n[0] == "∧" else "∧", n[1], n[2]) if n[0] in "∧∨" else None


def _drop_negation(n: tuple) -> Node | None:
    return n[1] if n[0] == "¬" else None


_SOUND = (_de_morgan, _implication, _contrapositive, _commute)
_GROWING = (_biconditional, _distribute)
_MISTAKES = (_false_de_morgan, _converse, _inverse, _swap_connective, _drop_negation)
_MAX_FORMULA = 60  # characters; longer formulas get no growing rewrites


def _subtrees(node: Node, path: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], Node]]:
    yield path, node
    if isinstance(node, tuple):
        for i, child in enumerate(node[1:], start=1):
            yield from _subtrees(child, (*path, i))


def _replace(node: Node, path: tuple[int, ...], new: Node) -> Node:
    if not path:
        return new
    i = path[0]
    return node[:i] + (_replace(node[i], path[1:], new),) + node[i + 1 :]


def _rewrite(rng: np.random.Generator, node: Node, rules: tuple) -> Node:
    """``node`` with one random applicable rule applied at one random place (or unchanged)."""
    options = [
        (path, result)
        for path, sub in _subtrees(node)
        if isinstance(sub, tuple)
        for rule in rules
        if (result := rule(sub)) is not None
    ]
    if not options:
        return node
    path, result = options[int(rng.integers(len(options)))]
    return _replace(node, path, result)


def _equivalent(f: Node, g: Node, variables: str) -> bool:
    return all(_value(f, env) == _value(g, env) for env in _rows(variables))


class EquivalenceCheck(CaseInsensitiveAnswer, SpacingFreeSteps, _Logic):
    name = "equivalence_check"
    tier = 4
    pattern = "construction_and_verification"
    prerequisites = ("truth_table",)
    summary = "Decide whether two formulas are equivalent by comparing truth tables row by row."
    difficulty_doc = (
        "2 variables up to level 3, 3 up to level 7, then 4; nvars + difficulty//4 occurrences "
        "in the first formula; the second is 1 + difficulty//3 rewrites of it (De Morgan, "
        "implication, contrapositive, ...), one of them a classic mistake when not equivalent."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        equivalent = chance(rng, 0.5)
        variables = _VARIABLES[: 2 if difficulty <= 3 else 3 if difficulty <= 7 else 4]
        f, g = self._pair(rng, difficulty, variables, equivalent)
        steps = []
        for env in _rows(variables):
            a, b = _value(f, env), _value(g, env)
            steps.append(f"{_row_name(env)}:{_tf(a)}{'=' if a == b else '≠'}{_tf(b)}")
            if a != b:
                break
        prompt = (
            f"Are F = {_render(f)} and G = {_render(g)} equivalent (same value for every "
            f"assignment of {comma_list(variables)})? Compare rows from all F to all T, the last "
            "variable changing fastest: values, colon, F and G (like FT:T=T), stopping at the "
            "first difference. Answer yes or no."
        )
        return self.make(
            difficulty,
            prompt,
            steps,
            "yes" if equivalent else "no",
            f=_render(f),
            g=_render(g),
            variables=variables,
        )

    @staticmethod
    def _pair(
        rng: np.random.Generator, difficulty: int, variables: str, equivalent: bool
    ) -> tuple[Node, Node]:
        for _ in range(20):
            f = _variable_formula(rng, variables, len(variables) + difficulty // 4, "∧∨→↔")
            g, mistake_at = f, (-1 if equivalent else int(rng.integers(1 + difficulty // 3)))
            for k in range(1 + difficulty // 3):
                grow = _GROWING if len(_render(g)) <= _MAX_FORMULA else ()
                g = _rewrite(rng, g, _MISTAKES if k == mistake_at else _SOUND + grow)
            if g != f and _equivalent(f, g, variables) == equivalent:
                return f, g
        return f, (g if equivalent else _neg(f))  # a negation is never equivalent


class Satisfiability(_Logic):
    name = "satisfiability"
    tier = 4
    pattern = "search_and_backtracking"
    prerequisites = ("truth_table",)
    summary = (
        "Find a satisfying assignment of a CNF formula by depth-first search with backtracking."
    )
    difficulty_doc = (
        "3 + difficulty//2 variables (3..8) and variables + 2 + difficulty//2 clauses of 2 "
        "(levels 1-3) or 3 literals; every formula has a solution."
    )
    _STEP_BUDGET = 60

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        variables = "abcdefgh"[: 3 + difficulty // 2]
        width = 2 if difficulty <= 3 else 3
        for attempt in range(20):  # the last try plants all-T: T-first search finds it at once
            planted = (
                [True] * len(variables) if attempt == 19 else [chance(rng, 0.5) for _ in variables]
            )
            clauses = _distinct(
                partial(_clause, rng, len(variables), width, planted),
                len(variables) + 2 + difficulty // 2,
                key=frozenset,
            )
            steps, found = _dfs_trace(variables, clauses)
            if len(steps) <= self._STEP_BUDGET:
                break
        cnf = "∧".join(
            "(" + "∨".join(_literal_text(variables, lit) for lit in c) + ")" for c in clauses
        )
        prompt = (
            f"Find values of {comma_list(variables)} that make {cnf} true. Depth-first search: "
            "assign variables in order, T before F; one step per value tried (like b=T), marked × "
            "if it makes a clause false (like b=T×); when both fail, go back. Answer the values in "
            "order as one word, like TFT."
        )
        return self.make(
            difficulty,
            prompt,
            steps,
            "".join(_tf(v) for v in found),
            clauses=clauses,
            variables=variables,
        )

    def check_answer(self, problem: Problem, text: str) -> bool:
        """Any satisfying assignment is correct, not only the one the search finds first."""
        word = "".join(c for c in text.upper() if c not in " ,")
        if len(word) != len(problem.meta["variables"]) or set(word) - set("TF"):
            return False
        values = [c == "T" for c in word]
        return all(
            any(values[abs(lit) - 1] == (lit > 0) for lit in c) for c in problem.meta["clauses"]
        )


def _literal_text(variables: str, literal: int) -> str:
    return ("" if literal > 0 else "¬") + variables[abs(literal) - 1]


def _clause(rng: np.random.Generator, n: int, width: int, planted: list[bool]) -> tuple[int, ...]:
    """A clause on distinct variables (literals +-index from 1) that ``planted`` satisfies."""
    chosen = rng.choice(np.arange(1, n + 1), size=width, replace=False)
    literals = [int(v) if chance(rng, 0.5) else -int(v) for v in chosen]
    if not any(planted[abs(lit) - 1] == (lit > 0) for lit in literals):
        literals[0] = -literals[0]
    return tuple(literals)


def _dfs_trace(variables: str, clauses: list[tuple[int, ...]]) -> tuple[list[str], list[bool]]:
    """Chronological backtracking over the variables in order, trying T then F."""
    steps: list[str] = []

    def falsified(values: list[bool]) -> bool:
        return any(
            all(abs(lit) <= len(values) and values[abs(lit) - 1] != (lit > 0) for lit in c)
            for c in clauses
        )

    def search(values: list[bool]) -> list[bool] | None:
        if len(values) == len(variables):
            return values
        for value in (True, False):
            name = f"{variables[len(values)]}={_tf(value)}"
            if falsified([*values, value]):
                steps.append(name + "×")
                continue
            steps.append(name)
            if (done := search([*values, value])) is not None:
                return done
        return None

    return steps, search([])


class LogicalDeduction(CaseInsensitiveAnswer, _Logic):
    name = "logical_deduction"
    tier = 3
    pattern = "logical_deduction"
    prerequisites = ("boolean_eval",)
    summary = "Decide whether a fact follows from facts and if-then rules, by forward chaining."
    difficulty_doc = (
        "difficulty+5 atoms, difficulty+3 rules with 1 (levels 1-2) or 1-2 premises, "
        "2 + difficulty//4 facts; the queried atom is derivable half of the time."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        derivable = chance(rng, 0.5)
        for _ in range(30):
            atoms = "".join(
                rng.choice(list("abcdeghkmnpqrstwxyz"), size=difficulty + 5, replace=False)
            )
            facts = atoms[: 2 + difficulty // 4]
            rules = _distinct(
                partial(_rule, rng, atoms, facts, 1 if difficulty <= 2 else 2), difficulty + 3
            )
            known = _closure(facts, rules)
            heads = {head for _, head in rules}
            pool = sorted(known - set(facts)) if derivable else sorted(heads - known)
            if pool:
                break
        else:
            derivable, pool = (
                False,
                sorted(set(atoms) - known) or [next(c for c in "fjlu" if c not in atoms)],
            )
        query = pool[int(rng.integers(len(pool)))]
        steps = _chain_trace(facts, rules, query)
        listed = "; ".join(
            f"({i}) {'∧'.join(body)}→{head}" for i, (body, head) in enumerate(rules, 1)
        )
        prompt = (
            f"Facts: {comma_list(facts)}. Rules: {listed}. Does {query} follow? Forward chaining: "
            "each step fires the first listed rule whose premises are all known and whose "
            f"conclusion is new, written as the rule (like a∧b→c); stop when {query} is known, or "
            "write stop when no rule fires. Answer yes or no."
        )
        return self.make(
            difficulty,
            prompt,
            steps,
            "yes" if derivable else "no",
            facts=facts,
            rules=rules,
            query=query,
        )


def _rule(rng: np.random.Generator, atoms: str, facts: str, max_body: int) -> tuple[str, str]:
    """A rule (premises, conclusion) whose conclusion is not a fact nor a premise."""
    size = int(rng.integers(1, max_body + 1))
    body = "".join(sorted(rng.choice(list(atoms), size=size, replace=False)))
    heads = [a for a in atoms if a not in facts and a not in body]
    return body, heads[int(rng.integers(len(heads)))]


def _closure(facts: str, rules: list[tuple[str, str]]) -> set[str]:
    known = set(facts)
    while fired := [head for body, head in rules if set(body) <= known and head not in known]:
        known.update(fired)
    return known


def _chain_trace(facts: str, rules: list[tuple[str, str]], query: str) -> list[str]:
    known, steps = set(facts), []
    while query not in known:
        rule = next(((b, h) for b, h in rules if set(b) <= known and h not in known), None)
        if rule is None:
            steps.append("stop")
            break
        known.add(rule[1])
        steps.append(f"{'∧'.join(rule[0])}→{rule[1]}")
    return steps


class _Sets(Generator):
    domain = "sets"


def _set_text(values: list[int] | set[int]) -> str:
    return "{" + comma_list(sorted(values)) + "}" if values else "∅"


class SetOperations(RationalSetAnswer, _Sets):
    name = "set_operations"
    tier = 1
    pattern = "construction_and_verification"
    prerequisites = ("counting", "comparison")
    summary = (
        "Union, intersection, difference or symmetric difference of two sets, element by element."
    )
    difficulty_doc = (
        "Each set has 3 + difficulty//2 elements (3..8) from 1..3*difficulty+7; symmetric "
        "difference joins ∪ ∩ \\ from level 4."
    )

    _OPERATIONS: ClassVar[dict[str, tuple[str, Callable[[bool, bool], bool]]]] = {
        "A∪B": ("in A or B", lambda a, b: a or b),
        "A∩B": ("in A and B", lambda a, b: a and b),
        "A\\B": ("in A, not B", lambda a, b: a and not b),
        "B\\A": ("in B, not A", lambda a, b: b and not a),
        "(A\\B)∪(B\\A)": ("in exactly one", lambda a, b: a != b),
    }

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        universe = np.arange(1, 3 * difficulty + 8)
        a, b = (
            {int(v) for v in rng.choice(universe, size=3 + difficulty // 2, replace=False)}
            for _ in range(2)
        )
        names = list(self._OPERATIONS)[: 4 if difficulty <= 3 else 5]
        op = names[int(rng.integers(len(names)))]
        rule, keep = self._OPERATIONS[op]
        steps, result = [], []
        for x in sorted(a | b):
            where = ("A" if x in a else "") + ("B" if x in b else "")
            kept = keep(x in a, x in b)
            steps.append(f"{x}:{where} {'keep' if kept else 'drop'}")
            result += [x] if kept else []
        prompt = (
            f"A={_set_text(a)}, B={_set_text(b)}. Find {op} (elements {rule}). Go through the "
            "elements of A and B in increasing order: one step each, the element, where it is "
            "(A, B or AB) and keep or drop (like 3:AB keep). Answer the elements comma separated "
            "(any order), or ∅."
        )
        return self.make(
            difficulty,
            prompt,
            steps,
            comma_list(result) or "∅",
            a=sorted(a),
            b=sorted(b),
            operation=op,
        )


class InclusionExclusion(SpacingFreeSteps, IntegerAnswer, _Sets):
    name = "inclusion_exclusion"
    tier = 3
    pattern = "formula_substitution"
    prerequisites = ("set_operations", "subtraction")
    summary = "Size of a union (or of its complement) from the sizes of sets and intersections."
    difficulty_doc = (
        "Two sets up to level 3, three from level 4; from level 7 the question is how many of a "
        "universe lie in none. Venn regions hold 0..3*difficulty+3 elements."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        count = 2 if difficulty <= 3 else 3
        names = "ABC"[:count]
        regions = {mask: int(rng.integers(0, 3 * difficulty + 4)) for mask in range(1, 2**count)}
        groups = [
            [names[i] for i in range(count) if mask >> i & 1]
            for size in range(1, count + 1)
            for mask in range(1, 2**count)
            if mask.bit_count() == size
        ]
        sizes = {
            "∩".join(g): sum(
                n for mask, n in regions.items() if all(mask >> names.index(s) & 1 for s in g)
            )
            for g in groups
        }
        union = sum(regions.values())
        given = ", ".join(f"|{key}|={value}" for key, value in sizes.items())
        by_order = [[k for k in sizes if k.count("∩") == order] for order in range(count)]
        sums = [sum(sizes[k] for k in keys) for keys in by_order]
        steps = [
            f"{'+'.join(str(sizes[k]) for k in keys)}={total}"
            for keys, total in zip(by_order, sums)
            if len(keys) > 1
        ]
        signed = "".join(f"{'+' if i % 2 == 0 else '-'}{s}" for i, s in enumerate(sums))[1:]
        steps.append(f"{signed}={union}")
        question = f"|{'∪'.join(names)}|"
        answer = union
        if difficulty >= 7:
            universe = union + int(rng.integers(0, 3 * difficulty + 4))
            given += f", the universe has {universe} elements"
            question = f"the number of elements in none of {comma_list(names)}"
            steps.append(f"{universe}-{union}={universe - union}")
            answer = universe - union
        prompt = (
            f"{given}. Find {question} by inclusion-exclusion: first sum each level of sizes "
            "(singles, then pairwise intersections) like 3+4+5=12, then combine the levels with "
            "alternating signs like 12-5+1=8."
        )
        venn = {
            "".join(names[i] for i in range(count) if mask >> i & 1): n
            for mask, n in regions.items()
        }
        return self.make(
            difficulty,
            prompt,
            steps,
            str(answer),
            sizes=sizes,
            regions=venn,
            **({"universe": universe} if difficulty >= 7 else {}),
        )
