"""A subscription the provider ended (``tracking.subscription.ended``): the recurring insight
counts it churned on its end day (UTC), beside the subscriptions inferred churned because
their charges stopped, each subscription once (``Reads.churned``)."""

from __future__ import annotations

from datetime import UTC

from libs.contracts.attributed import SubscriptionEnded
from libs.shared.clock import now_utc
from libs.shared.uow import Transaction
from services.ledger.metrics.adapters.subscription_ends import record_end


async def subscription_ended(tx: Transaction, event: SubscriptionEnded) -> None:
    day = event.ended_at.astimezone(UTC).date()
    await record_end(tx.conn, event.org_id, event.subscription_id, day, now_utc())
