"""The transactional outbox: an event row written in the same transaction as the change it
describes, relayed to the exchange, and deleted only after the broker confirms it.

Every service schema has the table (``libs/shared/sql``). Relaying is at-least-once: a crash after
the confirm but before the commit sends the row again with the same message id, and consumers
de-duplicate on it. Consecutive rows with one routing key leave packed in one message; each
consumer still sees one delivery per event, with the event's own id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from libs.shared.bus import Bus
from libs.shared.db import Conn
from libs.shared.ids import new_id
from libs.shared.listen import Listener, listen_or_poll
from libs.shared.logging import request_id_var
from libs.shared.metrics import OUTBOX_BACKLOG, OUTBOX_RELAYED
from libs.shared.settings import Settings

log = logging.getLogger(__name__)


# Each schema's relays listen on their own channel, this prefix plus the schema: on a shared
# one every service's relay was woken by every other service's commits (thousands of wake-ups
# a second under load). SQL that wakes a relay appends current_schema() to it.
CHANNEL_PREFIX = "rekomi_outbox_"


# Longest pause between relay attempts while the broker or the database is away.
RETRY_CAP_SECONDS = 0.25


def relay_channel(schema: str) -> str:
    return CHANNEL_PREFIX + schema


async def add_event(conn: Conn, routing_key: str, payload: dict[str, Any],
                    event_id: uuid.UUID | None = None, *, notify: bool = True) -> uuid.UUID:
    """Stage an event inside the caller's transaction; it leaves only if that commits. Without
    ``notify`` the caller wakes the relay itself (``wake_relay``) before it commits."""
    event_id = event_id or new_id()
    headers = {"x-request-id": request_id_var.get()} if request_id_var.get() else {}
    await conn.execute(
        "INSERT INTO outbox (id, routing_key, payload, headers) VALUES ($1, $2, $3, $4)",
        event_id, routing_key, payload, headers)
    if notify:
        await wake_relay(conn)
    return event_id


async def wake_relay(conn: Conn) -> None:
    """NOTIFY the relays of this schema; delivered at commit (and dropped on rollback)."""
    await conn.execute("SELECT pg_notify($1 || current_schema(), current_schema())",
                       CHANNEL_PREFIX)


# The relay's wake-up rides on the same statement: one round trip for the batch.
_INSERT_MANY = """
WITH staged AS (
  INSERT INTO outbox (id, routing_key, payload, headers, created_at)
  SELECT u.id, u.routing_key, u.payload::json, $1::json, u.created_at
  FROM unnest($2::uuid[], $3::text[], $4::text[], $5::timestamptz[])
       AS u(id, routing_key, payload, created_at)
  RETURNING 1)
SELECT pg_notify($6 || current_schema(), current_schema()) WHERE EXISTS (SELECT 1 FROM staged)"""
_TICK = timedelta(microseconds=1)


def staged_columns(events: list[tuple[uuid.UUID, str, str]], *, now: datetime
                   ) -> tuple[dict[str, str], list[uuid.UUID], list[str], list[str],
                              list[datetime]]:
    """The headers and the id, routing key, body and outbox-time columns of (id, routing key,
    JSON body) events, for a statement that stages them (``add_events_json``, or a caller's
    own statement that writes its change and its events in one round trip). Each row's outbox
    time is one microsecond after the previous one's, so they are relayed in this order."""
    request_id = request_id_var.get()
    return ({"x-request-id": request_id} if request_id else {},
            [event_id for event_id, _, _ in events], [key for _, key, _ in events],
            [body for _, _, body in events], [now + i * _TICK for i in range(len(events))])


async def add_events_json(conn: Conn, events: list[tuple[uuid.UUID, str, str]], *,
                          now: datetime) -> None:
    """Stage many (id, routing key, JSON body) events and wake the relay, in one statement;
    they are relayed in this order."""
    if not events:
        return
    await conn.execute(_INSERT_MANY, *staged_columns(events, now=now), CHANNEL_PREFIX)


def packs(rows: list[asyncpg.Record], size: int
          ) -> list[tuple[str, list[tuple[str, bytes, dict[str, Any]]]]]:
    """Runs of consecutive rows with one routing key, at most ``size`` each, in order: each
    run leaves as one message (``Bus.publish_packed``), so a burst of events costs the broker a
    few messages instead of one per event: 2,000 sale events published with confirms and
    consumed took 288 us an event one message each, 21 us in packs of 50, in the same run
    (``python -m bench mechanisms``, event_packs, interleaved rounds)."""
    runs: list[tuple[str, list[tuple[str, bytes, dict[str, Any]]]]] = []
    for r in rows:
        event = (str(r["id"]), r["payload"].encode(),
                 {k: v for k, v in r["headers"].items() if v})
        if runs and runs[-1][0] == r["routing_key"] and len(runs[-1][1]) < size:
            runs[-1][1].append(event)
        else:
            runs.append((r["routing_key"], [event]))
    return runs


