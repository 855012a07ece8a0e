"""The CRM intake's two steps on PostgreSQL, one statement each on the fast path's connections.

The intake's rules stay in app/crm/intake.py; this is its store (app/crm/intake_store.py) where
the engine's would cost a push more than the rest of it: reading the connection is one
primary-key `SELECT`; claiming the delivery and keeping the request is one statement, whose
claim and row commit together (a retry, or the same delivery sent twice at once, finds the claim
and is kept as a `duplicate`).
"""

import json
from uuid import UUID

from app.crm.intake_store import SENDER_COLUMNS, Kept, Sender
from app.fastpath.pools import LeanPools
from app.models import CrmSource, InboundOutcome

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
    def __init__(self, pools: LeanPools) -> None:
        self.pools = pools

    async def sender(self, connection_id: UUID) -> Sender | None:
        pool = await self.pools.get()
        row = await pool.fetchrow(READ_SENDER, connection_id)
        if row is None:
            return None
        values = dict(row.items())
        values["provider"] = CrmSource(values["provider"])
        values["won_stages"] = json.loads(values["won_stages"])
        return Sender(**values)

    async def keep(self, kept: Kept, *, claim: bool) -> InboundOutcome:
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
        return InboundOutcome(outcome)
