"""Recording S2S sales: one unit of work inserts the conversion under its unique
(org, externalEventId) key, its timeline event, the recruiter's override, the audit row and the
``conversion.created`` events. The reply is sent only after the commit (the request message is
acked after the reply), so an acknowledged sale is durable, and a redelivered or concurrent copy
finds the key taken and answers ``deduped``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from libs.contracts.common import Actor
from libs.contracts.s2s import RecordSale
from libs.shared.ids import new_id
from libs.shared.uow import Transaction, unit_of_work
from services.ledger.adapters.conversions_repository import ConversionsRepository
from services.ledger.adapters.s2s_repository import S2SRepository
from services.ledger.domain import conversions as domain
from services.ledger.domain import s2s
from services.ledger.domain.errors import AffiliateSlugNotFound


def now_utc() -> datetime:
    return datetime.now(UTC)


async def resolve(tx: Transaction, org_id: Any, slug: str) -> s2s.Target:
    target = await S2SRepository(tx.conn).target(org_id, slug.strip().lower())
    if target is None:
        raise AffiliateSlugNotFound("no affiliate link with this slug in your organization",
                                    field="affiliateSlug")
    return target


async def book(tx: Transaction, conversion: domain.Conversion, actor: Actor | None,
               event_type: str = "initial") -> None:
    """Timeline event (``initial``, or ``renewal`` for a later sale of a subscription), audit
    row and ``conversion.created`` for a freshly inserted row."""
    repo = ConversionsRepository(tx.conn)
    await repo.add_event(domain.ConversionEvent(
        new_id(), conversion.id, event_type, conversion.amount_cents,
        conversion.commission_cents, conversion.created_at))
    shape = domain.to_response(conversion)
    if actor is not None:
        await tx.audit(org_id=conversion.org_id, actor=actor, action="conversion.created",
                       entity_type="conversion", entity_id=str(conversion.id), before=None,
                       after=shape, created_at=conversion.created_at)
    await tx.emit("conversion.created", org_id=conversion.org_id, data=shape,
                  created_at=conversion.created_at)


async def book_with_override(tx: Transaction, target: s2s.Target, conversion: domain.Conversion,
                             actor: Actor | None, event_type: str = "initial") -> bool:
    """Insert a sale and its recruiter's override; False (nothing written) when the sale's
    (org, externalEventId) is already booked."""
    repo = ConversionsRepository(tx.conn)
    if not await repo.add(conversion):
        return False
    await book(tx, conversion, actor, event_type)
    override = s2s.override_for(target, conversion, conversion_id=new_id())
    if override is not None:
        await repo.add(override)
        await book(tx, override, None, event_type)
    return True


async def record_sale(pool: asyncpg.Pool, cmd: RecordSale) -> dict[str, Any]:
    body, now = cmd.data, now_utc()
    async with unit_of_work(pool) as tx:
        target = await resolve(tx, cmd.org_id, body.affiliate_slug)
        sale = s2s.Sale(body.external_event_id, body.amount_cents, body.currency,
                        body.customer_id, body.subscription_id)
        conversion = s2s.sale_conversion(target, sale, conversion_id=new_id(), now=now,
                                         grace_days=cmd.payout_grace_days)
        if not await book_with_override(tx, target, conversion, cmd.actor):
            return {"ok": True, "deduped": True}
    return {"ok": True, "conversionId": str(conversion.id)}
