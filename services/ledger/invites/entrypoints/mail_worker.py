"""The invite e-mail entrypoints: the consumer that queues each requested e-mail, and the
worker loop that sends due ones (one per org per round, paced in PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg

from libs.contracts.invites import INVITE_EMAIL_REQUESTED, InviteEmailRequested
from libs.shared.bus import Bus, Delivery
from libs.shared.periodic import run_periodically
from libs.shared.runtime import ServiceContext
from libs.shared.settings import Settings
from services.ledger.invites.adapters import mail_queue
from services.ledger.invites.adapters.mail import Mailer
from services.ledger.invites.service_layer.mail import MailConfig, enqueue_invite_email, send_next

QUEUE = "invite-mail"


async def subscribe_invite_mail(bus: Bus, pool: asyncpg.Pool) -> None:
    async def on_message(delivery: Delivery) -> None:
        message = InviteEmailRequested.model_validate(delivery.body)
        await enqueue_invite_email(pool, delivery.message_id, message)

    await bus.subscribe(QUEUE, [INVITE_EMAIL_REQUESTED], on_message)


class MailWorker:
    def __init__(self, pool: asyncpg.Pool, mailer: Mailer, config: MailConfig, *,
                 poll_seconds: float = 0.25, orgs_per_round: int = 50) -> None:
        self.pool = pool
        self.mailer = mailer
        self.config = config
        self.poll_seconds = poll_seconds
        self.orgs_per_round = orgs_per_round

    async def run_once(self) -> int:
        """One round: at most one e-mail per org whose slot is free; returns how many."""
        orgs = await mail_queue.ready_orgs(self.pool, self.orgs_per_round)
        taken = await asyncio.gather(*(send_next(self.pool, self.mailer, org, self.config)
                                       for org in orgs))
        return sum(taken)

    async def run(self) -> None:
        async def send_round() -> None:
            await self.run_once()

        await run_periodically("invite_mail", send_round, self.poll_seconds)


def mail_config(settings: Settings) -> MailConfig:
    return MailConfig(token_secret=settings.invite_token_secret,
                      accept_url_base=settings.invite_accept_url_base,
                      interval=timedelta(seconds=settings.mail_org_interval_seconds),
                      max_attempts=settings.mail_max_attempts)


async def start_invite_mail(ctx: ServiceContext, mailer: Mailer) -> None:
    """Wire the consumer and spawn the worker sending through ``mailer`` (bootstrap calls
    this)."""
    await subscribe_invite_mail(ctx.bus, ctx.pool)
    worker = MailWorker(ctx.pool, mailer, mail_config(ctx.settings),
                        poll_seconds=ctx.settings.mail_poll_seconds)
    ctx.spawn(worker.run())
