"""Booking a closed click bucket (``tracking.clicks.aggregated``): on a CPC program, one
ClickReward conversion with its ``initial`` timeline event and ``conversion.created``, in one
transaction. The row is keyed ``cpc:<bucketId>`` under the unique (org, externalEventId), so a
redelivered or concurrent copy inserts nothing and emits nothing. Other programs: nothing.

The currency and grace days come from the ledger's copy of the org's settings. A bucket whose
org has no copy yet is parked, never booked in a guessed currency, and the gateway is asked to
announce the org again; the transaction that stores the copy books it (``org_settings``). The
bus's redeliveries would not do: they end in the dead-letter queue within seconds, and the copy
can take longer than that (its event is lost if it left before the ledger's queue existed)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

import asyncpg

from libs.contracts.click_rewards import ClicksAggregated
from libs.contracts.common import as_json
from libs.contracts.orgs import ORG_SETTINGS_REQUESTED, OrgSettingsRequested
from libs.shared.ids import new_id
from libs.shared.uow import Transaction, unit_of_work
from services.ledger.click_rewards.adapters.repository import ClickRewardsRepository, OrgBooking
from services.ledger.click_rewards.domain.model import click_reward
from services.ledger.conversions.adapters.booking_repository import BookingRepository
from services.ledger.conversions.adapters.repository import ConversionsRepository
from services.ledger.conversions.domain.booking import Target
from services.ledger.conversions.service_layer.recording import record_booked
from services.ledger.domain.errors import AffiliateNotFound
from services.ledger.org_settings.adapters.repository import lock_org_settings

log = logging.getLogger(__name__)


async def book_click_reward(pool: asyncpg.Pool, event: ClicksAggregated, *, now: datetime
                            ) -> uuid.UUID | None:
    """The booked conversion's id; None when nothing is payable, it was booked before, or it
    was parked until its org's settings arrive."""
    async with unit_of_work(pool) as tx:
        repo = ClickRewardsRepository(tx.conn)
        await BookingRepository(tx.conn).lock_affiliates({event.affiliate_id})  # vs a ban
        target = await repo.target(event.org_id, event.affiliate_id, event.program_id)
        if target is None:  # the bus dead-letters it after its retries
            raise AffiliateNotFound(f"affiliate {event.affiliate_id} of program "
                                    f"{event.program_id} is not in org {event.org_id}")
        if target.terms.model != "Cpc":
            return None
        org = await repo.org(event.org_id)
        if org is None:  # under the lock the copy's arrival takes, so they never miss each other
            await lock_org_settings(tx.conn, event.org_id)
            org = await repo.org(event.org_id)
        if org is None:
            await repo.park(event, now)
            await tx.publish(ORG_SETTINGS_REQUESTED, as_json(
                OrgSettingsRequested(org_id=event.org_id, requested_by="ledger")))
            return None
        return await _book(tx, target, org, event, now)


async def book_parked(tx: Transaction, org_id: uuid.UUID, org: OrgBooking, *, now: datetime
                      ) -> int:
    """Book the org's parked buckets with its settings, which just arrived; how many were
    booked. Call holding ``lock_org_settings``."""
    repo = ClickRewardsRepository(tx.conn)
    booked = 0
    for event in await repo.parked(org_id):
        await BookingRepository(tx.conn).lock_affiliates({event.affiliate_id})  # vs a ban
        target = await repo.target(event.org_id, event.affiliate_id, event.program_id)
        if target is None:  # gone since it was parked: kept there for an operator, like a DLQ
            log.error("parked click bucket has no affiliate", extra={
                "bucket_id": str(event.bucket_id), "affiliate_id": str(event.affiliate_id)})
            continue
        booked += await _book(tx, target, org, event, now) is not None
        await repo.unpark(event.bucket_id)
    return booked


async def _book(tx: Transaction, target: Target, org: OrgBooking, event: ClicksAggregated,
                now: datetime) -> uuid.UUID | None:
    row = click_reward(target, clicks=event.clicks, bucket_id=event.bucket_id,
                       currency=org.currency, conversion_id=new_id(), now=now,
                       grace_days=org.grace_days)
    if row is None or not await ConversionsRepository(tx.conn).add(row):
        return None
    await record_booked(tx, row, None)
    return row.id
