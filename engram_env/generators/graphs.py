"""Graphs: the classic traversals and greedy algorithms, traced one decision per step.

Every task draws a small labelled graph (nodes ``0..n-1``, labels shuffled so structure never
follows label order) and writes it in one shared notation, ``edges: 0-1, 1-3`` (``0→1`` when
directed, ``0-1:4`` when weighted), so a learner reads every graph task the same way. Wherever an
algorithm has a free choice, the prompt fixes it (smallest label first), which makes each trace,
and so each step, unique.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Sequence

import numpy as np

from engram_env.generator import Generator
from engram_env.generators._common import chance, comma_list
from engram_env.problem import Problem
from engram_env.verifiers import CaseInsensitiveAnswer, IntegerAnswer, IntegerListAnswer

Edge = tuple[int, int]

# -- drawing graphs -------------------------------------------------------------------------------


def _edge(u: int, v: int) -> Edge:
    return (u, v) if u < v else (v, u)


def _spanning_tree(rng: np.random.Generator, nodes: Sequence[int]) -> set[Edge]:
    """A uniformly shuffled random tree over ``nodes`` (each joins an earlier one)."""
    order = [int(x) for x in rng.permutation(nodes)]
    return {_edge(order[i], order[int(rng.integers(0, i))]) for i in range(1, len(order))}


def _add_extra_edges(rng: np.random.Generator, nodes: Sequence[int], edges: set[Edge],
                     count: int) -> None:
    """Add up to ``count`` new random edges between ``nodes``."""
    free = [(u, v) for i, u in enumerate(nodes) for v in nodes[i + 1:] if _edge(u, v) not in edges]
    if not free or count <= 0:
        return
    for k in rng.choice(len(free), size=min(count, len(free)), replace=False):
        edges.add(_edge(*free[int(k)]))


def _groups(rng: np.random.Generator, n: int, k: int) -> list[list[int]]:
    """Nodes ``0..n-1`` shuffled and cut into ``k`` non-empty groups."""
    nodes = [int(x) for x in rng.permutation(n)]
    cuts = sorted(int(c) for c in rng.choice(np.arange(1, n), size=k - 1, replace=False))
    return [sorted(nodes[a:b]) for a, b in zip([0, *cuts], [*cuts, n])]


def _clustered_graph(rng: np.random.Generator, groups: Sequence[Sequence[int]],
                     extra: int) -> set[Edge]:
    """Each group connected by a random tree, plus ``extra`` edges inside random groups."""
    edges: set[Edge] = set()
    for group in groups:
        edges |= _spanning_tree(rng, group)
    for _ in range(extra):
        _add_extra_edges(rng, groups[int(rng.integers(0, len(groups)))], edges, 1)
    return edges


def _adjacency(n: int, edges: Iterable[Edge], directed: bool = False) -> list[list[int]]:
    """Neighbour lists in increasing label order."""
    adj: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges:
        adj[u].append(v)
        if not directed:
            adj[v].append(u)
    return [sorted(a) for a in adj]


def _graph_text(n: int, edges: Iterable[Edge], *, weights: dict[Edge, int] | None = None,
                directed: bool = False) -> str:
    """The shared notation: ``Graph on nodes 0 to 5, edges: 0-1, 1-3:4, 2→3``."""
    joint = "→" if directed else "-"
    parts = [f"{u}{joint}{v}" + (f":{weights[(u, v)]}" if weights else "")
             for u, v in sorted(edges)]
    kind = "directed graph" if directed else "graph"
    return f"{kind.capitalize()} on nodes 0 to {n - 1}, edges: {', '.join(parts)}."


class _DisjointSets:
    """Union-find over ``0..n-1``; the smaller root becomes the parent, so runs are reproducible."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def root(self, x: int) -> int:
        while self.parent[x] != x:
            x = self.parent[x]
        return x

    def union(self, u: int, v: int) -> bool:
        """Merge the sets of u and v; False if they were already one set."""
        ru, rv = self.root(u), self.root(v)
        if ru == rv:
            return False
        self.parent[max(ru, rv)] = min(ru, rv)
        return True


# -- traces shared by several tasks ---------------------------------------------------------------


