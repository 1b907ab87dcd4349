"""Booking a closed click bucket (``tracking.clicks.aggregated``): on a CPC program, one
ClickReward conversion with its ``initial`` timeline event and ``conversion.created``, in one
transaction. The row is keyed ``cpc:<bucketId>`` under the unique (org, externalEventId), so a
redelivered or concurrent copy inserts nothing and emits nothing. Other programs: nothing."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from libs.contracts.click_rewards import ClicksAggregated
from libs.shared.ids import new_id
from libs.shared.uow import unit_of_work
from services.ledger.adapters.click_rewards_repository import ClickRewardsRepository
from services.ledger.adapters.conversions_repository import ConversionsRepository
from services.ledger.domain.click_rewards import click_reward
from services.ledger.domain.errors import AffiliateNotFound
from services.ledger.service_layer.s2s import book


class OrgUnknown(LookupError):
    """The bucket's org has no settings row; retried, then dead-lettered (never guessed)."""


async def book_click_reward(pool: asyncpg.Pool, event: ClicksAggregated, *, now: datetime
                            ) -> uuid.UUID | None:
    """The booked conversion's id; None when nothing is payable or it was booked before."""
    async with unit_of_work(pool) as tx:
        repo = ClickRewardsRepository(tx.conn)
        target = await repo.target(event.org_id, event.affiliate_id, event.program_id)
        if target is None:  # the bus dead-letters it after its retries
            raise AffiliateNotFound(f"affiliate {event.affiliate_id} of program "
                                    f"{event.program_id} is not in org {event.org_id}")
        if target.terms.model != "Cpc":
            return None
        org = await repo.org(event.org_id)
        if org is None:
            raise OrgUnknown(f"org {event.org_id} has no home currency on record")
        row = click_reward(target, clicks=event.clicks, bucket_id=event.bucket_id,
                           currency=org.currency, conversion_id=new_id(), now=now,
                           grace_days=org.grace_days)
        if row is None or not await ConversionsRepository(tx.conn).add(row):
            return None
        await book(tx, row, None)
    return row.id
