"""Invite e-mail: queued from the outbox message, then sent by the mail worker, one per org per
interval. A message whose invite was accepted, revoked, expired or resent since is skipped; a
refused one is retried with backoff, then marked failed."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from libs.contracts.invites import InviteEmailRequested, InviteState
from libs.shared.clock import now_utc
from services.ledger.invites.adapters import mail_queue
from services.ledger.invites.adapters.mail import Mailer, MailError
from services.ledger.invites.adapters.repository import InvitesRepository
from services.ledger.invites.domain import model as domain
from services.ledger.invites.domain.mail import OutgoingMail, invite_mail

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MailConfig:
    token_secret: str
    accept_url_base: str
    interval: timedelta = timedelta(seconds=1)
    max_attempts: int = 6
    lease: timedelta = timedelta(seconds=60)


async def enqueue_invite_email(pool: asyncpg.Pool, message_id: str,
                               message: InviteEmailRequested) -> None:
    async with pool.acquire() as conn:
        await mail_queue.enqueue(conn, message_id, message.org_id, message.invite_id,
                                 message.token_version)


async def _compose(pool: asyncpg.Pool, claimed: mail_queue.Claimed, config: MailConfig
                   ) -> OutgoingMail | None:
    async with pool.acquire() as conn:
        repo = InvitesRepository(conn)
        invite = await repo.by_id(claimed.invite_id)
        if invite is None or invite.token_version != claimed.token_version:
            return None
        if domain.state_at(invite, now_utc()) != InviteState.Pending:
            return None
        names = await repo.program_names(invite.org_id, [invite.program_id])
    token = domain.derive_token(config.token_secret, invite.id, invite.token_version)
    return invite_mail(to=invite.email, brand=invite.brand_name,
                       program=names.get(invite.program_id, ""), note_html=invite.note_html,
                       url=domain.accept_url(config.accept_url_base, token),
                       invite_id=str(invite.id))


async def send_next(pool: asyncpg.Pool, mailer: Mailer, org_id: uuid.UUID,
                    config: MailConfig) -> bool:
    """Send the org's oldest due e-mail if its pacing slot is free; True when one was taken."""
    claimed = await mail_queue.claim(pool, org_id, interval=config.interval, lease=config.lease)
    if claimed is None:
        return False
    mail = await _compose(pool, claimed, config)
    if mail is None:
        await mail_queue.finish(pool, claimed.message_id, "skipped")
        return True
    try:
        await mailer.send(mail)
    except MailError as exc:
        await _failed(pool, claimed, config, str(exc))
        return True
    await mail_queue.finish(pool, claimed.message_id, "sent")
    return True


async def _failed(pool: asyncpg.Pool, claimed: mail_queue.Claimed, config: MailConfig,
                  error: str) -> None:
    log.warning("invite e-mail not accepted", extra={"messageId": claimed.message_id,
                                                     "attempt": claimed.attempts,
                                                     "error": error})
    if claimed.attempts >= config.max_attempts:
        await mail_queue.finish(pool, claimed.message_id, "failed", error)
    else:
        delay = timedelta(seconds=min(2 ** claimed.attempts, 300))
        await mail_queue.retry_later(pool, claimed.message_id, delay, error)
