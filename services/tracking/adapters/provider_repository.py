"""SQL for booking from provider events: claiming a stored event once, the customers earlier
payments credited, the ids refunds and disputes name payments by, Paddle's refund
adjustments, and ended subscriptions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from libs.shared.db import Conn


@dataclass(frozen=True, slots=True)
class PaidSale:
    sale_key: str
    paid_cents: int


class ProviderRepository:
    def __init__(self, conn: Conn, org_id: uuid.UUID, provider: str) -> None:
        self.conn = conn
        self.org_id = org_id
        self.provider = provider

    async def claim(self, event_id: str) -> asyncpg.Record | None:
        """The stored event if it is not processed yet, locked until commit, with the org's
        connection (``id``, ``restricted_api_key``; null once disconnected)."""
        return await self.conn.fetchrow(
            "SELECT e.event_type, e.payload::text AS payload, e.received_at, "
            "e.payout_grace_days, i.id, i.restricted_api_key FROM provider_events e "
            "LEFT JOIN provider_integrations i USING (org_id, provider) WHERE e.org_id = $1 "
            "AND e.provider = $2 AND e.event_id = $3 AND e.processed_at IS NULL "
            "FOR UPDATE OF e", self.org_id, self.provider, event_id)

    async def finish(self, event_id: str, outcome: str, at: datetime) -> None:
        await self.conn.execute(
            "UPDATE provider_events SET processed_at = $4, outcome = $5 WHERE org_id = $1 "
            "AND provider = $2 AND event_id = $3", self.org_id, self.provider, event_id, at,
            outcome)

    async def customer_owner(self, customer_id: str) -> asyncpg.Record | None:
        return await self.conn.fetchrow(
            "SELECT affiliate_id, program_id FROM provider_customers WHERE org_id = $1 "
            "AND provider = $2 AND customer_id = $3", self.org_id, self.provider, customer_id)

    async def remember_customer(self, customer_id: str, affiliate_id: uuid.UUID,
                                program_id: uuid.UUID, at: datetime) -> None:
        """The first affiliate a customer's payment credited keeps the customer."""
        await self.conn.execute(
            "INSERT INTO provider_customers (org_id, provider, customer_id, affiliate_id, "
            "program_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            self.org_id, self.provider, customer_id, affiliate_id, program_id, at)

    async def add_payment_refs(self, sale: PaidSale, refs: tuple[str, ...]) -> None:
        keys = (sale.sale_key, *refs)
        await self.conn.execute(
            "INSERT INTO provider_payments (org_id, provider, payment_ref, sale_key, paid_cents) "
            "SELECT $1, $2, ref, $4, $5 FROM unnest($3::text[]) AS ref ON CONFLICT DO NOTHING",
            self.org_id, self.provider, list(dict.fromkeys(keys)), sale.sale_key,
            sale.paid_cents)

    async def sale_of(self, refs: tuple[str, ...]) -> PaidSale | None:
        """The sale the first of ``refs`` that names one belongs to."""
        row = await self.conn.fetchrow(
            "SELECT sale_key, paid_cents FROM provider_payments JOIN unnest($3::text[]) "
            "WITH ORDINALITY AS r(payment_ref, n) USING (payment_ref) WHERE org_id = $1 "
            "AND provider = $2 ORDER BY n LIMIT 1", self.org_id, self.provider, list(refs))
        return PaidSale(row["sale_key"], row["paid_cents"]) if row else None

    async def add_refund(self, refund_id: str, sale_key: str, amount_cents: int) -> None:
        await self.conn.execute(
            "INSERT INTO provider_refunds (org_id, provider, refund_id, sale_key, amount_cents) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            self.org_id, self.provider, refund_id, sale_key, amount_cents)

    async def refunded(self, sale_key: str) -> int:
        total: int = await self.conn.fetchval(
            "SELECT coalesce(sum(amount_cents), 0)::bigint FROM provider_refunds "
            "WHERE org_id = $1 AND provider = $2 AND sale_key = $3",
            self.org_id, self.provider, sale_key)
        return total

    async def end_subscription(self, subscription_id: str, ended_at: datetime) -> bool:
        """False when its end was recorded before."""
        return bool(await self.conn.fetchval(
            "INSERT INTO provider_subscription_ends (org_id, provider, subscription_id, "
            "ended_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true",
            self.org_id, self.provider, subscription_id, ended_at))

    async def subscription_end(self, subscription_id: str) -> datetime | None:
        ended: datetime | None = await self.conn.fetchval(
            "SELECT ended_at FROM provider_subscription_ends WHERE org_id = $1 "
            "AND provider = $2 AND subscription_id = $3",
            self.org_id, self.provider, subscription_id)
        return ended
