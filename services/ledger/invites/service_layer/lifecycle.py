"""After an invite is created: the brand lists, resends and revokes it; the invitee previews and
accepts it by token (anonymous). Accepting is idempotent: it returns the original affiliate."""

from __future__ import annotations

import dataclasses
from typing import Any

import asyncpg

from libs.contracts import invites as contract
from libs.contracts.affiliates import AffiliateStatus
from libs.contracts.invites import InviteState
from libs.shared.clock import now_utc
from libs.shared.ids import new_id
from libs.shared.pagination import decode_cursor, page_of
from libs.shared.uow import unit_of_work
from services.ledger.affiliates.adapters.repository import AffiliatesRepository
from services.ledger.affiliates.domain import model as affiliates_domain
from services.ledger.affiliates.domain.links import slug_problem
from services.ledger.affiliates.service_layer.handlers import record_change
from services.ledger.affiliates.service_layer.links import add_generated_link
from services.ledger.affiliates.service_layer.seats import ensure_seats
from services.ledger.domain.errors import AffiliateNotFound, InviteNotFound
from services.ledger.invites.adapters.repository import InvitesRepository, cursor_of
from services.ledger.invites.domain import model as domain
from services.ledger.invites.service_layer.creation import (
    InviteConfig,
    ensure_room,
    stage,
)
from services.ledger.programs.service_layer.handlers import live_program


async def list_invites(pool: asyncpg.Pool, cmd: contract.ListInvites) -> contract.InviteList:
    now = now_utc()
    async with pool.acquire() as conn:
        repo = InvitesRepository(conn)
        rows = await repo.page(cmd.org_id, take=cmd.take, after=decode_cursor(cmd.cursor),
                               program_id=cmd.program_id,
                               state=cmd.state.value if cmd.state else None, now=now)
        items, next_cursor, has_more = page_of(rows, cmd.take, cursor_of)
        names = await repo.program_names(cmd.org_id, list({i.program_id for i in items}))
    return contract.InviteList(
        items=[domain.to_response(i, names.get(i.program_id, ""), now) for i in items],
        next_cursor=next_cursor, has_more=has_more)


async def _locked(repo: InvitesRepository, cmd: contract.ResendInvite | contract.RevokeInvite
                  ) -> domain.Invite:
    invite = await repo.get(cmd.org_id, cmd.invite_id, lock=True)
    if invite is None:
        raise InviteNotFound("invite not found")
    return invite


async def resend_invite(pool: asyncpg.Pool, cmd: contract.ResendInvite, *,
                        config: InviteConfig) -> contract.InviteCreated:
    now = now_utc()
    async with unit_of_work(pool) as tx:
        repo = InvitesRepository(tx.conn)
        await repo.lock_org(cmd.org_id)
        current = await _locked(repo, cmd)
        if domain.state_at(current, now) == InviteState.Expired:
            await ensure_room(repo, cmd.org_id, 1, now)
        invite, token = domain.rotated(current, config.token_secret, now)
        await repo.save(invite)
        names = await repo.program_names(cmd.org_id, [invite.program_id])
        shape = await stage(tx, cmd.actor, invite, names.get(invite.program_id, ""),
                            action="invite.resent", now=now)
    return contract.InviteCreated(
        invite=shape, accept_url=domain.accept_url(config.accept_url_base, token))


async def revoke_invite(pool: asyncpg.Pool, cmd: contract.RevokeInvite
                        ) -> contract.InviteResponse:
    now = now_utc()
    async with unit_of_work(pool) as tx:
        repo = InvitesRepository(tx.conn)
        current = await _locked(repo, cmd)
        invite = domain.revoked(current, now)
        name = (await repo.program_names(cmd.org_id, [invite.program_id])).get(
            invite.program_id, "")
        shape = domain.to_response(invite, name, now)
        if invite is not current:
            await repo.save(invite)
            await tx.audit(org_id=invite.org_id, actor=cmd.actor, action="invite.revoked",
                           entity_type="invite", entity_id=str(invite.id),
                           before=domain.to_response(current, name, now), after=shape,
                           created_at=now)
    return shape


