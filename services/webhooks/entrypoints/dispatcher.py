"""The dispatcher: claims due deliveries in batches, sends each one in its own task, records
the outcomes in batches (``BatchRecorder``). ``concurrency`` caps the attempts being sent at
once (a task waiting for its endpoint's start rate lends its slot out meanwhile); a task gives
its slot back once its attempt is sent, but stays (and its delivery stays leased, and counts
towards its endpoint's cap) until the attempt is stored. At most ``2 x concurrency`` tasks
exist at once (sending, waiting for the rate or for the recorder), else claims pause
(back-pressure).

Several processes may run it (replicas): leases keep a delivery with one of them at a time.
Each process caps how many deliveries to one endpoint it has in flight (``per_endpoint``,
counted here and handed to every claim), so a hanging endpoint holds at most that many of its
``concurrency`` slots; a per-endpoint start rate caps each process too. A dispatcher that dies
mid-send leaves its lease to expire; another sends the same delivery (same
X-Rekomi-Delivery-Id) again: at-least-once for the receiver, one delivery row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from libs.shared.clock import now_utc
from libs.shared.db import Conn
from libs.shared.listen import Listener, listen_or_poll
from services.webhooks.adapters.claims import Claimed, claim
from services.webhooks.adapters.sender import Request, Sender
from services.webhooks.domain.endpoints import signing_secrets
from services.webhooks.domain.signing import signature_header
from services.webhooks.entrypoints.rate_cap import RateCap
from services.webhooks.entrypoints.recorder import BatchRecorder
from services.webhooks.service_layer.deliveries import WAKE_CHANNEL
from services.webhooks.service_layer.dispatch import Attempt

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DispatchConfig:
    concurrency: int = 128
    per_endpoint: int = 8
    rate_per_second: float = 0.0
    timeout: float = 10.0
    poll_seconds: float = 0.25
    time_scale: float = 1.0

    @property
    def claim_batch(self) -> int:
        """Free slots worth a claim when woken by finished attempts (a notify of new
        deliveries, or the poll, claims for any free slot)."""
        return max(1, self.concurrency // 4)

    @property
    def lease(self) -> timedelta:
        """Long enough for the rate wait, the attempt and recording it."""
        return timedelta(seconds=self.timeout + 5 + self.per_endpoint / max(
            self.rate_per_second, 1.0))


class Dispatcher:
    def __init__(self, pool: asyncpg.Pool, sender: Sender, config: DispatchConfig) -> None:
        self.pool = pool
        self.sender = sender
        self.config = config
        self.rate = RateCap(config.rate_per_second)
        self.recorder = BatchRecorder(pool, scale=config.time_scale)
        self._wake = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        # Deliveries held (claimed, not yet recorded) per endpoint: the per-endpoint cap.
        self._held: Counter[uuid.UUID] = Counter()
        self._sending = 0
        self._listener: Listener | None = None

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        await self._listen()
        try:
            while True:
                # Cleared before claiming: a wake-up that comes during the claim is kept.
                self._wake.clear()
                for item in await self._claim_safely():
                    self._sending += 1  # given back by the task once sent
                    self._held[item.endpoint_id] += 1  # given back once recorded
                    task = asyncio.ensure_future(self._deliver(item))
                    self._inflight.add(task)
                    task.add_done_callback(self._done)
                # Whether the claim filled every slot or found less than that due, the next
                # claim waits for a notify, the poll, or enough slots freed (claim_batch).
                await self._idle()
        finally:
            await self._stop()

    def _free(self) -> int:
        """Slots to claim for: free sending slots, while the recording backlog is bounded."""
        return min(self.config.concurrency - self._sending,
                   2 * self.config.concurrency - len(self._inflight))

    def _slots_freed(self) -> None:
        if self._free() >= self.config.claim_batch:
            self._wake.set()

    async def _claim_safely(self) -> list[Claimed]:
        free = self._free()
        if free <= 0:
            return []
        now = now_utc()
        try:
            return await claim(self.pool, now=now, limit=free,
                               per_endpoint=self.config.per_endpoint,
                               lease_until=now + self.config.lease, token=uuid.uuid4(),
                               in_flight=self._held)
        except (asyncpg.PostgresError, OSError) as exc:
            log.warning("webhook claim failed", extra={"error": repr(exc)})
            return []

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.config.poll_seconds)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._slots_freed()
        if not task.cancelled() and task.exception() is not None:
            log.error("webhook delivery task crashed", exc_info=task.exception())

    async def _deliver(self, item: Claimed) -> None:
        try:
            await self.recorder.record(await self._attempt(item))
        finally:
            self._held[item.endpoint_id] -= 1
            if not self._held[item.endpoint_id]:
                del self._held[item.endpoint_id]

    async def _attempt(self, item: Claimed) -> Attempt:
        try:
            if (delay := self.rate.reserve(item.endpoint_id)) > 0:
                # Waiting for the endpoint's start rate uses no connection: the slot is lent
                # out meanwhile (the connector's limit still caps the requests at once).
                self._sending -= 1
                self._slots_freed()
                try:
                    await asyncio.sleep(delay)
                finally:
                    self._sending += 1
            started = now_utc()
            keys = signing_secrets(item.secret, item.previous_secret,
                                   item.previous_secret_expires_at, started)
            request = Request(url=item.url, body=item.body, delivery_id=item.id,
                              event_type=item.event_type,
                              signature=signature_header(keys, int(started.timestamp()),
                                                         item.body))
            outcome, duration_ms = await self.sender.send(request)
        finally:
            self._sending -= 1
            self._slots_freed()
        return Attempt(item, outcome, started, now_utc(), duration_ms)

    async def _listen(self) -> None:
        # Back from deaf: a delivery may have been queued meanwhile, so claim once now.
        self._listener = await listen_or_poll(self.pool, WAKE_CHANNEL, self._on_notify,
                                              on_restored=self.wake)

    def _on_notify(self, _conn: Conn, _pid: int, _channel: str, _payload: object) -> None:
        self._wake.set()

    async def _stop(self) -> None:
        for task in list(self._inflight):
            task.cancel()
        await asyncio.gather(*self._inflight, return_exceptions=True)
        await self.recorder.close()
        if self._listener is not None:
            listener, self._listener = self._listener, None
            with contextlib.suppress(Exception):
                await listener.close()
        await self.sender.close()
