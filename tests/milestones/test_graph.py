"""The graph walks behind the rules and the timeline, without a database."""

from uuid import UUID

from app.milestones.graph import critical_path, cycle_through, topological_order

A, B, C, D, E = (UUID(int=number) for number in range(1, 6))


def test_cycle_through_finds_the_chain_back_to_the_start() -> None:
    assert cycle_through({A: {B}, B: {C}, C: {A}}, A) == [A, B, C, A]
    assert cycle_through({A: {A}}, A) == [A, A]
    assert cycle_through({A: {B, C}, B: {D}, C: {D}}, A) is None


def test_topological_order_puts_dependencies_first_and_skips_cycles() -> None:
    order = topological_order([A, B, C, D], {D: [B, C], B: [A], C: [A]})
    assert order.index(A) < order.index(B) < order.index(D)
    assert order.index(C) < order.index(D)
    assert topological_order([A, B, C], {A: [B], B: [A]}) == [C]


def test_critical_path_takes_the_longest_total_duration() -> None:
    depends_on = {B: [A], C: [A], D: [B, C]}
    assert critical_path({A: 1, B: 2, C: 5, D: 1}, depends_on, [D]) == [A, C, D]
    assert critical_path({A: 1, B: 5, C: 2, D: 1}, depends_on, [D]) == [A, B, D]


def test_critical_path_picks_the_longest_among_equally_late_ends_and_breaks_ties_by_id() -> None:
    assert critical_path({A: 3, B: 1, E: 9}, {B: [A]}, [B, E]) == [E]
    assert critical_path({A: 1, B: 1, D: 1}, {D: [A, B]}, [D]) == [A, D]
    assert critical_path({}, {}, []) == []
