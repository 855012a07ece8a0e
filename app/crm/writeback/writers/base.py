"""What a writer answers per write-back, and what every writer shares."""

import asyncio
import html
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from app.crm.clients.base import CrmRefused, CrmUnavailable
from app.crm.clients.http import CrmCallFailed
from app.crm.writeback.fields import KINDS, Kind

ANSWER_LENGTH = 2000


@dataclass(frozen=True)
class Sent:
    """The CRM's answer to one write-back."""

    ok: bool
    status_code: int | None
    answer: str
    body: dict[str, Any] | None = None  # what was sent
    retry_after: float | None = None  # the CRM said when to ask again
    final: bool = False  # refused as it is: retrying will not help until a person acts
    raw: Any = None  # the parsed answer, for a writer that reads it
    asked: bool = True  # False: nothing went out, the connection is paused until retry_after


class Writer(Protocol):
    fields_per_call: int  # deals one fields call can carry

    async def write_fields(self, states: dict[str, dict[str, Any]]) -> dict[str, Sent]:
        """Each deal's (by CRM id) delivery state onto its mapped fields."""
        ...

    async def write_note(self, external_id: str, text: str) -> Sent:
        """One line on the deal's timeline."""
        ...


def excerpt(answer: Any) -> str:
    return ("" if answer is None else json.dumps(answer, default=str))[:ANSWER_LENGTH]


def mapped(state: dict[str, Any], field_map: dict[str, str]) -> dict[str, Any]:
    """The state's values under the CRM's field names: only the mapped fields."""
    return {crm_name: state.get(name) for name, crm_name in field_map.items()}


def kind_of(field_map: dict[str, str], crm_name: str) -> Kind:
    named = next((name for name, given in field_map.items() if given == crm_name), None)
    return KINDS.get(named or "", Kind.text)


def note_html(text: str) -> str:
    """HubSpot's and Pipedrive's notes are HTML: the text, escaped, its lines kept."""
    return "<br>".join(html.escape(line) for line in text.splitlines())


def unavailable(exc: CrmUnavailable, body: dict[str, Any] | None = None) -> Sent:
    """Not sent, the CRM down or its limit spent: tried again, at the earliest when it said."""
    return Sent(False, None, exc.reason, body, retry_after=exc.retry_after, asked=exc.asked)


async def attempt(
    body: dict[str, Any] | None, call: Callable[[], Awaitable[tuple[int, Any]]]
) -> Sent:
    """Run one call: its status and answer, or why it failed and whether to try again."""
    try:
        status, answer = await call()
    except CrmUnavailable as exc:
        return unavailable(exc, body)
    except CrmCallFailed as exc:
        return Sent(False, exc.status_code, excerpt(exc.body), body, final=True)
    except CrmRefused as exc:
        return Sent(False, None, exc.reason, body, final=True)
    return Sent(True, status, excerpt(answer), body, raw=answer)


async def deal_by_deal(
    states: dict[str, dict[str, Any]],
    write: Callable[[str, dict[str, Any]], Awaitable[Sent]],
) -> dict[str, Sent]:
    """Each deal's update on its own call (CRMs without a batch update), concurrently within
    the connection's share of its rate limit."""
    ids = list(states)
    sent = await asyncio.gather(*(write(deal_id, states[deal_id]) for deal_id in ids))
    return dict(zip(ids, sent, strict=True))