def _bfs_trace(adj: Sequence[Sequence[int]], source: int,
               target: int | None = None) -> tuple[list[int], list[str]]:
    """BFS from ``source`` (neighbours in increasing order), one step per dequeued node.

    Each step is ``pop u, queue a,b`` (the queue after u's new neighbours join it). Stops once
    ``target`` is dequeued, when given. Returns the visit order and the steps.
    """
    seen, queue, order, steps = {source}, deque([source]), [], []
    while queue:
        u = queue.popleft()
        order.append(u)
        if u == target:
            steps.append(f"pop {u}, target reached")
            break
        for v in adj[u]:
            if v not in seen:
                seen.add(v)
                queue.append(v)
        steps.append(f"pop {u}, queue {comma_list(queue) if queue else 'empty'}")
    return order, steps


class _GraphTask(Generator):
    domain = "graphs"


class NodeDegrees(IntegerListAnswer, _GraphTask):
    name = "node_degrees"
    tier = 1
    pattern = "counting_and_enumeration"
    prerequisites = ("counting",)
    summary = "List the degree of every node of an undirected graph, one node per step."
    difficulty_doc = (
        "The graph has difficulty+3 nodes (4..13) and between n-1 and 2n-1 edges (fewer than all "
        "pairs); it need not be connected."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = difficulty + 3
        edges: set[Edge] = set()
        pairs = n * (n - 1) // 2
        _add_extra_edges(rng, list(range(n)), edges, int(rng.integers(n - 1, min(2 * n, pairs))))
        adj = _adjacency(n, edges)
        steps = [f"{u}: {comma_list(a) if a else 'none'} → {len(a)}" for u, a in enumerate(adj)]
        prompt = (f"{_graph_text(n, edges)} For each node list its neighbours and count them "
                  "(node: neighbours → degree). Answer the degrees in node order, comma separated.")
        return self.make(difficulty, prompt, steps, comma_list(len(a) for a in adj), n=n,
                         edges=sorted(edges))


class GraphReachability(CaseInsensitiveAnswer, _GraphTask):
    name = "graph_reachability"
    tier = 2
    pattern = "graph_traversal"
    prerequisites = ("node_degrees",)
    summary = "Is node t reachable from node s? Breadth-first search, one dequeued node per step."
    difficulty_doc = (
        "The graph has difficulty+3 nodes (4..13) in 2 or 3 separately connected parts with "
        "about n/3 extra edges; larger graphs make longer BFS traces."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = difficulty + 3
        groups = _groups(rng, n, 2 if n < 7 or chance(rng, 0.5) else 3)
        edges = _clustered_graph(rng, groups, int(rng.integers(0, n // 3 + 1)))
        reachable = chance(rng, 0.5)  # the answer class first, so yes/no stay balanced
        home = groups[int(rng.integers(0, len(groups)))]
        if reachable and len(home) < 2:
            home = max(groups, key=len)
        source = int(rng.choice(home))
        pool = [v for v in home if v != source] if reachable else [
            v for g in groups if g is not home for v in g]
        target = int(rng.choice(pool))
        _, steps = _bfs_trace(_adjacency(n, edges), source, target)
        prompt = (
            f"{_graph_text(n, edges)} Is node {target} reachable from node {source}? Run BFS "
            f"from {source}, adding neighbours in increasing order; for each dequeued node write "
            "'pop u, queue ...' (or 'pop u, target reached'). Answer yes or no."
        )
        return self.make(difficulty, prompt, steps, "yes" if reachable else "no", n=n,
                         edges=sorted(edges), source=source, target=target)


class BfsOrder(IntegerListAnswer, _GraphTask):
    name = "bfs_order"
    tier = 3
    pattern = "graph_traversal"
    prerequisites = ("graph_reachability",)
    summary = "The breadth-first visiting order of a connected graph, one dequeued node per step."
    difficulty_doc = "A connected graph on difficulty+3 nodes (4..13) with up to n/2 extra edges."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = difficulty + 3
        edges = _clustered_graph(rng, [list(range(n))], int(rng.integers(0, n // 2 + 1)))
        source = int(rng.integers(0, n))
        order, steps = _bfs_trace(_adjacency(n, edges), source)
        prompt = (
            f"{_graph_text(n, edges)} List the BFS visiting order from node {source}, adding "
            "neighbours in increasing order; for each dequeued node write 'pop u, queue ...'. "
            "Answer the order, comma separated."
        )
        return self.make(difficulty, prompt, steps, comma_list(order), n=n, edges=sorted(edges),
                         source=source)


class DfsOrder(IntegerListAnswer, _GraphTask):
    name = "dfs_order"
    tier = 3
    pattern = "search_and_backtracking"
    prerequisites = ("graph_reachability",)
    summary = "Depth-first preorder of a connected graph; each move forward or back is a step."
    difficulty_doc = "A connected graph on difficulty+3 nodes (4..13) with up to n/2 extra edges."

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = difficulty + 3
        edges = _clustered_graph(rng, [list(range(n))], int(rng.integers(0, n // 2 + 1)))
        adj = _adjacency(n, edges)
        source = int(rng.integers(0, n))
        order, path, steps = [source], [source], []
        while len(order) < n:
            u = path[-1]
            nxt = next((v for v in adj[u] if v not in order), None)
            if nxt is None:
                path.pop()
                steps.append(f"back {u}→{path[-1]}")
            else:
                path.append(nxt)
                order.append(nxt)
                steps.append(f"go {u}→{nxt}")
        prompt = (
            f"{_graph_text(n, edges)} List the DFS preorder from node {source}: always move to the "
            "smallest unvisited neighbour, else step back ('go u→v' or 'back u→v' per move, stop "
            "once all nodes are visited). Answer the order, comma separated."
        )
        return self.make(difficulty, prompt, steps, comma_list(order), n=n, edges=sorted(edges),
                         source=source)


class ConnectedComponents(IntegerAnswer, _GraphTask):
    name = "connected_components"
    tier = 3
    pattern = "graph_traversal"
    prerequisites = ("graph_reachability",)
    summary = "Count the connected components; each step lists one component's nodes."
    difficulty_doc = (
        "difficulty+3 nodes (4..13) in 1..k components, k = 2 (levels 1-2), 3 (3-5), 4 (6-10)."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = difficulty + 3
        k = int(rng.integers(1, (2 if difficulty < 3 else 3 if difficulty < 6 else 4) + 1))
        groups = _groups(rng, n, k)
        edges = _clustered_graph(rng, groups, int(rng.integers(0, n // 3 + 1)))
        steps = [f"from {min(g)}: {comma_list(g)}" for g in sorted(groups)]
        prompt = (
            f"{_graph_text(n, edges)} How many connected components does it have? Take the "
            "smallest unvisited node, write 'from u: ' and its whole component in increasing "
            "order; repeat."
        )
        return self.make(difficulty, prompt, steps, str(k), n=n, edges=sorted(edges))


class CycleDetection(CaseInsensitiveAnswer, _GraphTask):
    name = "cycle_detection"
    tier = 4
    pattern = "logical_deduction"
    prerequisites = ("connected_components",)
    summary = "Does an undirected graph contain a cycle? Union-find over the edges in order."
    difficulty_doc = (
        "difficulty+4 nodes (5..14) in 1-3 parts; a forest, or a forest plus 1-2 edges that each "
        "close a cycle; more nodes mean more edges to merge."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = difficulty + 4
        groups = _groups(rng, n, int(rng.integers(1, 4)))
        cyclic = chance(rng, 0.5)  # the answer class first, so yes/no stay balanced
        big = [g for g in groups if len(g) >= 3]
        if cyclic and not big:
            groups = big = [list(range(n))]
        edges = _clustered_graph(rng, groups, 0)
        if cyclic:  # an edge inside a tree always closes a cycle
            for _ in range(int(rng.integers(1, 3))):
                _add_extra_edges(rng, big[int(rng.integers(0, len(big)))], edges, 1)
        sets, steps = _DisjointSets(n), []
        for u, v in sorted(edges):
            if not sets.union(u, v):
                steps.append(f"{u}-{v} cycle")
                break
            steps.append(f"{u}-{v} join")
        prompt = (
            f"{_graph_text(n, edges)} Does the graph contain a cycle? Take the edges in the order "
            "listed: write 'u-v join' if u and v were not yet connected, else 'u-v cycle' and "
            "stop. Answer yes or no."
        )
        return self.make(difficulty, prompt, steps, "yes" if cyclic else "no", n=n,
                         edges=sorted(edges))


class BipartiteCheck(CaseInsensitiveAnswer, _GraphTask):
    name = "bipartite_check"
    tier = 4
    pattern = "graph_traversal"
    prerequisites = ("bfs_order",)
    summary = "Is a connected graph bipartite? Two-colour it by BFS until done or a conflict."
    difficulty_doc = (
        "A connected graph on difficulty+3 nodes (4..13): a random tree plus up to n/3 edges that "
        "keep it bipartite, and in half the cases one edge that makes an odd cycle."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = difficulty + 3
        edges = _spanning_tree(rng, list(range(n)))
        side = self._tree_sides(n, edges)
        same = [(u, v) for u in range(n) for v in range(u + 1, n) if side[u] == side[v]]
        cross = [(u, v) for u in range(n) for v in range(u + 1, n)
                 if side[u] != side[v] and (u, v) not in edges]
        bipartite = chance(rng, 0.5)  # a tree on n >= 4 nodes always has a same-side pair
        for k in rng.permutation(len(cross))[: int(rng.integers(0, n // 3 + 1))]:
            edges.add(cross[int(k)])
        if not bipartite:
            edges.add(same[int(rng.integers(0, len(same)))])
        adj = _adjacency(n, edges)
        color, queue, steps = {0: "A"}, deque([0]), []
        while queue:
            u = queue.popleft()
            other = "B" if color[u] == "A" else "A"
            clash = next((v for v in adj[u] if color.get(v) == color[u]), None)
            if clash is not None:
                steps.append(f"{u}{color[u]}: conflict with {clash}")
                break
            new = [v for v in adj[u] if v not in color]
            for v in new:
                color[v] = other
                queue.append(v)
            steps.append(f"{u}{color[u]}: " + (" ".join(f"{v}{other}" for v in new) or "none"))
        prompt = (
            f"{_graph_text(n, edges)} Is it bipartite? Colour node 0 A and run BFS (neighbours in "
            "increasing order): per dequeued node u write 'uX: ' and the neighbours it colours "
            "with the other colour (or 'none'), or 'uX: conflict with v' for the first neighbour "
            "v of the same colour, and stop. Answer yes or no."
        )
        return self.make(difficulty, prompt, steps, "yes" if bipartite else "no", n=n,
                         edges=sorted(edges))

    @staticmethod
    def _tree_sides(n: int, edges: set[Edge]) -> list[int]:
        """The parity of each node's depth in a tree rooted at 0."""
        adj, side, queue = _adjacency(n, edges), [-1] * n, deque([0])
        side[0] = 0
        while queue:
            u = queue.popleft()
            for v in adj[u]:
                if side[v] < 0:
                    side[v] = 1 - side[u]
                    queue.append(v)
        return side


class TopologicalSort(IntegerListAnswer, _GraphTask):
    name = "topological_sort"
    tier = 4
    pattern = "comparison_and_ordering"
    prerequisites = ("graph_reachability", "sorting")
    summary = "Kahn's algorithm with the smallest ready node first: one removal per step."
    difficulty_doc = (
        "A random DAG on difficulty+3 nodes (4..13), each forward pair an edge with p=min(0.6, "
        "3/(n-1)), about 1.5 edges per node."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = difficulty + 3
        rank = [int(x) for x in rng.permutation(n)]
        p = min(0.6, 3 / (n - 1))  # about 1.5 edges per node at every size
        edges = {(rank[i], rank[j]) for i in range(n) for j in range(i + 1, n) if chance(rng, p)}
        adj = _adjacency(n, edges, directed=True)
        indegree = [0] * n
        for _, v in edges:
            indegree[v] += 1
        ready = [u for u in range(n) if indegree[u] == 0]
        heapq.heapify(ready)
        steps, order = [f"ready {comma_list(sorted(ready))}"], []
        while ready:
            u = heapq.heappop(ready)
            order.append(u)
            for v in adj[u]:
                indegree[v] -= 1
                if indegree[v] == 0:
                    heapq.heappush(ready, v)
            steps.append(f"take {u}, ready {comma_list(sorted(ready)) if ready else 'none'}")
        prompt = (
            f"{_graph_text(n, edges, directed=True)} Give the topological order found by Kahn's "
            "algorithm, always taking the smallest ready node (in-degree 0). Write 'ready ...' "
            "first, then 'take u, ready ...' per node. Answer the order, comma separated."
        )
        return self.make(difficulty, prompt, steps, comma_list(order), n=n, edges=sorted(edges))


def _weighted_connected(rng: np.random.Generator, n: int, extra: int,
                        max_weight: int) -> tuple[set[Edge], dict[Edge, int]]:
    """A connected graph with integer weights 1..max_weight."""
    edges = _clustered_graph(rng, [list(range(n))], extra)
    return edges, {e: int(rng.integers(1, max_weight + 1)) for e in sorted(edges)}


class DijkstraDistances(IntegerListAnswer, _GraphTask):
    name = "dijkstra_distances"
    tier = 4
    pattern = "greedy_selection"
    prerequisites = ("bfs_order", "addition")
    summary = "Shortest distances from a source by Dijkstra's algorithm, one settled node per step."
    difficulty_doc = (
        "A connected weighted graph on 3+ceil(difficulty*0.6) nodes (4..9), up to n/2 extra edges, "
        "weights 1..difficulty+4."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = 3 + (difficulty * 6 + 9) // 10
        edges, weights = _weighted_connected(rng, n, int(rng.integers(0, n // 2 + 1)),
                                             difficulty + 4)
        adj = _adjacency(n, edges)
        source = int(rng.integers(0, n))
        dist: dict[int, int] = {source: 0}
        done: set[int] = set()
        heap, steps = [(0, source)], []
        while heap:
            d, u = heapq.heappop(heap)
            if u in done:
                continue
            done.add(u)
            updates = []
            for v in adj[u]:
                nd = d + weights[_edge(u, v)]
                if v not in done and nd < dist.get(v, nd + 1):
                    dist[v] = nd
                    heapq.heappush(heap, (nd, v))
                    updates.append(f"{v}→{nd}")
            steps.append(f"d({u})={d}: {', '.join(updates) or 'none'}")
        prompt = (
            f"{_graph_text(n, edges, weights=weights)} (u-v:w means weight w.) Run Dijkstra from "
            f"node {source}: settle the closest unsettled node (ties: smaller label) and write "
            "'d(u)=x: ' with each improved neighbour 'v→new' (or 'none'). Answer the distances of "
            "nodes 0 to " f"{n - 1} in order, comma separated."
        )
        return self.make(difficulty, prompt, steps, comma_list(dist[u] for u in range(n)), n=n,
                         edges=sorted(edges), weights=[weights[e] for e in sorted(edges)],
                         source=source)


class MinimumSpanningTree(IntegerAnswer, _GraphTask):
    name = "minimum_spanning_tree"
    tier = 4
    pattern = "greedy_selection"
    prerequisites = ("cycle_detection", "sorting")
    summary = "Total weight of a minimum spanning tree by Kruskal's algorithm, one edge per step."
    difficulty_doc = (
        "A connected weighted graph on 3+ceil(difficulty*0.6) nodes (4..9) with up to n extra "
        "edges and weights 1..difficulty+4."
    )

    def sample(self, rng: np.random.Generator, difficulty: int) -> Problem:
        n = 3 + (difficulty * 6 + 9) // 10
        edges, weights = _weighted_connected(rng, n, int(rng.integers(0, n + 1)), difficulty + 4)
        sets, steps, taken = _DisjointSets(n), [], []
        for w, u, v in sorted((weights[e], *e) for e in edges):
            if len(taken) == n - 1:
                break
            joined = sets.union(u, v)
            if joined:
                taken.append(w)
            steps.append(f"{u}-{v}:{w} {'take' if joined else 'skip'}")
        steps.append("+".join(map(str, taken)) + f"={sum(taken)}")
        prompt = (
            f"{_graph_text(n, edges, weights=weights)} (u-v:w means weight w.) Find the weight of "
            "a minimum spanning tree by Kruskal: edges by weight, ties by smaller u then v; write "
            "'u-v:w take' or 'u-v:w skip' until the tree is complete, then the sum."
        )
        return self.make(difficulty, prompt, steps, str(sum(taken)), n=n, edges=sorted(edges),
                         weights=[weights[e] for e in sorted(edges)])
