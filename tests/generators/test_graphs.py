"""Graph generators checked against networkx, on graphs parsed back out of the prompts."""

from __future__ import annotations

import re

import networkx as nx
import pytest

from engram_env.registry import get_generator

CASES = [(seed, d) for d in range(1, 11) for seed in range(20)]
_EDGE = re.compile(r"(\d+)(-|→)(\d+)(?::(\d+))?")


def problems(task: str):
    g = get_generator(task)
    return [g.problem(seed, d) for seed, d in CASES]


def parse_graph(prompt: str) -> nx.Graph:
    """The graph written in a prompt: 'Graph on nodes 0 to N, edges: 0-1, 2→3:4, ...'."""
    pattern = r"(?:Directed graph|Graph) on nodes 0 to (\d+), edges: (.*?)\."
    head, rest = re.match(pattern, prompt).groups()
    directed = prompt.startswith("Directed")
    graph = nx.DiGraph() if directed else nx.Graph()
    graph.add_nodes_from(range(int(head) + 1))
    for u, _, v, w in _EDGE.findall(rest):
        graph.add_edge(int(u), int(v), **({"weight": int(w)} if w else {}))
    return graph


def ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",")]


def test_node_degrees():
    for p in problems("node_degrees"):
        graph = parse_graph(p.prompt)
        assert sorted(graph.edges) == [tuple(e) for e in p.meta["edges"]]
        assert ints(p.answer) == [graph.degree(u) for u in sorted(graph)]
        assert [int(s.rsplit("→", 1)[1]) for s in p.steps] == ints(p.answer)


def _bfs(graph: nx.Graph, source: int) -> list[int]:
    return [source] + [v for _, v in nx.bfs_edges(graph, source, sort_neighbors=sorted)]


def test_graph_reachability():
    answers = []
    for p in problems("graph_reachability"):
        graph = parse_graph(p.prompt)
        question = re.search(r"Is node (\d+) reachable from node (\d+)", p.prompt)
        t, s = map(int, question.groups())
        reachable = nx.has_path(graph, s, t)
        assert p.answer == ("yes" if reachable else "no")
        popped = [int(re.match(r"pop (\d+)", step).group(1)) for step in p.steps]
        order = _bfs(graph, s)
        assert popped == order[: len(popped)]
        assert p.steps[-1].endswith("target reached") == reachable
        if not reachable:
            assert set(popped) == nx.node_connected_component(graph, s)
        answers.append(p.answer)
    assert 0.35 <= answers.count("yes") / len(answers) <= 0.65


def test_bfs_order():
    for p in problems("bfs_order"):
        graph = parse_graph(p.prompt)
        source = int(re.search(r"from node (\d+)", p.prompt).group(1))
        assert ints(p.answer) == _bfs(graph, source)
        assert p.steps[-1].endswith("queue empty") and len(p.steps) == graph.number_of_nodes()


def test_dfs_order():
    for p in problems("dfs_order"):
        graph = parse_graph(p.prompt)
        source = int(re.search(r"from node (\d+)", p.prompt).group(1))
        order = list(nx.dfs_preorder_nodes(graph, source, sort_neighbors=sorted))
        assert ints(p.answer) == order
        forward = [int(s.split("→")[1]) for s in p.steps if s.startswith("go ")]
        assert forward == order[1:]
        for step in p.steps:  # every move follows an edge
            u, v = map(int, step.split(" ")[1].split("→"))
            assert graph.has_edge(u, v)


def test_connected_components():
    for p in problems("connected_components"):
        graph = parse_graph(p.prompt)
        components = sorted(sorted(c) for c in nx.connected_components(graph))
        assert int(p.answer) == len(components)
        assert [ints(s.split(": ")[1]) for s in p.steps] == components


def test_cycle_detection():
    answers = []
    for p in problems("cycle_detection"):
        graph = parse_graph(p.prompt)
        cyclic = not nx.is_forest(graph)
        assert p.answer == ("yes" if cyclic else "no")
        assert p.steps[-1].endswith("cycle") == cyclic
        if not cyclic:  # every edge was merged
            assert len(p.steps) == graph.number_of_edges()
        answers.append(p.answer)
    assert 0.35 <= answers.count("yes") / len(answers) <= 0.65