async def preview_invite(pool: asyncpg.Pool, cmd: contract.PreviewInvite
                         ) -> contract.InvitePreview:
    now = now_utc()
    async with pool.acquire() as conn:
        repo = InvitesRepository(conn)
        invite = await repo.by_token_hash(domain.token_hash(cmd.token))
        if invite is None:
            raise InviteNotFound("invite not found")
        if invite.state != InviteState.Accepted:
            domain.check_acceptable(invite, now)
        names = await repo.program_names(invite.org_id, [invite.program_id])
    return domain.preview(invite, names.get(invite.program_id, ""), now)


def _accepted(affiliate: affiliates_domain.Affiliate, warnings: list[str]
              ) -> contract.InviteAccepted:
    default = next((link.slug for link in affiliate.links if link.is_default), None)
    return contract.InviteAccepted(affiliate_id=affiliate.id, program_id=affiliate.program_id,
                                   status=affiliate.status, slug=default, warnings=warnings)


async def accept_invite(pool: asyncpg.Pool, cmd: contract.AcceptInvite
                        ) -> contract.InviteAccepted:
    now = now_utc()
    async with unit_of_work(pool) as tx:
        invites = InvitesRepository(tx.conn)
        affiliates = AffiliatesRepository(tx.conn)
        invite = await invites.by_token_hash(domain.token_hash(cmd.token), lock=True)
        if invite is None:
            raise InviteNotFound("invite not found")
        if invite.state == InviteState.Accepted and invite.affiliate_id is not None:
            existing = await affiliates.get(invite.org_id, invite.affiliate_id)
            if existing is None:
                raise AffiliateNotFound("the affiliate this invite created was deleted")
            return _accepted(existing, [])
        domain.check_acceptable(invite, now)
        await live_program(tx.conn, invite.org_id, invite.program_id)
        affiliate = _affiliate_of(invite, now)
        if affiliates_domain.takes_seat(None, affiliate):  # auto-approved: claims a seat
            await ensure_seats(tx.conn, invite.org_id, invite.program_id)
        await affiliates.add(affiliate)
        preferred = invite.requested_slug
        usable = preferred if preferred and slug_problem(preferred) is None else None
        link = await add_generated_link(affiliates, affiliate, now=now, preferred=usable)
        affiliate = dataclasses.replace(affiliate, links=[link])
        warnings = [] if preferred is None or link.slug == preferred else [
            f"the requested slug {preferred!r} is no longer available; the link got the "
            f"generated slug {link.slug!r}"]
        await record_change(tx, cmd.actor, None, affiliate, action="affiliate.created", now=now)
        done = domain.accepted(invite, affiliate.id, now)
        await invites.save(done)
        await tx.audit(org_id=invite.org_id, actor=cmd.actor, action="invite.accepted",
                       entity_type="invite", entity_id=str(invite.id), before=None,
                       after={"state": done.state, "affiliateId": str(affiliate.id)},
                       created_at=now)
    return _accepted(affiliate, warnings)


def _affiliate_of(invite: domain.Invite, now: Any) -> affiliates_domain.Affiliate:
    status = AffiliateStatus.Approved if invite.auto_approve else AffiliateStatus.Pending
    return affiliates_domain.Affiliate(
        id=new_id(), org_id=invite.org_id, program_id=invite.program_id, email=invite.email,
        full_name=invite.full_name, status=status.value,
        custom_commission_type=invite.custom_commission_type,
        custom_commission_value=invite.custom_commission_value, tags=[], notes=None,
        source="Invite", application_data=None, rejection_reason=None,
        recruited_by_affiliate_id=None, applied_at=now,
        approved_at=now if status == AffiliateStatus.Approved else None, created_at=now,
        updated_at=now)