class OutboxRelay:
    """Moves confirmed-unsent rows to the broker; several replicas share the work (SKIP LOCKED)."""

    def __init__(self, pool: asyncpg.Pool, bus: Bus, schema: str, *, batch_size: int = 1000,
                 poll_seconds: float = 0.5, pack_size: int = 50,
                 min_interval: float = 0.1) -> None:
        self.pool = pool
        self.min_interval = min_interval
        self.pack_size = pack_size
        self.bus = bus
        self.schema = schema
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._listener: Listener | None = None

    @classmethod
    def configured(cls, pool: asyncpg.Pool, bus: Bus, schema: str, settings: Settings
                   ) -> OutboxRelay:
        """The relay of a service's schema, tuned by the ``outbox_*`` settings."""
        return cls(pool, bus, schema, batch_size=settings.outbox_batch_size,
                   poll_seconds=settings.outbox_poll_seconds,
                   min_interval=settings.outbox_min_interval_seconds)

    async def relay_once(self) -> int:
        """Relay one batch; returns how many rows the broker confirmed."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT id, routing_key, payload::text AS payload, headers FROM outbox "
                "ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED", self.batch_size)
            if not rows:
                return 0
            await asyncio.gather(*(self.bus.publish_packed(key, events)
                                   for key, events in packs(rows, self.pack_size)))
            # Deleted, not marked sent: an update would copy each row (payload and all) into a
            # new version with new index entries, most of an event's WAL, and the table would
            # grow for ever. A crash before this commits leaves the rows to be sent again.
            await conn.execute("DELETE FROM outbox WHERE id = ANY($1)", [r["id"] for r in rows])
        OUTBOX_RELAYED.labels(self.schema).inc(len(rows))
        return len(rows)

    async def backlog(self) -> int:
        async with self.pool.acquire() as conn:
            count: int = await conn.fetchval("SELECT count(*) FROM outbox")
        OUTBOX_BACKLOG.labels(self.schema).set(count)
        return count

    async def run(self) -> None:
        await self._listen()
        failures = 0
        loop = asyncio.get_running_loop()
        last = 0.0
        backlog = False
        while True:
            # Commits notify one by one; relaying each alone would cost a transaction and a
            # broker message per event when the service is busy. Spacing the runs lets a busy
            # moment's events leave together, at the price of min_interval of delay. A backlog
            # (the last run was full) is not spaced: the spacing must not cap the throughput.
            if not backlog:
                await asyncio.sleep(max(0.0, last + self.min_interval - loop.time()))
            last = loop.time()
            backlog = False
            try:
                relayed = await self.relay_once()
                failures = 0
            except (asyncpg.PostgresError, OSError, ConnectionError, TimeoutError,
                    RuntimeError) as exc:
                # Broker or database away: nothing was deleted; try again soon. The retries
                # stay short, or the events would wait seconds more after the outage ended (a
                # 5-s cap kept them waiting up to 5 s); an attempt against a broker or database
                # that is away costs one refused connection.
                failures += 1
                log.warning("outbox relay failed", extra={"schema": self.schema,
                                                          "error": repr(exc)})
                await asyncio.sleep(min(0.1 * 2**failures, RETRY_CAP_SECONDS))
                continue
            except Exception:
                failures += 1
                log.exception("outbox relay crashed", extra={"schema": self.schema})
                await asyncio.sleep(min(0.2 * 2**failures, 5.0))
                continue
            backlog = relayed >= self.batch_size
            if not backlog:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def _listen(self) -> None:
        # Back from deaf: a commit may have notified meanwhile, so relay once now.
        self._listener = await listen_or_poll(self.pool, relay_channel(self.schema),
                                              self._on_notify, on_restored=self._wake.set)

    def _on_notify(self, _conn: Conn, _pid: int, _channel: str, payload: object) -> None:
        if payload == self.schema:
            self._wake.set()

    async def close(self) -> None:
        if self._listener is not None:
            listener, self._listener = self._listener, None
            await listener.close()
