"""SQL for deliveries and their attempts; org-scoped for the API, by lease for the dispatcher."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

import asyncpg

from libs.contracts.webhooks import DeliveryStatus
from libs.shared.db import Conn
from libs.shared.pagination import Cursor, PageRequest, keyset_sql
from services.webhooks.domain.deliveries import Delivery, Outcome, Recorded, Settled

_COLUMNS = [f.name for f in dataclasses.fields(Delivery)]
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM deliveries"
_MUTABLE = ["status", "attempts", "last_status_code", "last_error", "last_response_body",
            "next_attempt_at", "delivered_at"]
_SAVE = (f"UPDATE deliveries SET {', '.join(f'{c} = ${i + 2}' for i, c in enumerate(_MUTABLE))}"
         ", lease_until = NULL, lease_token = NULL WHERE id = $1")
_TYPES = ("text", "uuid", "uuid", "uuid", "text", "text", "text", "int", "int", "text", "text",
          "timestamptz", "timestamptz", "timestamptz")
_ARRAYS = ", ".join(f"${i + 1}::{t}[]" for i, t in enumerate(_TYPES))
_FAN_OUT = (f"INSERT INTO deliveries ({', '.join(_COLUMNS)}) SELECT * FROM unnest({_ARRAYS}) "
            "ON CONFLICT (endpoint_id, event_id) DO NOTHING")
# The dispatcher's batches: one statement per kind of write for the whole batch; the update
# only touches rows whose lease the given token still holds.
_MUTABLE_TYPES = ("text", "int", "int", "text", "text", "timestamptz", "timestamptz")
_SETTLE_MANY = (
    f"UPDATE deliveries d SET {', '.join(f'{c} = u.{c}' for c in _MUTABLE)}, "
    "lease_until = NULL, lease_token = NULL FROM unnest($1::text[], $2::uuid[], "
    f"{', '.join(f'${i + 3}::{t}[]' for i, t in enumerate(_MUTABLE_TYPES))}) "
    f"AS u(id, token, {', '.join(_MUTABLE)}) "
    "WHERE d.id = u.id AND d.lease_token = u.token "
    "RETURNING d.id, u.token, d.endpoint_id, d.status, d.next_attempt_at")
_ADD_ATTEMPTS = (
    "INSERT INTO delivery_attempts (delivery_id, attempted_at, status_code, error, "
    "response_body, duration_ms) SELECT * FROM unnest($1::text[], $2::timestamptz[], "
    "$3::int[], $4::text[], $5::text[], $6::int[])")


def _delivery(row: asyncpg.Record) -> Delivery:
    data = {c: row[c] for c in _COLUMNS}
    data["status"] = DeliveryStatus(data["status"])
    return Delivery(**data)


def ulid_cursor(created_at: datetime, ulid: str) -> Cursor:
    """Cursors carry a UUID; a ULID is the same 128 bits."""
    value = 0
    for char in ulid:
        value = value * 32 + "0123456789ABCDEFGHJKMNPQRSTVWXYZ".index(char)
    return Cursor(created_at, uuid.UUID(int=value))


def _ulid_of(cursor: Cursor) -> str:
    value, chars = cursor.id.int, []
    for _ in range(26):
        chars.append("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[value & 0x1F])
        value >>= 5
    return "".join(reversed(chars))


class DeliveriesRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def add_many(self, deliveries: list[Delivery]) -> int:
        """Insert, skipping (endpoint, event) pairs already stored; returns how many are new."""
        if not deliveries:
            return 0
        columns = [list(col) for col in zip(*(dataclasses.astuple(d) for d in deliveries),
                                            strict=True)]
        done = await self.conn.execute(_FAN_OUT, *columns)
        return int(done.split()[-1])

    async def get(self, org_id: uuid.UUID, delivery_id: str, *, lock: bool = False
                  ) -> Delivery | None:
        sql = f"{_SELECT} WHERE org_id = $1 AND id = $2" + (" FOR UPDATE" if lock else "")
        row = await self.conn.fetchrow(sql, org_id, delivery_id)
        return _delivery(row) if row else None

    async def settle_many(self, settled: list[tuple[str, uuid.UUID, Settled]]
                          ) -> dict[tuple[str, uuid.UUID], Recorded]:
        """Store each (delivery id, lease token, new state) and release the lease, for the
        leases that still stand; returns the stored deliveries by (id, token). A lease that
        was lost (expired and taken over, or cleared by a resend) is left out."""
        if not settled:
            return {}
        columns: list[list[Any]] = [[i for i, _, _ in settled], [t for _, t, _ in settled]]
        for column in _MUTABLE:
            columns.append([getattr(s, column) for _, _, s in settled])
        columns[2] = [str(s) for s in columns[2]]
        rows = await self.conn.fetch(_SETTLE_MANY, *columns)
        return {(r["id"], r["token"]): Recorded(r["id"], r["endpoint_id"],
                                                DeliveryStatus(r["status"]), r["next_attempt_at"])
                for r in rows}

    async def add_attempts(self, attempts: list[tuple[str, Outcome, datetime, int]]) -> None:
        """Log many attempts: (delivery id, outcome, attempted at, duration ms)."""
        if not attempts:
            return
        await self.conn.execute(
            _ADD_ATTEMPTS, [a[0] for a in attempts], [a[2] for a in attempts],
            [a[1].status_code for a in attempts], [a[1].error for a in attempts],
            [a[1].response_body for a in attempts], [a[3] for a in attempts])

    async def page(self, org_id: uuid.UUID, endpoint_id: uuid.UUID, page: PageRequest, *,
                   status: DeliveryStatus | None, event_type: str | None) -> list[Delivery]:
        """``page.take + 1`` deliveries of one endpoint after the cursor, newest first."""
        where = ["org_id = $1", "endpoint_id = $2"]
        args: list[object] = [org_id, endpoint_id]
        for column, value in (("status", status), ("event_type", event_type)):
            if value is not None:
                args.append(value)
                where.append(f"{column} = ${len(args)}")
        sql = _SELECT + keyset_sql(where, args, page.after, page.take, newest_first=True,
                                   id_of=_ulid_of)
        return [_delivery(r) for r in await self.conn.fetch(sql, *args)]

    async def save(self, delivery: Delivery) -> None:
        """Store the delivery's state and release any lease on it."""
        await self.conn.execute(_SAVE, delivery.id, *(getattr(delivery, c) for c in _MUTABLE))

    async def abandon_open(self, endpoint_id: uuid.UUID, reason: str) -> None:
        await self.conn.execute(
            "UPDATE deliveries SET status = 'Failed', next_attempt_at = NULL, last_error = $2 "
            "WHERE endpoint_id = $1 AND status IN ('Pending', 'Retrying')", endpoint_id, reason)

    async def attempts_of(self, delivery_id: str) -> list[dict[str, Any]]:
        rows = await self.conn.fetch(
            "SELECT attempted_at, status_code, error, response_body, duration_ms "
            "FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempted_at", delivery_id)
        return [dict(r) for r in rows]


def cursor_of(delivery: Delivery) -> Cursor:
    return ulid_cursor(delivery.created_at, delivery.id)
