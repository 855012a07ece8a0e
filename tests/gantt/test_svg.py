"""The Gantt renderer on given bars: escaping, states without colour, baselines, scale."""

from datetime import date, timedelta
from itertools import pairwise
from uuid import UUID, uuid4

from app.gantt.svg import (
    FONT_SIZE,
    MAX_BARS,
    MIN_BAR_WIDTH,
    ROW_HEIGHT,
    STATE_WIDTH,
    Baseline,
    render_gantt,
)
from app.milestones.schemas import TimelineMilestone
from app.models import MilestoneStatus
from tests.gantt.svg import SVG, classes, milestone_rows, parse, texts

TODAY = date(2027, 3, 10)


def _bar(
    name: str,
    start: int,
    due: int,
    status: MilestoneStatus = MilestoneStatus.planned,
    depends_on: list[UUID] | None = None,
    critical: bool = False,
) -> TimelineMilestone:
    return TimelineMilestone(
        id=uuid4(),
        name=name,
        start=TODAY + timedelta(days=start),
        due=TODAY + timedelta(days=due),
        status=status,
        completed_date=None,
        customer_visible=True,
        depends_on=depends_on or [],
        on_critical_path=critical,
        baseline_due=TODAY + timedelta(days=due),
    )


def test_a_name_that_looks_like_markup_stays_text() -> None:
    hostile = _bar('<script>alert("x")</script> & "quotes"', 0, 5)
    chart = render_gantt("<b>Globex</b>", [hostile], TODAY)
    assert "<script>" not in chart
    assert "<b>" not in chart
    root = parse(chart)
    assert '<script>alert("x")</script> & "quotes"' in texts(root)
    assert "<b>Globex</b>" in texts(root)
    assert not list(root.iter(f"{SVG}script"))


def test_states_differ_by_pattern_and_words_not_by_colour_alone() -> None:
    bars = [
        _bar("Finished", -20, -10, MilestoneStatus.done),
        _bar("Overdue", -20, -1, MilestoneStatus.in_progress),
        _bar("Missed", -5, 3, MilestoneStatus.missed),
        _bar("Working", -3, 4, MilestoneStatus.in_progress),
        _bar("Later", 5, 9),
    ]
    rows = milestone_rows(parse(render_gantt("P", bars, TODAY)))
    states = {bar.name: rows[str(bar.id)].attrib["data-state"] for bar in bars}
    assert states == {
        "Finished": "done",
        "Overdue": "late",
        "Missed": "late",
        "Working": "in_progress",
        "Later": "upcoming",
    }
    fills, labels = {}, {}
    for bar in bars:
        row = rows[str(bar.id)]
        [rect] = [rect for rect in row.iter(f"{SVG}rect") if "bar" in classes(rect)]
        fills[states[bar.name]] = rect.attrib["fill"]
        [label] = [text.text for text in row.iter(f"{SVG}text") if "state" in classes(text)]
        labels[states[bar.name]] = label
    assert len(set(fills.values())) == 4, "each state has its own fill"
    assert {fill for fill in fills.values() if fill.startswith("url(")} == {
        "url(#done)",
        "url(#late)",
        "url(#in-progress)",
    }, "three of them are patterns, legible in greyscale"
    assert labels == {
        "done": "✓ done",
        "late": "! late",
        "in_progress": "▶ in progress",
        "upcoming": "upcoming",
    }


def test_the_critical_path_and_dependencies_are_drawn() -> None:
    first = _bar("Design", -2, 4, critical=True)
    second = _bar("Build", 4, 12, depends_on=[first.id], critical=True)
    aside = _bar("Training", 1, 3, depends_on=[first.id])
    root = parse(render_gantt("P", [first, second, aside], TODAY))
    rows = milestone_rows(root)
    assert {
        name
        for name, bar in (("Design", first), ("Build", second), ("Training", aside))
        if "critical" in classes(rows[str(bar.id)])
    } == {"Design", "Build"}
    arrows = {
        (path.attrib["data-from"], path.attrib["data-to"]): classes(path)
        for path in root.iter(f"{SVG}path")
        if "dependency" in classes(path)
    }
    assert arrows == {
        (str(first.id), str(second.id)): {"dependency", "critical"},
        (str(first.id), str(aside.id)): {"dependency"},
    }


def test_arrows_to_milestones_not_shown_are_left_out() -> None:
    shown = _bar("Go-live", 0, 5, depends_on=[uuid4()])
    root = parse(render_gantt("P", [shown], TODAY))
    assert not [path for path in root.iter(f"{SVG}path") if "dependency" in classes(path)]


def test_a_today_line_is_drawn_where_today_is() -> None:
    root = parse(render_gantt("P", [_bar("A", -10, 10)], TODAY))
    [today] = [group for group in root.iter(f"{SVG}g") if "today" in classes(group)]
    assert texts(today) == [f"today {TODAY:%d %b}"]
    [line] = today.iter(f"{SVG}line")
    bar = next(rect for rect in root.iter(f"{SVG}rect") if "bar" in classes(rect))
    middle = float(bar.attrib["x"]) + float(bar.attrib["width"]) / 2
    assert abs(float(line.attrib["x1"]) - middle) < 1, "today is halfway through a -10…+10 bar"


