"""Receiving a provider's webhook event: find the org's connection by its handle, verify the
signature on the body exactly as sent, and store the event once, with its outbox event, in
one transaction; the answer (2xx at the edge) means the event is durable. This service books
it from the bus (``tracking.provider_event.received``, ``provider_booking.py``)."""

from __future__ import annotations

import asyncpg

from libs.contracts.integrations import (
    PROVIDER_EVENT_RECEIVED,
    ProviderEvent,
    ProviderEventReceived,
    ProviderEventStored,
)
from libs.shared.clock import now_utc
from libs.shared.secret_box import OpenedCache, get_key_ring
from libs.shared.uow import unit_of_work
from services.tracking.adapters.integrations_repository import (
    IntegrationsRepository,
    opened_webhook_secret,
)
from services.tracking.domain import provider_events
from services.tracking.domain.errors import IntegrationNotFound


class ProviderIntake:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._opened: OpenedCache | None = None

    @property
    def opened(self) -> OpenedCache:
        """Each sealed secret is opened once per process (the ring is read at first use)."""
        if self._opened is None:
            self._opened = OpenedCache(get_key_ring())
        return self._opened

    async def receive(self, cmd: ProviderEvent) -> ProviderEventReceived:
        async with self.pool.acquire() as conn:
            row = await IntegrationsRepository(conn).by_handle(cmd.org_handle, cmd.provider)
        if row is None:
            raise IntegrationNotFound(f"no org with this handle has connected "
                                      f"{cmd.provider.value}")
        provider_events.verify(cmd.provider, cmd.body, cmd.signature,
                               opened_webhook_secret(self.opened, row))
        event = provider_events.parse_event(cmd.provider, cmd.body)
        received_at = now_utc()
        async with unit_of_work(self.pool) as tx:
            stored = await IntegrationsRepository(tx.conn).record_event(
                row["org_id"], cmd.provider, event.event_id, event.event_type, cmd.body,
                received_at, cmd.payout_grace_days)
            if stored:
                await tx.publish(PROVIDER_EVENT_RECEIVED, ProviderEventStored(
                    org_id=row["org_id"], provider=cmd.provider, event_id=event.event_id,
                    event_type=event.event_type, received_at=received_at,
                ).model_dump(mode="json", by_alias=True))
        return ProviderEventReceived(duplicate=not stored)
