"""The matrix as CSV, for spreadsheets: safe to open (no formula injection)."""

import csv
import io

from app.raci.schemas import RaciMatrix

CSV_MEDIA_TYPE = "text/csv"
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """Text a spreadsheet shows as text: a leading formula character gets a `'` before it."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def matrix_csv(matrix: RaciMatrix) -> str:
    """Header `activity, phase, <member names…>`, then one line per activity with its letters."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["activity", "phase", *(safe_cell(column.name) for column in matrix.columns)])
    for row in matrix.rows:
        letters = [row.cells.get(column.member_id, "") for column in matrix.columns]
        writer.writerow([safe_cell(row.name), row.phase.value, *letters])
    return buffer.getvalue()


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def wants_csv(accept: str | None) -> bool:
    """`Accept` names `text/csv` and prefers it at least as much as `application/json`."""
    if not accept:
        return False
    qualities: dict[str, float] = {}
    for entry in accept.split(","):
        media_type, *parameters = entry.split(";")
        media_type = media_type.strip().lower()
        qualities[media_type] = max(qualities.get(media_type, 0.0), _quality(parameters))
    csv_quality = qualities.get(CSV_MEDIA_TYPE, 0.0)
    return csv_quality > 0 and csv_quality >= qualities.get("application/json", 0.0)