def test_baselines_are_ghost_bars_only_where_the_plan_moved() -> None:
    moved = _bar("Moved", 0, 10)
    kept = _bar("Kept", 0, 4)
    baselines = {
        moved.id: Baseline(start=TODAY, due=TODAY + timedelta(days=6)),
        kept.id: Baseline(start=kept.start, due=kept.due),
    }
    root = parse(render_gantt("P", [moved, kept], TODAY, baselines))
    rows = milestone_rows(root)
    ghosts = {
        name: [rect for rect in rows[str(bar.id)].iter(f"{SVG}rect") if "baseline" in classes(rect)]
        for name, bar in (("Moved", moved), ("Kept", kept))
    }
    assert len(ghosts["Moved"]) == 1
    assert ghosts["Kept"] == []
    [bar] = [rect for rect in rows[str(moved.id)].iter(f"{SVG}rect") if "bar" in classes(rect)]
    ghost = ghosts["Moved"][0]
    assert ghost.attrib["x"] == bar.attrib["x"]
    assert float(ghost.attrib["width"]) == float(bar.attrib["width"]) * 6 / 10
    assert float(ghost.attrib["height"]) < float(bar.attrib["height"]), "thin"
    assert "baseline" in texts(root), "the legend names it"
    assert "baseline" not in texts(parse(render_gantt("P", [moved, kept], TODAY))), "only then"


def test_two_hundred_milestones_scroll_instead_of_shrinking() -> None:
    few = parse(render_gantt("P", [_bar(f"M{i}", i, i + 3) for i in range(5)], TODAY))
    bars = [_bar(f"Milestone number {i}", i * 3, i * 3 + 10) for i in range(200)]
    many = parse(render_gantt("P", bars, TODAY))
    assert len(milestone_rows(many)) == 200
    for root in (few, many):
        sizes = {
            float(group.attrib["font-size"])
            for group in root.iter(f"{SVG}g")
            if "font-size" in group.attrib
        }
        assert sizes == {FONT_SIZE}, "text keeps its size whatever the number of bars"
    assert float(many.attrib["height"]) >= 200 * ROW_HEIGHT, "it grows and scrolls instead"
    assert float(many.attrib["width"]) > float(few.attrib["width"])
    assert many.attrib["viewBox"] == f"0 0 {many.attrib['width']} {many.attrib['height']}"


def test_a_chart_given_a_width_fits_the_whole_plan_into_it() -> None:
    """The customer's page: a year-long plan, acceptance last, within 892 pixels."""
    bars = [
        _bar("Kickoff", -30, -29, MilestoneStatus.done),
        _bar("Go-live", 10, 60),
        _bar("Customer acceptance", 330, 345),
    ]
    free = parse(render_gantt("P", bars, TODAY))
    assert float(free.attrib["width"]) > 892, "the team's chart scrolls a long plan"

    root = parse(render_gantt("P", bars, TODAY, fit_width=892))
    assert float(root.attrib["width"]) <= 892
    assert root.attrib["viewBox"] == f"0 0 {root.attrib['width']} {root.attrib['height']}"
    rows = milestone_rows(root)
    for bar in bars:
        drawn = next(r for r in rows[str(bar.id)] if classes(r) == {"bar"})
        right = float(drawn.attrib["x"]) + float(drawn.attrib["width"])
        assert right + STATE_WIDTH <= float(root.attrib["width"]), bar.name
        assert float(drawn.attrib["width"]) >= MIN_BAR_WIDTH, "a one-day bar stays visible"
    axis = next(g for g in root.iter(f"{SVG}g") if classes(g) == {"axis"})
    label_xs = [float(text.attrib["x"]) for text in axis.iter(f"{SVG}text")]
    assert len(label_xs) >= 4, "months are still named"
    assert all(b - a >= 58 for a, b in pairwise(label_xs)), "no overlap"


def test_long_names_are_shortened_on_the_bar_but_whole_in_the_tooltip() -> None:
    name = "A very long milestone name that goes on and on about the data migration"
    row = milestone_rows(parse(render_gantt("P", [_bar(name, 0, 3)], TODAY))).popitem()[1]
    assert any(text.endswith("…") and len(text) <= 38 for text in texts(row))
    assert name in (row.find(f"{SVG}title").text or "")  # type: ignore[union-attr]


def test_an_empty_plan_says_so() -> None:
    assert "No milestones yet." in texts(parse(render_gantt("P", [], TODAY)))


def test_a_plan_past_the_limit_draws_its_first_bars_and_says_how_many_more() -> None:
    """A project that grew before milestones were bounded still gets its chart, promptly."""
    bars = [_bar(f"M{i}", i % 300, i % 300 + 3) for i in range(MAX_BARS + 7)]
    left_out = bars[-1]
    far = timedelta(days=2000)
    baselines = {left_out.id: Baseline(start=left_out.start - far, due=left_out.due - far)}
    root = parse(render_gantt("P", bars, TODAY, baselines))
    assert list(milestone_rows(root)) == [str(bar.id) for bar in bars[:MAX_BARS]]
    assert "7 more milestones are not drawn." in texts(root)
    assert "baseline" not in texts(root), "a bar left out leaves its ghost out too"
    assert float(root.attrib["height"]) >= (MAX_BARS + 1) * ROW_HEIGHT, "the line has its row"
    whole = parse(render_gantt("P", bars[:MAX_BARS], TODAY))
    assert not any("more milestones" in text for text in texts(whole))
