"""Creating invites (one, or a batch of up to 50): one unit of work each, with the audit rows
and the e-mail requests (outbox) staged in the same transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from libs.contracts import invites as contract
from libs.contracts.common import Actor
from libs.contracts.invites import INVITE_EMAIL_REQUESTED, MAX_PENDING_INVITES
from libs.shared.clock import now_utc
from libs.shared.ids import new_id
from libs.shared.uow import Transaction, unit_of_work
from services.ledger.affiliates.domain.links import check_slug
from services.ledger.affiliates.domain.model import normalize_email
from services.ledger.domain.errors import (
    AffiliateExists,
    PendingInvitesLimitReached,
    SlugTaken,
)
from services.ledger.invites.adapters.repository import InvitesRepository
from services.ledger.invites.domain import model as domain
from services.ledger.invites.domain.batch import Row, plan_batch
from services.ledger.invites.domain.sanitize import render_note
from services.ledger.programs.domain.model import Program
from services.ledger.programs.service_layer.handlers import live_program


@dataclass(frozen=True, slots=True)
class InviteConfig:
    token_secret: str
    accept_url_base: str


async def ensure_room(repo: InvitesRepository, org_id: uuid.UUID, adding: int,
                      now: datetime) -> None:
    if adding and await repo.pending_count(org_id, now) + adding > MAX_PENDING_INVITES:
        raise PendingInvitesLimitReached(
            f"an org may have at most {MAX_PENDING_INVITES} pending invites; revoke some or "
            "wait for them to be accepted or expire")


async def stage(tx: Transaction, actor: Actor, invite: domain.Invite, program_name: str, *,
                action: str, now: datetime) -> contract.InviteResponse:
    """The audit row and the e-mail request for one created or resent invite."""
    shape = domain.to_response(invite, program_name, now)
    await tx.audit(org_id=invite.org_id, actor=actor, action=action, entity_type="invite",
                   entity_id=str(invite.id), before=None, after=shape, created_at=now)
    message = contract.InviteEmailRequested(invite_id=invite.id, org_id=invite.org_id,
                                            token_version=invite.token_version)
    await tx.publish(INVITE_EMAIL_REQUESTED, message.model_dump(mode="json", by_alias=True))
    return shape


def spec_for(program: Program, brand: contract.Brand, row: Row, *, note: str | None,
             auto_approve: bool | None, kind: str | None = None, value: Any = None
             ) -> domain.NewInvite:
    commission = domain.commission_text(kind or program.default_commission_type,
                                        value if kind else program.default_commission_value,
                                        brand.currency)
    values = domain.merge_values(full_name=row.full_name, commission=commission,
                                 brand=brand.name)
    return domain.NewInvite(
        org_id=program.org_id, program_id=program.id, email=row.email, full_name=row.full_name,
        requested_slug=row.slug, note_html=render_note(note, values),
        custom_commission_type=kind, custom_commission_value=value,
        auto_approve=program.auto_approve if auto_approve is None else auto_approve,
        brand_name=brand.name)


async def create_invite(pool: asyncpg.Pool, cmd: contract.CreateInvite, *,
                        config: InviteConfig) -> contract.InviteCreated:
    now, data = now_utc(), cmd.data
    row = Row(normalize_email(data.email), data.full_name, data.slug)
    if row.slug is not None:
        check_slug(row.slug)
    async with unit_of_work(pool) as tx:
        program = await live_program(tx.conn, cmd.org_id, data.program_id)
        repo = InvitesRepository(tx.conn)
        await repo.lock_org(cmd.org_id)
        if await repo.affiliate_emails(program.id, [row.email]):
            raise AffiliateExists("an affiliate with this email already exists in the program",
                                  field="email")
        if row.slug is not None and await repo.taken_slugs([row.slug]):
            raise SlugTaken(f"slug {row.slug!r} is already taken", field="slug")
        await repo.expire_stale(program.id, [row.email], now)
        await ensure_room(repo, cmd.org_id, 1, now)
        kind = data.custom_commission_type.value if data.custom_commission_type else None
        spec = spec_for(program, cmd.brand, row, note=data.personal_note_html,
                        auto_approve=data.auto_approve, kind=kind,
                        value=data.custom_commission_value)
        invite, token = domain.new_invite(spec, invite_id=new_id(),
                                          secret=config.token_secret, now=now)
        await repo.add(invite)
        shape = await stage(tx, cmd.actor, invite, program.name, action="invite.created",
                            now=now)
    return contract.InviteCreated(
        invite=shape, accept_url=domain.accept_url(config.accept_url_base, token))


async def create_bulk_invites(pool: asyncpg.Pool, cmd: contract.CreateBulkInvites, *,
                              config: InviteConfig) -> contract.BulkInviteResult:
    now, data = now_utc(), cmd.data
    rows = [Row(normalize_email(r.email), r.full_name, r.slug) for r in data.rows()]
    emails = [r.email for r in rows]
    async with unit_of_work(pool) as tx:
        program = await live_program(tx.conn, cmd.org_id, data.program_id)
        repo = InvitesRepository(tx.conn)
        await repo.lock_org(cmd.org_id)
        await repo.expire_stale(program.id, emails, now)
        known = (await repo.affiliate_emails(program.id, emails)
                 | await repo.pending_emails(program.id, emails, now))
        taken = await repo.taken_slugs([r.slug for r in rows if r.slug])
        plan = plan_batch(rows, known_emails=known, taken_slugs=taken)
        await ensure_room(repo, cmd.org_id, len(plan.rows), now)
        shapes = []
        for row in plan.rows:
            spec = spec_for(program, cmd.brand, row, note=data.personal_note_html,
                            auto_approve=data.auto_approve)
            invite, _token = domain.new_invite(spec, invite_id=new_id(),
                                               secret=config.token_secret, now=now)
            await repo.add(invite)
            shapes.append(await stage(tx, cmd.actor, invite, program.name,
                                      action="invite.created", now=now))
    return contract.BulkInviteResult(created=len(shapes), skipped=plan.skipped, invites=shapes,
                                     slug_conflicts=plan.slug_conflicts)
