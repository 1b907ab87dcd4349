"""Public storefront use cases: landing info by handle or domain, and applications. An
application is one unit of work with its affiliate.created (+ .approved) events and audit row
(actor: the anonymous applicant, type ``user``)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import asyncpg

from libs.contracts import storefront as contract
from libs.contracts.affiliates import AffiliateStatus as S
from libs.shared.clock import now_utc
from libs.shared.ids import new_id
from libs.shared.uow import Transaction, unit_of_work
from services.ledger.affiliates.adapters.repository import AffiliatesRepository
from services.ledger.affiliates.domain.model import normalize_email
from services.ledger.affiliates.service_layer.handlers import record_change
from services.ledger.affiliates.service_layer.links import add_default_link
from services.ledger.affiliates.service_layer.seats import ensure_seats
from services.ledger.domain.errors import AffiliateExists, ProgramNotFound
from services.ledger.storefront.adapters.repository import StorefrontRepository
from services.ledger.storefront.domain import model as domain


async def program_by_handle(pool: asyncpg.Pool, cmd: contract.ProgramByHandle
                            ) -> contract.StorefrontListing:
    async with pool.acquire() as conn:
        repo = StorefrontRepository(conn)
        program = await (repo.by_slug(cmd.org_id, cmd.campaign) if cmd.campaign
                         else repo.primary(cmd.org_id))
    if program is None:
        raise ProgramNotFound("no active program here")
    return domain.public_view(program)


async def program_by_domain(pool: asyncpg.Pool, cmd: contract.ProgramByDomain
                            ) -> contract.DomainOwner:
    async with pool.acquire() as conn:
        program = await StorefrontRepository(conn).by_domain(domain.normalize_host(cmd.host))
    if program is None:
        raise ProgramNotFound("this host is not a verified custom domain")
    return contract.DomainOwner(org_id=program.org_id, slug=program.slug)


async def apply(pool: asyncpg.Pool, cmd: contract.Apply) -> contract.ApplyReply:
    try:
        async with unit_of_work(pool) as tx:
            return contract.ApplyReply(await _apply(tx, cmd, now_utc()))
    except AffiliateExists:  # a concurrent duplicate won the race: the duplicate's answer
        return contract.ApplyReply(domain.DUPLICATE)


async def _apply(tx: Transaction, cmd: contract.Apply, now: datetime
                 ) -> contract.ApplyResult | contract.ApplicationReceived:
    body, store = cmd.data, StorefrontRepository(tx.conn)
    program = await store.program(cmd.program_id)
    if program is None or not domain.is_listed(program):
        raise ProgramNotFound("program not found or not accepting applications")
    # Capacity before the duplicate check: a full program answers 409 to everyone, so its
    # replies never tell who already applied.
    await ensure_seats(tx.conn, program.org_id, program.id)
    repo = AffiliatesRepository(tx.conn)
    if await repo.email_taken(program.id, normalize_email(body.email)):
        return domain.DUPLICATE
    candidate = (await store.affiliate(body.recruited_by_affiliate_id)
                 if body.recruited_by_affiliate_id else None)
    recruiter = domain.honoured_recruiter(candidate, org_id=program.org_id, email=body.email)
    affiliate = domain.new_application(program, body, affiliate_id=new_id(),
                                       recruiter=recruiter, now=now)
    await repo.add(affiliate)
    link = await add_default_link(repo, affiliate, alias=body.custom_alias, now=now)
    affiliate = dataclasses.replace(affiliate, links=[link])
    await record_change(tx, cmd.actor, None, affiliate, action="affiliate.applied", now=now)
    return domain.apply_reply(affiliate.id, S(affiliate.status), link.slug)
