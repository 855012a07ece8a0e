"""What a risk's changes announce: the events it raises, for webhook subscribers and `/v1/events`.

- `risk.created`: the new risk's key fields.
- `risk.updated`: the fields that changed, with their new values (and `score`/`band` when
  probability or impact moved them).
- `risk.escalated`: the score rose into a more severe band (`old_score`, `new_score`,
  `old_band`, `new_band`) — not on every save, only on the crossing.
- `risk.occurred` / `risk.closed`: the status became `occurred` / `closed`.
- `risk.deleted`: the risk is gone; its `version` is one past the last one it had, so a consumer
  that drops events older than what it has seen never drops the deletion.
"""

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.alerts import service as alerts
from app.core.outbox import record_change
from app.models import Risk, RiskStatus
from app.risks.bands import band_of, escalates

# Long free text is left out of events: a consumer fetches the risk when it needs it.
_SNAPSHOT = (
    "title",
    "category",
    "probability",
    "impact",
    "score",
    "response",
    "status",
    "owner_id",
    "review_date",
    "change_request_id",
)
_STATUS_EVENTS = {RiskStatus.occurred: "risk.occurred", RiskStatus.closed: "risk.closed"}


async def _record(
    session: AsyncSession, risk: Risk, type: str, data: dict[str, Any], version: int | None = None
) -> None:
    await record_change(session, type, risk, data, version=version)


async def _status_became(session: AsyncSession, risk: Risk, old_status: RiskStatus | None) -> None:
    type = _STATUS_EVENTS.get(risk.status)
    if type is not None and risk.status != old_status:
        await _record(session, risk, type, {"status": risk.status, "previous_status": old_status})


async def created(session: AsyncSession, risk: Risk) -> None:
    snapshot = {field: getattr(risk, field) for field in _SNAPSHOT}
    await _record(session, risk, "risk.created", {**snapshot, "band": band_of(risk.score)})
    await _status_became(session, risk, None)
    await alerts.risk_changed(session, risk)


async def updated(
    session: AsyncSession,
    risk: Risk,
    changes: dict[str, Any],
    *,
    old_score: int,
    old_status: RiskStatus,
) -> None:
    data = dict(changes)
    if risk.score != old_score:
        data.update(score=risk.score, band=band_of(risk.score))
    await _record(session, risk, "risk.updated", data)
    if escalates(old_score, risk.score):
        await _record(
            session,
            risk,
            "risk.escalated",
            {
                "old_score": old_score,
                "new_score": risk.score,
                "old_band": band_of(old_score),
                "new_band": band_of(risk.score),
            },
        )
    await _status_became(session, risk, old_status)
    await alerts.risk_changed(session, risk)


async def deleted(session: AsyncSession, risk: Risk) -> None:
    await _record(session, risk, "risk.deleted", {"title": risk.title}, version=risk.version + 1)
    await alerts.forget(session, risk.organization_id, risk.id)
