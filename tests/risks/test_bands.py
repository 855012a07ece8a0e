"""Bands: the thresholds the register, escalations and alerts share."""

import pytest

from app.risks.bands import RiskBand, band_of, escalates


@pytest.mark.parametrize(
    ("scores", "band"),
    [
        (range(1, 5), RiskBand.low),
        (range(5, 10), RiskBand.medium),
        (range(10, 15), RiskBand.high),
        (range(15, 26), RiskBand.critical),
    ],
)
def test_every_score_falls_in_its_documented_band(scores: range, band: RiskBand) -> None:
    assert {band_of(score) for score in scores} == {band}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (4, 5, True),
        (4, 25, True),
        (9, 10, True),
        (14, 15, True),
        (5, 9, False),
        (10, 12, False),
        (15, 25, False),
        (12, 4, False),
        (6, 6, False),
    ],
)
def test_escalation_is_a_rise_into_a_more_severe_band(old: int, new: int, expected: bool) -> None:
    assert escalates(old, new) is expected
