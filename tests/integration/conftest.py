"""Integration fixtures: the real PostgreSQL and RabbitMQ, migrated once per session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from libs.shared.db import create_pool, ensure_database
from libs.shared.migrations import migrate_all
from libs.shared.settings import Settings
from services.cli import migration_folders
from tests.common.buses import bus_factory
from tests.common.oidc_issuer import TestIssuer


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
async def migrated(settings: Settings) -> None:
    await ensure_database(settings.database_url)
    await migrate_all(settings.database_url, migration_folders())


@pytest.fixture
async def db(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(settings.database_url)
    yield conn
    await conn.close()


make_bus = pytest.fixture(bus_factory)


@pytest.fixture(scope="module")
def issuer() -> Iterator[TestIssuer]:
    """A local OpenID Connect issuer (ES256) for gateway apps that take dashboard JWTs."""
    running = TestIssuer().start()
    running.add_key("ES256")
    yield running
    running.stop()


@pytest.fixture(scope="module")
async def pool(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the ledger's schema, for the booking tests; modules that test another
    service's tables define their own ``pool``."""
    ledger = await create_pool(settings.database_url, "ledger", min_size=1, max_size=8)
    yield ledger
    await ledger.close()
