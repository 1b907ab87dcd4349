"""The consumer of closed click buckets (its own queue): CPC programs get a ClickReward."""

from __future__ import annotations

import asyncpg

from libs.contracts.click_rewards import CLICKS_AGGREGATED, ClicksAggregated
from libs.shared.bus import Bus, Delivery
from libs.shared.clock import now_utc
from services.ledger.click_rewards.service_layer.handlers import book_click_reward

QUEUE = "click-rewards"


async def subscribe_click_rewards(bus: Bus, pool: asyncpg.Pool) -> None:
    async def on_bucket(delivery: Delivery) -> None:
        event = ClicksAggregated.model_validate(delivery.body)
        await book_click_reward(pool, event, now=now_utc())

    await bus.subscribe(QUEUE, [CLICKS_AGGREGATED], on_bucket)
