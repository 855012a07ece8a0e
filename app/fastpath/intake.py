"""The CRM intake's two steps on PostgreSQL, one statement each on the fast path's connections.

The intake's rules stay in app/crm/intake.py; this is its store (app/crm/intake_store.py) where
the engine's would cost a push more than the rest of it: reading the connection is one
primary-key `SELECT`; claiming the delivery and keeping the request is one statement, whose
claim and row commit together (a retry, or the same delivery sent twice at once, finds the claim
and is kept as a `duplicate`).

Like a lean poll, which hands its request to the route when its path fails, a step that fails
here (the pool cannot connect, a statement is refused) is logged (`lean_intake_failed`) and
taken through the engine instead (`fallback`), so that a CRM's push is kept while the engine
can keep it. A keep whose connection broke after its commit is then kept again as a
`duplicate`: its claim stands, and the deal is planned once.
"""

import json
from uuid import UUID

import structlog

from app.crm.intake_store import SENDER_COLUMNS, IntakeStore, Kept, Sender
from app.fastpath.pools import LeanPools
from app.models import CrmSource, InboundOutcome

log = structlog.get_logger(__name__)

READ_SENDER = f"SELECT {', '.join(SENDER_COLUMNS)} FROM crm_connections WHERE id = $1"  # noqa: S608

# $12: whether the delivery is claimed (else the row is kept as given, $10).
KEEP = """
WITH claim AS (
    INSERT INTO crm_delivery_claims (connection_id, delivery_key, claimed_at)
    SELECT $3::uuid, $5::varchar, $4::timestamptz WHERE $12::boolean
    ON CONFLICT DO NOTHING
    RETURNING 1
), decided AS (
    SELECT CASE WHEN $12 AND NOT EXISTS (SELECT FROM claim) THEN 'duplicate' ELSE $10::varchar END
        AS outcome
)
INSERT INTO crm_inbound_requests (
    id, organization_id, connection_id, received_at, delivery_key, headers, body, body_bytes,
    body_sha256, outcome, detail, deal_ids, project_ids, kind, attempts, next_attempt_at
)
SELECT $1::uuid, $2::uuid, $3, $4, $5, $6::json, $7::bytea, $8::integer, $9::varchar, outcome,
    $11::varchar, '[]', '[]', 'push', 0, CASE WHEN outcome = 'received' THEN $4 END
FROM decided
RETURNING outcome
"""


class LeanIntake:
    def __init__(self, pools: LeanPools, fallback: IntakeStore) -> None:
        self.pools = pools
        self.fallback = fallback

    async def sender(self, connection_id: UUID) -> Sender | None:
        try:
            pool = await self.pools.get()
            row = await pool.fetchrow(READ_SENDER, connection_id)
        except Exception:  # the engine meets the same trouble, or keeps the push
            log.warning("lean_intake_failed", step="sender", exc_info=True)
            return await self.fallback.sender(connection_id)
        if row is None:
            return None
        values = dict(row.items())
        values["provider"] = CrmSource(values["provider"])
        values["won_stages"] = json.loads(values["won_stages"])
        return Sender(**values)

    async def keep(self, kept: Kept, *, claim: bool) -> InboundOutcome:
        try:
            pool = await self.pools.get()
            outcome = await pool.fetchval(
                KEEP,
                kept.id,
                kept.organization_id,
                kept.connection_id,
                kept.received_at,
                kept.delivery_key,
                json.dumps(kept.headers),
                kept.body,
                kept.body_bytes,
                kept.body_sha256,
                kept.outcome.value,
                kept.detail,
                claim,
            )
        except Exception:  # the engine meets the same trouble, or keeps the push
            log.warning("lean_intake_failed", step="keep", exc_info=True)
            return await self.fallback.keep(kept, claim=claim)
        return InboundOutcome(outcome)
