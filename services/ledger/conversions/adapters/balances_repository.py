"""SQL for an affiliate's balances: its commission rows summed per currency by lifecycle state,
with its open claw-backs (the rules are ``MembershipBalance``'s, libs/contracts/me.py)."""

from __future__ import annotations

import uuid
from collections import defaultdict

from libs.contracts.me import MembershipBalance
from libs.shared.db import Conn
from services.ledger.conversions.adapters.disputes_repository import held_by_dispute

# Pending rows that are locked are imported, unconfirmed history: never payable, so not
# pending either. Approved rows are never locked (a CHECK says so). An Approved row an open
# dispute holds is not what the next payout run pays: it counts as pending until the dispute
# is won (lost, it is refunded and counts nowhere).
_HELD = held_by_dispute("c")
_BALANCES = f"""
WITH members AS (  -- DISTINCT: a pair given twice is still counted once
    SELECT DISTINCT * FROM unnest($1::uuid[], $2::uuid[]) AS m(org_id, affiliate_id)),
counted AS (
    SELECT c.affiliate_id, c.currency,
           sum(c.commission_cents) FILTER (WHERE c.status = 'Pending' AND NOT c.locked
               OR c.status = 'Approved' AND c.payout_id IS NULL AND {_HELD}) AS pending,
           sum(c.commission_cents) FILTER (WHERE c.status = 'Approved' AND c.payout_id IS NULL
               AND NOT {_HELD}) AS approved,
           sum(c.commission_cents)
               FILTER (WHERE c.status = 'Approved' AND c.payout_id IS NOT NULL) AS in_payout,
           sum(c.commission_cents) FILTER (WHERE c.status = 'Paid') AS paid
    FROM conversions c JOIN members m USING (org_id, affiliate_id)
    WHERE c.status IN ('Pending', 'Approved', 'Paid')
    GROUP BY 1, 2),
owed AS (
    SELECT b.affiliate_id, b.currency, sum(b.amount_cents) AS clawback
    FROM balance_adjustments b JOIN members m USING (org_id, affiliate_id)
    WHERE b.settled_payout_id IS NULL
    GROUP BY 1, 2)
SELECT affiliate_id, currency, coalesce(pending, 0)::bigint AS pending,
       coalesce(approved, 0)::bigint AS approved, coalesce(in_payout, 0)::bigint AS in_payout,
       coalesce(paid, 0)::bigint AS paid, coalesce(clawback, 0)::bigint AS clawback
FROM counted FULL JOIN owed USING (affiliate_id, currency)
ORDER BY affiliate_id, currency"""


async def balances_of(conn: Conn, org_ids: list[uuid.UUID], affiliate_ids: list[uuid.UUID]
                      ) -> dict[uuid.UUID, list[MembershipBalance]]:
    """Per affiliate of the (org id, affiliate id) pairs, its balances by currency code; an
    affiliate with no counted row and no claw-back is absent."""
    found: dict[uuid.UUID, list[MembershipBalance]] = defaultdict(list)
    for r in await conn.fetch(_BALANCES, org_ids, affiliate_ids):
        found[r["affiliate_id"]].append(MembershipBalance(
            currency=r["currency"], pending_cents=r["pending"], approved_cents=r["approved"],
            in_payout_cents=r["in_payout"], paid_cents=r["paid"],
            clawback_cents=r["clawback"]))
    return found
