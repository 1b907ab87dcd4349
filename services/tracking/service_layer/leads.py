"""Accepting leads: the signed S2S lead and the browser's signup (``Rekomi.convert``), each
made durable under its (org, program, e-mail or externalEventId) key with the event for the
ledger in the same transaction; the ledger books the LeadReward from the bus."""

from __future__ import annotations

import asyncpg

from libs.contracts.attributed import LEAD_ACCEPTED, AcceptedLead
from libs.contracts.s2s import Accepted, AcceptLead, AcceptSignup, LinkBySlug, SlugOwner
from libs.shared.clock import now_utc
from libs.shared.errors import ValidationFailed
from libs.shared.ids import new_id
from libs.shared.uow import unit_of_work
from services.tracking.adapters.s2s_repository import S2SRepository
from services.tracking.service_layer.lookups import Link, Tracking
from services.tracking.service_layer.s2s import deduped, org_link


async def _accept_lead(pool: asyncpg.Pool, link: Link, *, email: str, name: str | None,
                       external_event_id: str | None, currency: str, grace_days: int
                       ) -> Accepted:
    now, conversion_id, email = now_utc(), new_id(), email.strip().lower()
    async with unit_of_work(pool) as tx:
        added = await S2SRepository(tx.conn).add_lead(
            org_id=link.org_id, program_id=link.program_id, email=email,
            affiliate_id=link.affiliate_id, conversion_id=conversion_id,
            external_event_id=external_event_id, now=now)
        if not added:
            return deduped(await S2SRepository(tx.conn).lead_conversion_id(
                org_id=link.org_id, program_id=link.program_id, email=email,
                external_event_id=external_event_id))
        lead = AcceptedLead(org_id=link.org_id, conversion_id=conversion_id,
                            affiliate_id=link.affiliate_id, program_id=link.program_id,
                            email=email, name=name, external_event_id=external_event_id,
                            currency=currency, payout_grace_days=grace_days, occurred_at=now)
        await tx.publish(LEAD_ACCEPTED, lead.model_dump(mode="json", by_alias=True))
    return Accepted(ok=True, conversion_id=conversion_id)


def _in_program(link: Link, program_id: object) -> bool:
    """A lead that names its program (``programId``) counts only for the slug's own."""
    return program_id is None or str(program_id) == str(link.program_id)


async def accept_lead(t: Tracking, cmd: AcceptLead) -> Accepted:
    data = cmd.data
    link = await org_link(t.lookups, cmd.org_id, data.affiliate_slug)
    if not _in_program(link, data.program_id):
        raise ValidationFailed("affiliateSlug belongs to another program", field="programId")
    return await _accept_lead(t.pool, link, email=data.email, name=data.name,
                              external_event_id=data.external_event_id,
                              currency=cmd.home_currency, grace_days=cmd.payout_grace_days)


async def accept_signup(t: Tracking, cmd: AcceptSignup) -> Accepted:
    """The browser's ``Rekomi.convert``; a program id that is not the link's records nothing."""
    data = cmd.data
    link = await org_link(t.lookups, cmd.org_id, data.slug)
    if not _in_program(link, data.program_id):
        return Accepted(ok=True, recorded=False)
    return await _accept_lead(t.pool, link, email=data.email, name=data.name,
                              external_event_id=None, currency=cmd.home_currency,
                              grace_days=cmd.payout_grace_days)


async def org_of_slug(t: Tracking, cmd: LinkBySlug) -> SlugOwner:
    link = await t.lookups.live_link(cmd.slug.strip().lower())
    return SlugOwner(org_id=link.org_id if link else None)
