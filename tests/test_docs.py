"""The README and the guides as a new user reads them: examples that run as written, links that
lead somewhere, and the settings and kinds a user has to know named."""

import re
from pathlib import Path

import pytest

from app.models.status_report import ReportKind
from app.organizations.schemas import OrganizationUpdate
from app.settings import settings_reference
from bench import support

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "bench" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Given by the CRM, as the text around each example says; everything else is set in a guide.
CREDENTIALS = {"CLIENT_SECRET", "PRIVATE_APP_TOKEN", "SECRET", "INTAKE_URL"}
LOCAL_LINK = re.compile(r"\]\((?!https?:)([^)#\s]*)(?:#([^)\s]+))?\)")


def _shell_lines(page: Path) -> list[str]:
    blocks = re.findall(r"```(?:sh|bash)\n(.*?)```", page.read_text(), re.DOTALL)
    return [line for block in blocks for line in block.splitlines()]


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_variable_an_example_uses_is_set_by_an_example() -> None:
    lines = [line for page in PAGES for line in _shell_lines(page)]
    assigned = {name for line in lines for name in re.findall(r"\b([A-Z_][A-Z0-9_]*)=", line)}
    used = {
        (name, page.name)
        for page in PAGES
        for line in _shell_lines(page)
        for name in re.findall(r"\$\{?([A-Za-z_]\w*)", line)
    }
    unset = {(name, page) for name, page in used if name not in assigned | CREDENTIALS}
    assert unset == set(), "an example uses a variable no example sets"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_link_between_the_guides_leads_to_a_page_and_a_heading(page: Path) -> None:
    for target, anchor in LOCAL_LINK.findall(page.read_text()):
        linked = (page.parent / target).resolve() if target else page
        assert linked.exists(), (page.name, target)
        if anchor and linked.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", linked.read_text(), re.MULTILINE)
            assert anchor in {_slug(heading) for heading in headings}, (page.name, anchor)


def test_the_configuration_reference_is_the_settings_own() -> None:
    """The table in docs/configuration.md is generated: a setting added, renamed or redescribed
    without `handover settings-reference` fails here."""
    guide = (ROOT / "docs" / "configuration.md").read_text()
    assert settings_reference() in guide, "run: handover settings-reference, paste it in the guide"


def test_the_benchmark_page_shows_each_table_as_its_run_wrote_it() -> None:
    page = (ROOT / "bench" / "README.md").read_text()
    for table in sorted((ROOT / "bench" / "results").glob("*.md")):
        shown = support.results_block(table.stem).search(page)
        assert shown is not None, f"bench/README.md has no place for results/{table.name}"
        assert shown[2] == table.read_text(), f"bench/README.md shows another {table.name}"


def test_a_run_writing_to_the_results_folder_pastes_its_table_into_the_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "README.md"
    block = "<!-- results/burst.md: written by the run -->\nold\n<!-- end -->"
    page.write_text(f"# Benchmarks\n\n{block}\n\nWhy.\n")
    monkeypatch.setattr(support, "README", page)
    monkeypatch.setattr(support, "RESULTS", tmp_path / "results")

    support.keep_results("burst", {"requests": 3}, "| a | b |\n", tmp_path / "elsewhere")
    assert "old" in page.read_text()  # a run writing elsewhere (a smoke) leaves the page alone
    support.keep_results("burst", {"requests": 3}, "| a | b |\n", tmp_path / "results")

    assert page.read_text() == (
        "# Benchmarks\n\n<!-- results/burst.md: written by the run -->\n| a | b |\n"
        "<!-- end -->\n\nWhy.\n"
    )
    assert (tmp_path / "results" / "burst.json").read_text() == '{\n  "requests": 3\n}\n'


def test_the_organization_settings_are_documented() -> None:
    guide = (ROOT / "docs" / "configuration.md").read_text()
    for field in OrganizationUpdate.model_fields:
        assert f"| `{field}` |" in guide, field


def test_the_status_report_kinds_are_listed() -> None:
    guide = (ROOT / "docs" / "delivery.md").read_text()
    listing = re.search(r"A report's `kind` is (.+?);", guide, re.DOTALL)
    assert listing is not None
    assert {kind.value for kind in ReportKind} <= set(re.findall(r"`(\w+)`", listing.group(1)))
