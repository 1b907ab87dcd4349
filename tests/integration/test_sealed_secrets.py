"""Secrets at rest against the real PostgreSQL: what the repositories write holds no plaintext
(read from the raw columns), rows stored in clear before encryption are sealed by the owning
service's start-up step, and the key rotation re-seals rows under older keys, in batches, once
each, with several runners at once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from libs.contracts.webhooks import WebhookCreate
from libs.shared.db import create_pool
from libs.shared.sealed_columns import reseal_all
from libs.shared.secret_box import KeyRing, UnreadableSecret, get_key_ring
from libs.shared.settings import Settings
from services.gateway.adapters import sealed_secrets as gateway_sealed
from services.gateway.adapters.orgs_repository import OrgsRepository
from services.webhooks.adapters import sealed_secrets as webhooks_sealed
from services.webhooks.adapters.endpoints_repository import EndpointsRepository
from services.webhooks.domain import endpoints as domain
from tests.common.env import OLD_TEST_KEY
from tests.common.orgs import new_org

OLD = KeyRing.parse(OLD_TEST_KEY)


@pytest.fixture
async def gateway(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(settings.database_url, "gateway", max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
async def webhooks(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(settings.database_url, "webhooks", max_size=4)
    yield pool
    await pool.close()


async def _raw_org(pool: asyncpg.Pool, org_id: str) -> asyncpg.Record:
    row = await pool.fetchrow("SELECT id, signing_secret, previous_signing_secret, "
                              "previous_signing_secret_expires_at FROM orgs WHERE id = $1",
                              uuid.UUID(org_id))
    assert row is not None
    return row


async def _endpoint(pool: asyncpg.Pool) -> domain.Endpoint:
    endpoint = domain.new_endpoint(uuid.uuid4(), WebhookCreate(url="http://127.0.0.1:9/h",
                                                               events=["*"]),
                                   endpoint_id=uuid.uuid4(), now=datetime.now(UTC))
    async with pool.acquire() as conn:
        await EndpointsRepository(conn).add(endpoint)
    return endpoint


async def test_no_row_holds_a_plaintext_secret(gateway: asyncpg.Pool,
                                               webhooks: asyncpg.Pool) -> None:
    org = await new_org()
    row = await _raw_org(gateway, org.org_id)
    assert row["signing_secret"].startswith("enc:v1:test2:")
    assert org.signing_secret not in row["signing_secret"]
    assert gateway_sealed.opened(get_key_ring(), row).current == org.signing_secret

    endpoint = await _endpoint(webhooks)
    rotated = domain.rotate(endpoint, now=datetime.now(UTC))
    async with webhooks.acquire() as conn:
        await EndpointsRepository(conn).save(rotated)
        stored = await conn.fetchrow("SELECT secret, previous_secret FROM endpoints "
                                     "WHERE id = $1", endpoint.id)
        assert await EndpointsRepository(conn).get(endpoint.org_id, endpoint.id) == rotated
    assert stored is not None
    for column, plaintext in (("secret", rotated.secret),
                              ("previous_secret", endpoint.secret)):
        assert stored[column].startswith("enc:v1:test2:") and plaintext not in stored[column]
    # A sealed value copied into another cell does not open there.
    swapped = {"id": endpoint.id, "secret": stored["previous_secret"]}
    with pytest.raises(UnreadableSecret, match="does not open"):
        webhooks_sealed.opened_row(swapped)


async def test_rows_stored_in_clear_are_sealed_at_start_once(gateway: asyncpg.Pool,
                                                             webhooks: asyncpg.Pool) -> None:
    org = await new_org()
    legacy_org = uuid.UUID(org.org_id)
    await gateway.execute("UPDATE orgs SET signing_secret = $2 WHERE id = $1", legacy_org,
                          org.signing_secret)  # as stored before encryption
    endpoint = await _endpoint(webhooks)
    await webhooks.execute("UPDATE endpoints SET secret = $2 WHERE id = $1", endpoint.id,
                           endpoint.secret)
    ring = get_key_ring()
    # Two replicas starting at once: each row sealed once, both finish.
    done = await asyncio.gather(*(gateway_sealed.seal_legacy_rows(gateway, ring, 1)
                                  for _ in range(2)))
    assert sum(done) >= 1
    row = await _raw_org(gateway, org.org_id)
    assert row["signing_secret"].startswith("enc:v1:test2:")
    assert gateway_sealed.opened(ring, row).current == org.signing_secret
    assert await gateway_sealed.seal_legacy_rows(gateway, ring, 1) == 0

    await webhooks_sealed.seal_legacy_rows(webhooks, ring, 10)
    async with webhooks.acquire() as conn:
        raw = await conn.fetchval("SELECT secret FROM endpoints WHERE id = $1", endpoint.id)
        found = await EndpointsRepository(conn).get(endpoint.org_id, endpoint.id)
    assert raw.startswith("enc:v1:test2:") and found is not None
    assert found.secret == endpoint.secret


async def test_the_rotation_reseals_rows_under_older_keys(gateway: asyncpg.Pool) -> None:
    orgs = await asyncio.gather(*(new_org() for _ in range(7)))
    for org in orgs:  # as written before the rotation, under test1
        current = OLD.seal(org.signing_secret, gateway_sealed.ORG_SECRETS.context(
            "signing_secret", uuid.UUID(org.org_id)))
        await gateway.execute("UPDATE orgs SET signing_secret = $2 WHERE id = $1",
                              uuid.UUID(org.org_id), current)
    ring = get_key_ring()
    # The start-up step leaves them: another replica may not hold test2 yet.
    await gateway_sealed.seal_legacy_rows(gateway, ring, 100)
    assert (await _raw_org(gateway, orgs[0].org_id))["signing_secret"].startswith(
        "enc:v1:test1:")
    seen: list[tuple[int, int]] = []
    runs = await asyncio.gather(
        reseal_all(gateway, gateway_sealed.ORG_SECRETS, ring, legacy_only=False, batch=2,
                   progress=lambda done, left: seen.append((done, left))),
        reseal_all(gateway, gateway_sealed.ORG_SECRETS, ring, legacy_only=False, batch=3))
    assert sum(runs) == 7 and seen[-1][1] == 0
    for org in orgs:
        row = await _raw_org(gateway, org.org_id)
        assert row["signing_secret"].startswith("enc:v1:test2:")
        async with gateway.acquire() as conn:
            opened = await OrgsRepository(conn).signing_secrets(uuid.UUID(org.org_id))
        assert opened is not None and opened.current == org.signing_secret