def test_bipartite_check():
    answers = []
    for p in problems("bipartite_check"):
        graph = parse_graph(p.prompt)
        assert nx.is_connected(graph)
        bipartite = nx.is_bipartite(graph)
        assert p.answer == ("yes" if bipartite else "no")
        assert ("conflict" in p.steps[-1]) == (not bipartite)
        if bipartite:  # the colours written in the steps are a proper 2-colouring
            colour = {int(m[:-1]): m[-1] for s in p.steps for m in re.findall(r"\d+[AB]", s)}
            assert all(colour[u] != colour[v] for u, v in graph.edges)
        answers.append(p.answer)
    assert 0.35 <= answers.count("yes") / len(answers) <= 0.65


def test_topological_sort():
    for p in problems("topological_sort"):
        graph = parse_graph(p.prompt)
        assert nx.is_directed_acyclic_graph(graph)
        assert ints(p.answer) == list(nx.lexicographical_topological_sort(graph))
        assert [int(s.split(",")[0][5:]) for s in p.steps[1:]] == ints(p.answer)


def test_dijkstra_distances():
    for p in problems("dijkstra_distances"):
        graph = parse_graph(p.prompt)
        source = int(re.search(r"Dijkstra from node (\d+)", p.prompt).group(1))
        lengths = nx.single_source_dijkstra_path_length(graph, source)
        assert ints(p.answer) == [lengths[u] for u in sorted(graph)]
        settled = [tuple(map(int, re.match(r"d\((\d+)\)=(\d+)", s).groups())) for s in p.steps]
        assert all(lengths[u] == d for u, d in settled)
        assert [d for _, d in settled] == sorted(d for _, d in settled)  # settled in order


def test_minimum_spanning_tree():
    for p in problems("minimum_spanning_tree"):
        graph = parse_graph(p.prompt)
        weight = nx.minimum_spanning_tree(graph).size(weight="weight")
        assert int(p.answer) == weight
        taken = [s for s in p.steps[:-1] if s.endswith("take")]
        assert len(taken) == graph.number_of_nodes() - 1
        assert p.steps[-1].endswith(f"={p.answer}")


# -- verifiers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", ["bfs_order", "dfs_order", "topological_sort",
                                  "dijkstra_distances", "node_degrees"])
def test_list_answers(task):
    p = get_generator(task).problem(3, 6)
    items = p.answer.split(",")
    for good in (p.answer, ", ".join(items), f"[{p.answer}]", f" {p.answer} "):
        assert get_generator(task).check_answer(p, good), good
    swapped = items[1:2] + items[:1] + items[2:]
    bumped = items[:-1] + [str(int(items[-1]) + 1)]
    for bad in (",".join(swapped), ",".join(items[:-1]), ",".join(bumped), "", "x", "1,,2"):
        if bad != p.answer:
            assert not get_generator(task).check_answer(p, bad), bad


@pytest.mark.parametrize("task", ["graph_reachability", "cycle_detection", "bipartite_check"])
def test_yes_no_answers(task):
    g = get_generator(task)
    for seed in range(4):
        p = g.problem(seed, 5)
        other = "no" if p.answer == "yes" else "yes"
        assert g.check_answer(p, p.answer.upper()) and g.check_answer(p, f" {p.answer} ")
        for bad in (other, "", "maybe", p.answer + "!"):
            assert not g.check_answer(p, bad)


@pytest.mark.parametrize("task", ["connected_components", "minimum_spanning_tree"])
def test_integer_answers(task):
    g = get_generator(task)
    p = g.problem(7, 8)
    value = int(p.answer)
    assert g.check_answer(p, f"0{value}") and g.check_answer(p, f" {value}")
    for bad in (str(value + 1), str(value - 1), f"{value}.5", "", "ten"):
        assert not g.check_answer(p, bad)


def test_steps_tolerate_only_spacing():
    g = get_generator("dijkstra_distances")
    p = g.problem(11, 7)
    assert g.check_step(p, 0, "  " + p.steps[0] + " ")
    assert not g.check_step(p, 0, p.steps[0] + "1")
