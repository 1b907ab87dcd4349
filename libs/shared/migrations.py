"""Versioned SQL migrations, one folder per service, safe when replicas start at once.

Each service keeps ``adapters/migrations/NNNN_name.sql``. A session-level advisory lock serialises
concurrent runners; the loser waits, then finds nothing left to apply.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)
_LOCK_KEY = 7_315_401_122  # any constant shared by every runner


@dataclass(frozen=True, slots=True)
class Migration:
    version: str
    sql: str


SHARED_SQL = Path(__file__).parent / "sql"


def load_migrations(folder: Path) -> list[Migration]:
    """The shared base (outbox, inbox) first, then the service's own files in order."""
    files = sorted(SHARED_SQL.glob("*.sql")) + sorted(folder.glob("*.sql"))
    return [Migration(f.stem, f.read_text()) for f in files]


async def migrate_schema(conn: asyncpg.Connection, schema: str, migrations: list[Migration]
                         ) -> list[str]:
    """Apply the pending migrations of one schema; returns the versions applied now."""
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations ('
            "version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        rows = await conn.fetch(f'SELECT version FROM "{schema}".schema_migrations')
        done = {r["version"] for r in rows}
        applied = []
        for migration in migrations:
            if migration.version in done:
                continue
            async with conn.transaction():
                await conn.execute(f'SET LOCAL search_path TO "{schema}"')
                await conn.execute(migration.sql)
                await conn.execute(
                    f'INSERT INTO "{schema}".schema_migrations (version) VALUES ($1)',
                    migration.version)
            log.info("migration applied", extra={"schema": schema, "version": migration.version})
            applied.append(migration.version)
        return applied
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)


async def migrate_all(dsn: str, folders: dict[str, Path]) -> dict[str, list[str]]:
    conn = await asyncpg.connect(dsn)
    try:
        return {schema: await migrate_schema(conn, schema, load_migrations(folder))
                for schema, folder in folders.items()}
    finally:
        await conn.close()
