"""Versioned migrations against the real PostgreSQL, on throwaway schemas."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from libs.shared.migrations import SHARED_SQL, load_migrations, migrate_all
from libs.shared.settings import Settings

SHARED_VERSIONS = [f.stem for f in sorted(SHARED_SQL.glob("*.sql"))]


@pytest.fixture
async def schemas(settings: Settings, migrated: None) -> AsyncIterator[list[str]]:
    """Two fresh schema names, dropped (with everything in them) afterwards."""
    names = [f"mig_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    yield names
    conn = await asyncpg.connect(settings.database_url)
    try:
        for name in names:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    # Neither file may run twice: CREATE TABLE and the primary key would both fail.
    (tmp_path / "0001_widgets.sql").write_text(
        "CREATE TABLE widgets (id int PRIMARY KEY, name text NOT NULL);\n"
        "SELECT pg_sleep(0.3);  -- widen the window in which a second runner could interfere\n")
    (tmp_path / "0002_seed.sql").write_text(
        "INSERT INTO widgets (id, name) VALUES (1, 'first');\n"
        "ALTER TABLE widgets ADD COLUMN note text;\n")
    (tmp_path / "README.txt").write_text("not a migration")
    return tmp_path


async def _versions(conn: asyncpg.Connection, schema: str) -> list[str]:
    rows = await conn.fetch(
        f'SELECT version FROM "{schema}".schema_migrations ORDER BY version')
    return [r["version"] for r in rows]


def test_load_migrations_puts_shared_base_first(folder: Path) -> None:
    versions = [m.version for m in load_migrations(folder)]
    assert versions == [*SHARED_VERSIONS, "0001_widgets", "0002_seed"]
    assert "0000_outbox_inbox" in SHARED_VERSIONS


async def test_concurrent_migrate_all_applies_each_version_once(
        settings: Settings, schemas: list[str], folder: Path) -> None:
    folders = dict.fromkeys(schemas, folder)
    first, second = await asyncio.wait_for(asyncio.gather(
        migrate_all(settings.database_url, folders),
        migrate_all(settings.database_url, folders)), 30)

    expected = [*SHARED_VERSIONS, "0001_widgets", "0002_seed"]
    for schema in schemas:
        # one runner applied everything, the other found nothing left
        assert sorted([first[schema], second[schema]], key=len) == [[], expected]

    conn = await asyncpg.connect(settings.database_url)
    try:
        for schema in schemas:
            assert await _versions(conn, schema) == sorted(expected)
            rows = await conn.fetch(f'SELECT id, name, note FROM "{schema}".widgets')
            assert [tuple(r) for r in rows] == [(1, "first", None)]
            # the shared base landed in this schema, not in public or elsewhere
            tables = {r["table_name"] for r in await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
                schema)}
            assert {"outbox", "inbox", "widgets", "schema_migrations"} <= tables

        # running again is a no-op
        assert await migrate_all(settings.database_url, folders) == {s: [] for s in schemas}

        # a new file is picked up, and only it runs
        (folder / "0003_more.sql").write_text("INSERT INTO widgets (id, name) VALUES (2, 'b');")
        again = await asyncio.gather(*(migrate_all(settings.database_url, folders)
                                       for _ in range(3)))
        for schema in schemas:
            assert sorted((r[schema] for r in again), key=len) == [[], [], ["0003_more"]]
            assert await conn.fetchval(f'SELECT count(*) FROM "{schema}".widgets') == 2
    finally:
        await conn.close()


async def test_failed_migration_is_not_recorded_and_releases_the_lock(
        settings: Settings, schemas: list[str], folder: Path) -> None:
    schema = schemas[0]
    (folder / "0003_broken.sql").write_text(
        "INSERT INTO widgets (id, name) VALUES (3, 'c');\nTHIS IS NOT SQL;")
    with pytest.raises(asyncpg.PostgresSyntaxError):
        await migrate_all(settings.database_url, {schema: folder})

    conn = await asyncpg.connect(settings.database_url)
    try:
        # the good versions stay applied; the broken one left no trace
        assert await _versions(conn, schema) == sorted(
            [*SHARED_VERSIONS, "0001_widgets", "0002_seed"])
        assert await conn.fetchval(f'SELECT count(*) FROM "{schema}".widgets') == 1

        # fixed: the next run applies it (the advisory lock was released, so no hang)
        (folder / "0003_broken.sql").write_text(
            "INSERT INTO widgets (id, name) VALUES (3, 'c');")
        applied = await asyncio.wait_for(
            migrate_all(settings.database_url, {schema: folder}), 10)
        assert applied == {schema: ["0003_broken"]}
    finally:
        await conn.close()
