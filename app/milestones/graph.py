"""The dependency graph of a project's milestones: cycles and the critical path.

Pure functions on `depends_on` maps (milestone → the milestones it depends on), so the rules can
be read and tested without a database. Everything here is O(V + E).
"""

from collections import deque
from collections.abc import Collection, Mapping
from uuid import UUID

DependsOn = Mapping[UUID, Collection[UUID]]


def cycle_through(depends_on: DependsOn, start: UUID) -> list[UUID] | None:
    """A chain `start → … → start` following dependencies, if there is one.

    The graph was acyclic before `start`'s dependencies changed, so any new cycle runs through
    `start`: one walk from it finds it.
    """
    parent: dict[UUID, UUID] = {}
    stack = [start]
    seen = {start}
    while stack:
        node = stack.pop()
        for needed in depends_on.get(node, ()):
            if needed == start:
                chain = [node]
                while chain[-1] != start:
                    chain.append(parent[chain[-1]])
                return [*reversed(chain), start]
            if needed not in seen:
                seen.add(needed)
                parent[needed] = node
                stack.append(needed)
    return None


def topological_order(nodes: Collection[UUID], depends_on: DependsOn) -> list[UUID]:
    """Every node after the nodes it depends on (Kahn's algorithm); nodes on a cycle, which the
    rules never let in, are left out rather than looped over."""
    known = set(nodes)
    waiting: dict[UUID, int] = dict.fromkeys(known, 0)
    dependents: dict[UUID, list[UUID]] = {node: [] for node in known}
    for node in known:
        for needed in set(depends_on.get(node, ())) & known:
            waiting[node] += 1
            dependents[needed].append(node)
    ready = deque(node for node, count in waiting.items() if count == 0)
    order: list[UUID] = []
    while ready:
        node = ready.popleft()
        order.append(node)
        for dependent in dependents[node]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                ready.append(dependent)
    return order


def critical_path(
    durations: Mapping[UUID, int], depends_on: DependsOn, ends: Collection[UUID]
) -> list[UUID]:
    """The chain with the longest total duration that ends at one of `ends`, first to last.

    Longest chains are computed once per node in topological order; among equally long chains
    (or ends) the one with the earliest ids wins, so the answer is stable.
    """
    longest: dict[UUID, int] = {}
    previous: dict[UUID, UUID | None] = {}
    for node in topological_order(durations.keys(), depends_on):
        needs = [needed for needed in depends_on.get(node, ()) if needed in longest]
        best = min(needs, key=lambda needed: (-longest[needed], needed)) if needs else None
        previous[node] = best
        longest[node] = durations[node] + (longest[best] if best is not None else 0)
    candidates = [end for end in ends if end in longest]
    if not candidates:
        return []
    end: UUID | None = min(candidates, key=lambda node: (-longest[node], node))
    chain: list[UUID] = []
    while end is not None:
        chain.append(end)
        end = previous[end]
    return chain[::-1]
