"""SQL for payables: balances and payees for a selection, the claim of a run, and what follows
a payout (paid: its rows turn Paid; cancelled: its rows are given back)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from libs.contracts.payables import ClaimedLine
from libs.shared.db import Conn
from services.ledger.conversions.adapters.disputes_repository import held_by_dispute
from services.ledger.conversions.adapters.repository import COLUMNS, conversion_from
from services.ledger.conversions.domain.model import Conversion
from services.ledger.payables.domain.eligibility import Balance, Payee

# The rows a run may pay: Approved, unclaimed, not locked history, booked in the period, not
# held by an open dispute (the statements name the conversions table ``c``).
_DUE = ("status = 'Approved' AND payout_id IS NULL AND NOT locked AND created_at >= $2 "
        "AND created_at < $3 AND ($4::uuid[] IS NULL OR affiliate_id = ANY($4)) "
        f"AND NOT {held_by_dispute('c')}")
_BALANCES = (
    f"WITH due AS (SELECT affiliate_id, currency, sum(commission_cents)::bigint AS cents, "
    f"count(*)::int AS n FROM conversions c WHERE org_id = $1 AND {_DUE} GROUP BY 1, 2), "
    "owed AS (SELECT affiliate_id, currency, sum(amount_cents)::bigint AS cents, "
    "count(*)::int AS n FROM balance_adjustments WHERE org_id = $1 AND settled_payout_id IS NULL "
    "AND ($4::uuid[] IS NULL OR affiliate_id = ANY($4)) GROUP BY 1, 2) "
    "SELECT affiliate_id, currency, coalesce(due.cents, 0) AS due_cents, "
    "coalesce(due.n, 0) AS due_count, coalesce(owed.cents, 0) AS owed_cents, "
    "coalesce(owed.n, 0) AS owed_count FROM due FULL JOIN owed USING (affiliate_id, currency)")
_PAYEES = (
    "SELECT a.id, a.status = 'Approved' AND a.deleted_at IS NULL AS approved, "
    "p.requires_tax_form, EXISTS (SELECT 1 FROM tax_forms t WHERE t.affiliate_id = a.id) "
    "AS has_tax_form, a.stripe_account_id, a.paypal_email, a.wise_recipient_id "
    "FROM affiliates a JOIN programs p ON p.id = a.program_id "
    "WHERE a.org_id = $1 AND a.id = ANY($2::uuid[])")
# One statement claims every chosen (affiliate, currency) for its payout id.
_CLAIM_DUE = (
    "WITH m AS (SELECT * FROM unnest($5::uuid[], $6::uuid[], $7::text[]) AS m(pid, aff, cur)) "
    f"UPDATE conversions c SET payout_id = m.pid FROM m WHERE c.org_id = $1 AND {_DUE} "
    "AND c.affiliate_id = m.aff AND c.currency = m.cur "
    "RETURNING m.pid, c.id, c.commission_cents")
_CLAIM_OWED = (
    "WITH m AS (SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS m(pid, aff, cur)) "
    "UPDATE balance_adjustments b SET settled_payout_id = m.pid FROM m WHERE b.org_id = $1 "
    "AND b.settled_payout_id IS NULL AND b.affiliate_id = m.aff AND b.currency = m.cur "
    "RETURNING m.pid, b.conversion_id, b.amount_cents")

_OWED = "c.commission_cents - coalesce(r.clawed_back_cents, 0)"

# (payout id, affiliate id, currency, amount in cents)
PayoutRow = tuple[uuid.UUID, uuid.UUID, str, int]


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """``[start, end]`` as whole UTC days: from start's midnight to the midnight after end."""
    return (datetime.combine(start, time(), UTC),
            datetime.combine(end + timedelta(days=1), time(), UTC))


class PayablesRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def lock_org(self, org_id: uuid.UUID) -> None:
        """Claims of one org queue behind each other: two runs at once never both count the
        same rows in their totals."""
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 19))",
                                f"payables:{org_id}")

    async def home_currency(self, org_id: uuid.UUID) -> str:
        found = await self.conn.fetchval(
            "SELECT home_currency FROM org_settings WHERE org_id = $1", org_id)
        return str(found or "USD")

    async def unknown_affiliates(self, org_id: uuid.UUID, ids: list[uuid.UUID]
                                 ) -> list[uuid.UUID]:
        known = {r["id"] for r in await self.conn.fetch(
            "SELECT id FROM affiliates WHERE org_id = $1 AND id = ANY($2::uuid[])", org_id, ids)}
        return [i for i in ids if i not in known]

    async def balances(self, org_id: uuid.UUID, start: date, end: date,
                       affiliate_ids: list[uuid.UUID] | None) -> list[Balance]:
        since, until = period_bounds(start, end)
        rows = await self.conn.fetch(_BALANCES, org_id, since, until, affiliate_ids)
        return [Balance(r["affiliate_id"], r["currency"], r["due_cents"], r["due_count"],
                        r["owed_cents"], r["owed_count"]) for r in rows]

    async def payees(self, org_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, Payee]:
        rows = await self.conn.fetch(_PAYEES, org_id, ids)
        return {r["id"]: Payee(r["id"], r["approved"], r["requires_tax_form"],
                               r["has_tax_form"], r["stripe_account_id"], r["paypal_email"],
                               r["wise_recipient_id"]) for r in rows}

    async def claim(self, org_id: uuid.UUID, start: date, end: date,
                    affiliate_ids: list[uuid.UUID] | None,
                    chosen: list[tuple[uuid.UUID, uuid.UUID, str]]
                    ) -> dict[uuid.UUID, list[ClaimedLine]]:
        """Claim the due rows and open claw-backs of each (payout id, affiliate, currency);
        the lines each payout got, as claimed now (a row a concurrent writer moved on is not
        among them)."""
        since, until = period_bounds(start, end)
        pids = [pid for pid, _, _ in chosen]
        affs = [aff for _, aff, _ in chosen]
        curs = [cur for _, _, cur in chosen]
        lines: dict[uuid.UUID, list[ClaimedLine]] = {pid: [] for pid in pids}
        for row in await self.conn.fetch(_CLAIM_DUE, org_id, since, until, affiliate_ids,
                                         pids, affs, curs):
            lines[row[0]].append(ClaimedLine(conversion_id=row[1], amount_cents=row[2]))
        for row in await self.conn.fetch(_CLAIM_OWED, org_id, pids, affs, curs):
            lines[row[0]].append(ClaimedLine(conversion_id=row[1], amount_cents=row[2]))
        return lines

    async def claim_status(self, run_id: uuid.UUID, org_id: uuid.UUID) -> str | None:
        found = await self.conn.fetchval(
            "SELECT status FROM payout_claims WHERE run_id = $1 AND org_id = $2 FOR UPDATE",
            run_id, org_id)
        return str(found) if found is not None else None

    async def add_claim(self, run_id: uuid.UUID, org_id: uuid.UUID, status: str,
                        at: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO payout_claims (run_id, org_id, status, created_at, released_at) "
            "VALUES ($1, $2, $3::text, $4::timestamptz, "
            "CASE WHEN $3::text = 'Released' THEN $4::timestamptz END)",
            run_id, org_id, status, at)

    async def add_claimed_payouts(self, run_id: uuid.UUID, org_id: uuid.UUID,
                                  payouts: list[PayoutRow]) -> None:
        await self.conn.executemany(
            "INSERT INTO claimed_payouts (payout_id, run_id, org_id, affiliate_id, currency, "
            "amount_cents, state) VALUES ($1, $2, $3, $4, $5, $6, 'Claimed')",
            [(pid, run_id, org_id, aff, cur, cents) for pid, aff, cur, cents in payouts])

    async def claimed_payouts(self, run_id: uuid.UUID) -> list[PayoutRow]:
        rows = await self.conn.fetch(
            "SELECT payout_id, affiliate_id, currency, amount_cents FROM claimed_payouts "
            "WHERE run_id = $1 ORDER BY affiliate_id::text, currency", run_id)
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def claimed_lines(self, payout_ids: list[uuid.UUID]
                            ) -> dict[uuid.UUID, list[ClaimedLine]]:
        lines: dict[uuid.UUID, list[ClaimedLine]] = {pid: [] for pid in payout_ids}
        for row in await self.conn.fetch(
                "SELECT payout_id, id, commission_cents FROM conversions "
                "WHERE payout_id = ANY($1::uuid[]) ORDER BY id", payout_ids):
            lines[row[0]].append(ClaimedLine(conversion_id=row[1], amount_cents=row[2]))
        for row in await self.conn.fetch(
                "SELECT settled_payout_id, conversion_id, amount_cents FROM balance_adjustments "
                "WHERE settled_payout_id = ANY($1::uuid[]) ORDER BY id", payout_ids):
            lines[row[0]].append(ClaimedLine(conversion_id=row[1], amount_cents=row[2]))
        return lines

    async def release_run(self, run_id: uuid.UUID, at: datetime) -> list[uuid.UUID]:
        await self.conn.execute(
            "UPDATE payout_claims SET status = 'Released', released_at = $2 "
            "WHERE run_id = $1 AND status = 'Claimed'", run_id, at)
        ids = [r[0] for r in await self.conn.fetch(
            "SELECT payout_id FROM claimed_payouts WHERE run_id = $1 AND state = 'Claimed'",
            run_id)]
        for payout_id in ids:
            await self.release_payout(payout_id, at)
        return ids

    async def release_payout(self, payout_id: uuid.UUID, at: datetime) -> bool:
        """Give a cancelled (or never written) payout's rows back; False when it was not
        Claimed (already released, or paid)."""
        done = await self.conn.fetchval(
            "UPDATE claimed_payouts SET state = 'Cancelled', settled_at = $2 "
            "WHERE payout_id = $1 AND state = 'Claimed' RETURNING true", payout_id, at)
        if not done:
            return False
        await self.conn.execute(
            "UPDATE conversions SET payout_id = NULL WHERE payout_id = $1 AND status <> 'Paid'",
            payout_id)
        await self.conn.execute(
            "UPDATE balance_adjustments SET settled_payout_id = NULL "
            "WHERE settled_payout_id = $1", payout_id)
        return True

    async def mark_paid(self, payout_id: uuid.UUID, at: datetime) -> bool:
        """False when the payout was not Claimed (a redelivered event, or released)."""
        done = await self.conn.fetchval(
            "UPDATE claimed_payouts SET state = 'Paid', settled_at = $2 "
            "WHERE payout_id = $1 AND state = 'Claimed' RETURNING true", payout_id, at)
        return bool(done)

    async def payee_of(self, org_id: uuid.UUID, payout_id: uuid.UUID) -> Payee | None:
        """The affiliate a claimed payout pays, as it is now (its details may have changed
        since the run: a retry pays to the current ones)."""
        affiliate_id = await self.conn.fetchval(
            "SELECT affiliate_id FROM claimed_payouts WHERE payout_id = $1 AND org_id = $2",
            payout_id, org_id)
        if affiliate_id is None:
            return None
        return (await self.payees(org_id, [affiliate_id])).get(affiliate_id)

    async def org_of_affiliate(self, affiliate_id: uuid.UUID) -> uuid.UUID | None:
        found: uuid.UUID | None = await self.conn.fetchval(
            "SELECT org_id FROM affiliates WHERE id = $1 FOR UPDATE", affiliate_id)
        return found

    async def set_payout_details(self, affiliate_id: uuid.UUID, sent: dict[str, str | None]
                                 ) -> Payee:
        columns = [c for c in ("stripe_account_id", "paypal_email", "wise_recipient_id")
                   if c in sent]
        sets = ", ".join(f"{c} = ${i + 2}" for i, c in enumerate(columns))
        org_id = await self.conn.fetchval(
            f"UPDATE affiliates SET {sets or 'id = id'} WHERE id = $1 RETURNING org_id",
            affiliate_id, *[sent[c] for c in columns])
        return (await self.payees(org_id, [affiliate_id]))[affiliate_id]

    async def turn_paid(self, payout_id: uuid.UUID) -> list[Conversion]:
        """The payout's Approved rows -> Paid, as they are now."""
        return [conversion_from(r) for r in await self.conn.fetch(
            "UPDATE conversions SET status = 'Paid' WHERE payout_id = $1 AND status = 'Approved' "
            f"RETURNING {', '.join(COLUMNS)}", payout_id)]

    async def refunded_while_claimed(self, payout_id: uuid.UUID
                                     ) -> list[tuple[Conversion, int]]:
        """Rows refunded after the run claimed them (the payout paid them all the same), each
        with what it still owes back: its commission, less what partial refunds of it clawed
        back already."""
        return [(conversion_from(r), r["owed"]) for r in await self.conn.fetch(
            f"SELECT {', '.join('c.' + c for c in COLUMNS)}, {_OWED} AS owed FROM conversions c "
            "LEFT JOIN conversion_refunds r ON r.conversion_id = c.id WHERE c.payout_id = $1 "
            f"AND c.status = 'Refunded' AND {_OWED} > 0", payout_id)]
