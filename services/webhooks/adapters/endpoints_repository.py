"""SQL for endpoints; every query is scoped by org, so another org's id is simply not found.
Secrets are sealed on the way in and opened on the way out (adapters/sealed_secrets.py)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Collection
from datetime import datetime

import asyncpg

from libs.shared.db import Conn
from libs.shared.pagination import Cursor, PageRequest, keyset_sql
from services.webhooks.adapters.sealed_secrets import opened_row, sealed_row
from services.webhooks.domain.endpoints import Endpoint

_COLUMNS = [f.name for f in dataclasses.fields(Endpoint)]
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM endpoints"
_INSERT = (f"INSERT INTO endpoints ({', '.join(_COLUMNS)}) "
           f"VALUES ({', '.join(f'${i + 1}' for i in range(len(_COLUMNS)))})")
_MUTABLE = [c for c in _COLUMNS if c not in ("id", "org_id", "created_at")]
_UPDATE = (f"UPDATE endpoints SET {', '.join(f'{c} = ${i + 3}' for i, c in enumerate(_MUTABLE))}"
           " WHERE org_id = $1 AND id = $2")


def _endpoint(row: asyncpg.Record) -> Endpoint:
    return Endpoint(**opened_row(dict(row)))


def _stored(endpoint: Endpoint, columns: list[str]) -> list[object]:
    """The endpoint's values for ``columns``, its secrets sealed (they are stored sealed)."""
    values = sealed_row({c: getattr(endpoint, c) for c in ["id", *columns]})
    return [values[c] for c in columns]


class EndpointsRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def get(self, org_id: uuid.UUID, endpoint_id: uuid.UUID, *, lock: bool = False
                  ) -> Endpoint | None:
        sql = f"{_SELECT} WHERE org_id = $1 AND id = $2" + (" FOR UPDATE" if lock else "")
        row = await self.conn.fetchrow(sql, org_id, endpoint_id)
        return _endpoint(row) if row else None

    async def page(self, org_id: uuid.UUID, page: PageRequest) -> list[Endpoint]:
        """``page.take + 1`` endpoints after the cursor, oldest first."""
        args: list[object] = [org_id]
        sql = _SELECT + keyset_sql(["org_id = $1"], args, page.after, page.take)
        return [_endpoint(r) for r in await self.conn.fetch(sql, *args)]

    async def subscribed(self, org_id: uuid.UUID, event_type: str) -> list[Endpoint]:
        """The org's active endpoints that take ``event_type`` (or every event)."""
        sql = (f"{_SELECT} WHERE org_id = $1 AND is_active "
               "AND (events @> ARRAY[$2] OR events @> ARRAY['*']) ORDER BY created_at, id")
        return [_endpoint(r) for r in await self.conn.fetch(sql, org_id, event_type)]

    async def subscribed_pairs(self, pairs: Collection[tuple[uuid.UUID, str]]
                               ) -> set[tuple[uuid.UUID, str]]:
        """Which (org, event type) pairs ``subscribed`` would find an endpoint for, in one
        query for a whole burst."""
        if not pairs:
            return set()
        org_ids, types = zip(*pairs, strict=True)
        rows = await self.conn.fetch(
            "SELECT u.org_id, u.type FROM unnest($1::uuid[], $2::text[]) AS u(org_id, type) "
            "WHERE EXISTS (SELECT 1 FROM endpoints e WHERE e.org_id = u.org_id "
            "AND e.is_active AND (e.events @> ARRAY[u.type] OR e.events @> ARRAY['*']))",
            list(org_ids), list(types))
        return {(r["org_id"], r["type"]) for r in rows}

    async def add(self, endpoint: Endpoint) -> None:
        await self.conn.execute(_INSERT, *_stored(endpoint, _COLUMNS))

    async def save(self, endpoint: Endpoint) -> None:
        await self.conn.execute(_UPDATE, endpoint.org_id, endpoint.id,
                                *_stored(endpoint, _MUTABLE))

    async def delete(self, org_id: uuid.UUID, endpoint_id: uuid.UUID) -> None:
        await self.conn.execute("DELETE FROM endpoints WHERE org_id = $1 AND id = $2",
                                org_id, endpoint_id)

    async def lock_by_id(self, endpoint_id: uuid.UUID) -> Endpoint | None:
        """For the dispatcher, which knows the endpoint but acts for no caller."""
        row = await self.conn.fetchrow(f"{_SELECT} WHERE id = $1 FOR UPDATE", endpoint_id)
        return _endpoint(row) if row else None

    async def lock_many(self, endpoint_ids: list[uuid.UUID]) -> dict[uuid.UUID, Endpoint]:
        """Several endpoints, row-locked in id order (so concurrent batches cannot deadlock)."""
        if not endpoint_ids:
            return {}
        rows = await self.conn.fetch(f"{_SELECT} WHERE id = ANY($1::uuid[]) ORDER BY id "
                                     "FOR UPDATE", sorted(set(endpoint_ids)))
        return {r["id"]: _endpoint(r) for r in rows}

    async def set_failing_since(self, streaks: dict[uuid.UUID, datetime | None]) -> None:
        """The failure streak of each endpoint (None: its last attempt succeeded); rows that
        already hold the value are not touched (nor locked)."""
        if not streaks:
            return
        ids = sorted(streaks)
        await self.conn.execute(
            "UPDATE endpoints e SET failing_since = u.since FROM unnest($1::uuid[], "
            "$2::timestamptz[]) AS u(id, since) WHERE e.id = u.id "
            "AND e.failing_since IS DISTINCT FROM u.since", ids, [streaks[i] for i in ids])


def cursor_of(endpoint: Endpoint) -> Cursor:
    return Cursor(endpoint.created_at, endpoint.id)
