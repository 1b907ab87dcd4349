"""The invite mail worker on the real database, over SMTP to the local catcher: two worker
replicas together send at most one e-mail per interval per org, and another org's e-mail is not
queued behind it. (The e2e stack's ledger, when running in the same session, is a third replica
on the same tables; the checks hold with it too.)"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest

from libs.contracts.common import Actor, ActorType
from libs.contracts.invites import (
    INVITE_EMAIL_REQUESTED,
    Brand,
    BulkInviteCreate,
    CreateBulkInvites,
    InviteEmailRequested,
)
from libs.contracts.programs import CreateProgram, ProgramCreate
from libs.shared.db import create_pool
from libs.shared.settings import Settings
from services.ledger.invites.adapters.mail import SmtpConfig, SmtpMailer
from services.ledger.invites.adapters.mail_catcher import MailCatcher
from services.ledger.invites.entrypoints.mail_worker import MailWorker
from services.ledger.invites.service_layer.creation import InviteConfig, create_bulk_invites
from services.ledger.invites.service_layer.mail import MailConfig, enqueue_invite_email
from services.ledger.programs.service_layer.handlers import create_program
from tests.common.waiting import eventually

ACTOR = Actor(type=ActorType.system)
INTERVAL = timedelta(seconds=1)


@pytest.fixture
async def pool(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(settings.database_url, "ledger", min_size=2, max_size=10)
    yield pool
    await pool.close()


async def invites_for(pool: asyncpg.Pool, emails: list[str]) -> uuid.UUID:
    """An org with a program and one bulk invite; the consumer's step applied to its outbox."""
    org_id = uuid.uuid4()
    program = await create_program(pool, CreateProgram(org_id=org_id, actor=ACTOR, data=(
        ProgramCreate.model_validate({"name": "P", "defaultCommissionType": "Percentage",
                                      "defaultCommissionValue": 10}))))
    await create_bulk_invites(pool, CreateBulkInvites(
        org_id=org_id, actor=ACTOR, brand=Brand(name="B"),
        data=BulkInviteCreate.model_validate({"programId": program.id, "emails": emails})),
        config=InviteConfig(token_secret="s", accept_url_base="https://app.rekomi.com/i"))
    rows = await pool.fetch("SELECT id, payload FROM outbox WHERE routing_key = $1 AND "
                            "payload->>'orgId' = $2", INVITE_EMAIL_REQUESTED, str(org_id))
    assert len(rows) == len(emails)
    for row in rows:
        await enqueue_invite_email(pool, str(row["id"]),
                                   InviteEmailRequested.model_validate(row["payload"]))
        await enqueue_invite_email(pool, str(row["id"]),  # a redelivery adds nothing
                                   InviteEmailRequested.model_validate(row["payload"]))
    return org_id


CLAIM_STAMP_SLACK = 0.05


async def claimed(pool: asyncpg.Pool, org_id: uuid.UUID, count: int) -> list[float]:
    async def all_sent() -> list[float] | None:
        rows = await pool.fetch(
            "SELECT extract(epoch FROM claimed_at)::float8 AS at, outcome FROM invite_mail "
            "WHERE org_id = $1 ORDER BY claimed_at", org_id)
        done = len(rows) == count and all(r["outcome"] == "sent" for r in rows)
        return [r["at"] for r in rows] if done else None

    return await eventually(all_sent, timeout=30, what="every e-mail sent")


async def test_two_replicas_pace_per_org(pool: asyncpg.Pool) -> None:
    catcher = MailCatcher()
    catcher.start()
    config = MailConfig(token_secret="s", accept_url_base="https://app.rekomi.com/i",
                        interval=INTERVAL)
    mailer = SmtpMailer(SmtpConfig(host=catcher.host, port=catcher.port, sender="t@x.io"))
    workers = [asyncio.ensure_future(MailWorker(pool, mailer, config, poll_seconds=0.02).run())
               for _ in range(2)]
    try:
        busy = await invites_for(pool, [f"b{i}-{uuid.uuid4().hex[:6]}@x.io" for i in range(4)])
        quiet = await invites_for(pool, [f"q-{uuid.uuid4().hex[:6]}@x.io"])
        busy_times = await claimed(pool, busy, 4)
        quiet_times = await claimed(pool, quiet, 1)
    finally:
        for task in workers:
            task.cancel()
        for task in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        catcher.stop()
    gaps = [b - a for a, b in itertools.pairwise(busy_times)]
    # The slots are INTERVAL apart; claimed_at is stamped a statement after its slot was taken,
    # so two claims' stamps may be closer by the difference of those short delays (0.7 ms seen
    # on a loaded machine).
    assert min(gaps) >= INTERVAL.total_seconds() - CLAIM_STAMP_SLACK, gaps
    assert quiet_times[0] - busy_times[0] < INTERVAL.total_seconds()
