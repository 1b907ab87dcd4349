"""Sealing the secret columns of one table in place, in batches: the start-up step that seals
rows written before encryption, and the key rotation that re-seals rows under the newest key.

Each batch is one transaction over rows taken ``FOR UPDATE SKIP LOCKED`` in id order, so
replicas starting at once, a rotation and live writes never wait on each other, and an
interrupted run resumes where it stopped: what is left is found by its stored prefix, nothing
else records progress. Only the owning service runs it on its own table."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from libs.shared.db import Conn
from libs.shared.secret_box import ENVELOPE, KeyRing


@dataclass(frozen=True)
class SealedColumns:
    """A table's sealed text columns (nullable ones hold NULL when unset), keyed by ``id``."""

    schema: str
    table: str
    columns: tuple[str, ...]

    def context(self, column: str, row_id: uuid.UUID) -> str:
        """The associated data of one cell: a sealed value opens only in its own cell."""
        return f"{self.schema}.{self.table}.{column}:{row_id}"

    def _stale(self) -> str:
        return " OR ".join(f"({c} IS NOT NULL AND NOT starts_with({c}, $1))"
                           for c in self.columns)


async def count_stale(conn: Conn, spec: SealedColumns, prefix: str) -> int:
    """Rows with a cell that does not start with ``prefix``."""
    count: int = await conn.fetchval(f"SELECT count(*) FROM {spec.table} WHERE {spec._stale()}",
                                     prefix)
    return count


async def reseal_batch(conn: Conn, spec: SealedColumns, ring: KeyRing, prefix: str,
                       limit: int) -> int:
    """Seal under the ring's primary key up to ``limit`` rows with a cell outside
    ``prefix``; returns how many rows it changed."""
    columns = ", ".join(spec.columns)
    assignments = ", ".join(f"{c} = ${i}" for i, c in enumerate(spec.columns, start=2))
    async with conn.transaction():
        rows = await conn.fetch(
            f"SELECT id, {columns} FROM {spec.table} WHERE {spec._stale()} ORDER BY id "
            "LIMIT $2 FOR UPDATE SKIP LOCKED", prefix, limit)
        updates = [(row["id"], *(None if row[c] is None else ring.reseal(
            row[c], spec.context(c, row["id"])) for c in spec.columns)) for row in rows]
        if updates:
            await conn.executemany(f"UPDATE {spec.table} SET {assignments} WHERE id = $1",
                                   updates)
    return len(rows)


async def reseal_step(pool: asyncpg.Pool, spec: SealedColumns, ring: KeyRing, prefix: str,
                      batch: int) -> tuple[int, int]:
    """One batch: (rows changed, stale rows left)."""
    async with pool.acquire() as conn:
        changed = await reseal_batch(conn, spec, ring, prefix, batch)
        return changed, await count_stale(conn, spec, prefix)


def stale_prefix(ring: KeyRing, *, legacy_only: bool) -> str:
    """With ``legacy_only``, only rows never sealed are stale (the start-up step: rows under an
    older key stay, other replicas may not hold the new key yet); else every row not under the
    primary key (the rotation)."""
    return ENVELOPE if legacy_only else ring.prefix()


async def reseal_all(pool: asyncpg.Pool, spec: SealedColumns, ring: KeyRing, *,
                     legacy_only: bool, batch: int,
                     progress: Callable[[int, int], None] | None = None) -> int:
    """Every stale row of the table; ``progress(done, left)`` after each batch. Rows another
    transaction holds are waited for, not skipped for good."""
    prefix = stale_prefix(ring, legacy_only=legacy_only)
    done = 0
    while True:
        changed, left = await reseal_step(pool, spec, ring, prefix, batch)
        done += changed
        if progress is not None:
            progress(done, left)
        if left == 0:
            return done
        if changed == 0:  # only rows locked by live writes are left
            await asyncio.sleep(0.05)
