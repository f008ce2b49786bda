"""Dependency graphs: strongly connected parts (cycles) and a stable topological order."""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Mapping, Sequence


def find_cycles(nodes: Sequence[str], edges: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """One cycle (as a path that returns to its start) per strongly connected part.

    Tarjan's algorithm, iterative so that chains of thousands of tasks do not overflow the stack.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    parts: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(edges.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            nxt = next(successors, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(edges.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                part = _pop_part(stack, on_stack, node)
                if len(part) > 1 or node in edges.get(node, ()):
                    parts.append(part)
    return [_cycle_in(set(part), edges, nodes) for part in parts]


def _pop_part(stack: list[str], on_stack: set[str], node: str) -> list[str]:
    part = []
    while True:
        top = stack.pop()
        on_stack.discard(top)
        part.append(top)
        if top == node:
            return part


def _cycle_in(
    part: set[str], edges: Mapping[str, Sequence[str]], order: Sequence[str]
) -> list[str]:
    """The shortest cycle through the first node (in file order) of a strongly connected part."""
    start = next(n for n in order if n in part)
    came_from: dict[str, str] = {}
    frontier = deque([start])
    while frontier:
        node = frontier.popleft()
        for nxt in edges.get(node, ()):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [start, *reversed(path[:-1]), start] if node != start else [start, start]
            if nxt in part and nxt not in came_from:
                came_from[nxt] = node
                frontier.append(nxt)
    return [start, start]


def topological_order(nodes: Sequence[str], edges: Mapping[str, Sequence[str]]) -> list[str]:
    """Nodes after everything they depend on; ties keep the given order. Assumes no cycle."""
    position = {n: i for i, n in enumerate(nodes)}
    remaining = {n: len(set(edges.get(n, ()))) for n in nodes}
    dependents: dict[str, list[str]] = {n: [] for n in nodes}
    for node in nodes:
        for dep in set(edges.get(node, ())):
            dependents[dep].append(node)
    ready = [position[n] for n in nodes if remaining[n] == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        node = nodes[heapq.heappop(ready)]
        order.append(node)
        for nxt in dependents[node]:
            remaining[nxt] -= 1
            if remaining[nxt] == 0:
                heapq.heappush(ready, position[nxt])
    return order
