"""The affiliate side, driven through the ledger's own use cases on the real database: orgs with
a program, one person who is an affiliate in several of them, the memberships the gateway would
resolve from that person's JWT, and sales booked as tracking would hand them over."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from libs.contracts.affiliates import CreateAffiliate
from libs.contracts.attributed import AcceptedRefund, AcceptedSale
from libs.contracts.orgs import OrgSettings
from libs.contracts.programs import CreateProgram
from libs.shared.uow import unit_of_work
from services.ledger.affiliates.service_layer.handlers import create_affiliate
from services.ledger.conversions.service_layer.booking import book_refund, book_sale
from services.ledger.org_settings.adapters.repository import store_org_settings
from services.ledger.programs.service_layer.handlers import create_program

ACTOR = {"type": "api_key", "keyId": str(uuid.uuid4())}
USER = {"type": "user", "userId": "user_2pat"}
T0 = datetime(2026, 5, 10, 16, tzinfo=UTC)


@dataclass(frozen=True)
class Org:
    id: uuid.UUID
    program_id: uuid.UUID
    handle: str
    name: str


async def new_org(pool: asyncpg.Pool, *, percent: int = 20, home: str = "USD",
                  sub_affiliate_percent: int | None = 10) -> Org:
    """An org (its settings copy in ``home``) with one program paying ``percent`` of a sale;
    recruiting on at ``sub_affiliate_percent`` (None: off)."""
    org_id, tag = uuid.uuid4(), uuid.uuid4().hex[:8]
    async with pool.acquire() as conn:
        await store_org_settings(conn, OrgSettings.model_validate({
            "orgId": org_id, "homeCurrency": home, "payoutGraceDays": 30, "planTier": "Pro",
            "subscriptionStatus": "Active", "changedAt": T0}))
    program = await create_program(pool, CreateProgram.model_validate({
        "orgId": org_id, "actor": ACTOR, "data": {
            "name": f"Program {tag}", "defaultCommissionType": "Percentage",
            "defaultCommissionValue": percent}}))
    if sub_affiliate_percent is not None:
        await pool.execute("UPDATE programs SET sub_affiliate_enabled = true, "
                           "sub_affiliate_percent = $2 WHERE id = $1", program.id,
                           sub_affiliate_percent)
    return Org(org_id, program.id, f"org-{tag}", f"Org {tag}")


async def join(pool: asyncpg.Pool, org: Org, email: str, *, status: str = "Approved",
               recruited_by: uuid.UUID | None = None, at: datetime | None = None) -> uuid.UUID:
    """An affiliate of ``org``'s program; ``at`` sets when it joined (a page's order)."""
    made = await create_affiliate(pool, CreateAffiliate.model_validate({
        "orgId": org.id, "actor": ACTOR, "data": {"programId": org.program_id, "email": email,
                                                  "fullName": email.split("@")[0].title()}}))
    await pool.execute(
        "UPDATE affiliates SET status = $2, recruited_by_affiliate_id = $3, "
        "created_at = coalesce($4, created_at) WHERE id = $1",
        made.id, status, recruited_by, at)
    return made.id


def membership(org: Org, affiliate_id: uuid.UUID, status: str = "Approved") -> dict[str, Any]:
    """One membership as the gateway sends it (the owners read the affiliate's live status and
    program themselves; these are what the gateway resolved)."""
    return {"orgId": str(org.id), "affiliateId": str(affiliate_id),
            "programId": str(org.program_id), "status": status, "orgName": org.name,
            "orgHandle": org.handle}


async def sell(pool: asyncpg.Pool, org: Org, affiliate_id: uuid.UUID, amount_cents: int,
               currency: str = "USD", *, event_id: str | None = None) -> str:
    """A one-time sale booked Pending; its external event id."""
    event_id = event_id or f"sale-{uuid.uuid4().hex[:12]}"
    sale = AcceptedSale.model_validate({
        "orgId": str(org.id), "conversionId": str(uuid.uuid4()), "externalEventId": event_id,
        "affiliateId": str(affiliate_id), "programId": str(org.program_id),
        "amountCents": amount_cents, "currency": currency, "payoutGraceDays": 30,
        "occurredAt": T0.isoformat()})
    async with unit_of_work(pool) as tx:
        await book_sale(tx, sale)
    return event_id


async def refund(pool: asyncpg.Pool, org: Org, event_id: str) -> None:
    async with unit_of_work(pool) as tx:
        await book_refund(tx, AcceptedRefund.model_validate({
            "orgId": str(org.id), "externalEventId": f"re_{event_id}",
            "saleExternalEventId": event_id, "occurredAt": T0.isoformat()}))


async def approve(pool: asyncpg.Pool, org: Org, *event_ids: str) -> None:
    """Pending -> Approved as the lifecycle job does once the grace days passed (the sale and
    the override beside it)."""
    await pool.execute(
        "UPDATE conversions SET status = 'Approved', approved_at = $3 WHERE org_id = $1 "
        "AND external_event_id = ANY($2) AND status = 'Pending'", org.id, list(event_ids), T0)
