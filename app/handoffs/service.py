"""The handoff brief: filled by sales (pre-filled from the deal), kept with its history.

Accepting or returning it is in `acceptance.py`; this module is what the brief holds.
"""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import PreconditionFailed
from app.core.pagination import PageParams
from app.core.writes import flush_or, locked
from app.handoffs.checklist import TEXT_ITEMS, item_values, items_of, missing_items
from app.handoffs.schemas import (
    HandoffBriefPublic,
    HandoffBriefUpdate,
    HandoffChecklist,
    HandoffItem,
)
from app.models import Deal, HandoffBrief, HandoffBriefVersion, HandoffStatus, Project
from app.models.base import utcnow
from app.projects.lifecycle import ensure_active

SECONDS_A_DAY = 86_400

# Words a CRM's contact role (Salesforce's OpportunityContactRole, a title) uses for each of
# the stakeholders the brief names; the first contact that matches takes the role.
ROLE_WORDS: dict[HandoffItem, tuple[str, ...]] = {
    HandoffItem.decision_maker: ("decision maker", "economic buyer", "decision-maker"),
    HandoffItem.sponsor: ("sponsor",),
    HandoffItem.day_to_day_contact: ("day-to-day", "day to day", "business user", "main contact"),
}


def _text(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def stakeholders_from(contacts: list[dict[str, Any]]) -> dict[str, Any]:
    """The stakeholders the CRM's contact roles name (by their title or role), else nobody:
    guessing who decides would be worse than asking sales."""
    found: dict[str, Any] = {}
    for contact in contacts:
        said = str(contact.get("title") or "").lower()
        for role, words in ROLE_WORDS.items():
            if role.value not in found and any(word in said for word in words):
                found[role.value] = {
                    "name": str(contact.get("name") or "")[:200] or "Unknown",
                    "email": contact.get("email"),
                    "title": contact.get("title"),
                }
                break
    return found


async def keep_version(
    session: AsyncSession,
    brief: HandoffBrief,
    api_key_id: UUID | None,
    action: str,
    changed: list[str],
) -> None:
    """One line of history per change, with the brief as it now stands."""
    session.add(
        HandoffBriefVersion(
            organization_id=brief.organization_id,
            brief_id=brief.id,
            project_id=brief.project_id,
            version=brief.version,
            action=action,
            changed_items=changed,
            brief=items_of(brief),
            changed_at=brief.updated_at,
            changed_by_api_key_id=api_key_id,
        )
    )
    await session.flush()


async def start_brief(
    session: AsyncSession,
    project: Project,
    deal: Deal,
    checklist: HandoffChecklist,
    *,
    template_id: UUID | None,
    sold: str | None,
    contacts: list[dict[str, Any]],
) -> HandoffBrief:
    """The brief of a project planned from a won deal, pre-filled with what the CRM gave: what
    was sold and the stakeholders its contact roles name. Its template's checklist decides
    whether the project waits for the brief's acceptance (`draft`) or not (`not_required`)."""
    now = utcnow()
    brief = HandoffBrief(
        organization_id=project.organization_id,
        project_id=project.id,
        deal_id=deal.id,
        project_template_id=template_id,
        status=HandoffStatus.draft if checklist.gate else HandoffStatus.not_required,
        required_items=[item.value for item in checklist.required_items],
        sold=sold,
        stakeholders=stakeholders_from(contacts),
        won_at=deal.won_at,
    )
    brief.filled = {
        item.value: {"api_key_id": None, "filled_at": now.isoformat()}
        for item, value in item_values(brief).items()
        if value
    }
    session.add(brief)
    await session.flush()
    await keep_version(session, brief, None, "created", sorted(brief.filled))
    return brief


async def find_brief(
    session: AsyncSession, project: Project, *, lock: bool = False
) -> HandoffBrief | None:
    """The project's stored brief; with `lock`, locked until commit and read again once locked."""
    statement = select(HandoffBrief).where(HandoffBrief.project_id == project.id)
    return (await session.exec(locked(statement) if lock else statement)).first()


def unrequired_brief(project: Project) -> HandoffBrief:
    """The brief of a project made by hand (or before briefs existed): empty, and not in the
    way of its lifecycle. Stored on its first write."""
    return HandoffBrief(
        organization_id=project.organization_id,
        project_id=project.id,
        status=HandoffStatus.not_required,
        version=0,
    )


async def brief_of(session: AsyncSession, project: Project) -> HandoffBrief:
    return await find_brief(session, project) or unrequired_brief(project)


async def stored_brief(session: AsyncSession, project: Project) -> HandoffBrief:
    """The project's brief, stored now if it was not yet."""
    brief = await find_brief(session, project)
    if brief is None:
        brief = unrequired_brief(project)
        brief.version = 1
        session.add(brief)
        # A concurrent first write stored the project's one brief: ours is stale, as any race's
        # loser's is (a 412).
        meanwhile = "The brief was stored by another request meanwhile; fetch it and retry."
        await flush_or(session, PreconditionFailed(meanwhile))
    return brief


async def answered_brief(session: AsyncSession, project: Project) -> HandoffBrief:
    """The brief the project manager answers (accepts or returns), locked until commit and read
    again once locked: answers sent at once take turns, and each sees the one before it (a
    second acceptance is a 409 `handoff-already-accepted`) instead of finding the brief's version
    stale, a 412 these operations do not document. A brief not yet stored is stored now; when
    another request stored it meanwhile, theirs is the brief."""
    brief = await find_brief(session, project, lock=True)
    if brief is not None:
        return brief
    brief = unrequired_brief(project)
    brief.version = 1
    try:
        async with session.begin_nested():
            session.add(brief)
    except IntegrityError:  # the unique project waited for theirs to commit: it is there now
        brief = await find_brief(session, project, lock=True)
        assert brief is not None
    return brief


async def replace_brief(
    session: AsyncSession, caller: Caller, project: Project, data: HandoffBriefUpdate
) -> HandoffBrief:
    """Replace the brief's items; each item that changed records who filled it and when. A
    returned brief goes back to `draft` (sales answered); an accepted one stays editable (what
    sales learns later still belongs in it) and stays accepted."""
    ensure_active(project)
    brief = await stored_brief(session, project)
    before = item_values(brief)
    values = data.model_dump(mode="json")
    for name in TEXT_ITEMS:
        setattr(brief, name, values[name])
    brief.risks = values["risks"]
    brief.constraints = {key: value for key, value in values["constraints"].items() if value}
    brief.stakeholders = {key: value for key, value in values["stakeholders"].items() if value}
    after = item_values(brief)
    changed = [item for item in HandoffItem if before[item] != after[item]]
    if not changed:
        return brief
    now = utcnow()
    brief.filled = {
        **brief.filled,
        **{
            item.value: {"api_key_id": _text(caller.api_key_id), "filled_at": now.isoformat()}
            for item in changed
        },
    }
    brief.updated_at = now
    if brief.status is HandoffStatus.returned:
        brief.status = HandoffStatus.draft  # sales answered: the PM's turn again
    await session.flush()
    await keep_version(session, brief, caller.api_key_id, "updated", [i.value for i in changed])
    return brief


def public(brief: HandoffBrief) -> HandoffBriefPublic:
    seconds = brief.won_to_accepted_seconds
    return HandoffBriefPublic.model_validate(
        {
            **brief.model_dump(),
            "gate": brief.status in (HandoffStatus.draft, HandoffStatus.returned),
            "missing_items": missing_items(brief),
            "won_to_accepted_days": None if seconds is None else round(seconds / SECONDS_A_DAY, 2),
            "updated_at": brief.updated_at if brief.version else None,
        }
    )


async def list_versions(
    session: AsyncSession, project: Project, page: PageParams
) -> Sequence[HandoffBriefVersion]:
    statement = select(HandoffBriefVersion).where(HandoffBriefVersion.project_id == project.id)
    return (await session.exec(page.keyset(statement, col(HandoffBriefVersion.id)))).all()
