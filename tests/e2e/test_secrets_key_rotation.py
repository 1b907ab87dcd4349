"""``rekomi admin rotate-secrets-key`` while S2S sales are being sent: rows sealed under the
older key (test1) are re-sealed under the newest (test2) by their owners, the gateway's orgs
by the command, the webhooks service's endpoints and tracking's Stripe/Paddle connections by
those services over the bus, and no
request fails meanwhile, because every service holds both keys. A command whose newest key
the services do not seal under is refused before anything moves."""

from __future__ import annotations

import asyncio
import os
import uuid

import aiohttp

from libs.shared.db import connect
from libs.shared.secret_box import KeyRing
from libs.shared.settings import Settings
from services.gateway.adapters.sealed_secrets import ORG_SECRETS
from services.tracking.adapters.integrations_repository import INTEGRATION_SECRETS
from services.webhooks.adapters.sealed_secrets import ENDPOINT_SECRETS
from tests.common.env import NEW_TEST_KEY, OLD_TEST_KEY
from tests.common.provider_events import (
    connect_stripe,
    post_event,
    stripe_event,
    stripe_signature,
)
from tests.common.s2s import Seller, post_signed, sale, seller
from tests.common.stack import rekomi, rekomi_json
from tests.common.waiting import eventually
from tests.common.webhooks_api import WEBHOOKS, call, create_webhook
from tests.common.webhooks_receiver import receiver, verify

OLD = KeyRing.parse(OLD_TEST_KEY)


async def sql(schema: str, statement: str, *args: object) -> list[object]:
    conn = await connect(Settings().database_url, schema)
    try:
        return list(await conn.fetch(statement, *args))
    finally:
        await conn.close()


async def seal_under_the_old_key(org_id: str, signing_secret: str, hook_id: str,
                                 hook_secret: str) -> None:
    """As the rows were before the rotation: sealed under test1."""
    org, hook = uuid.UUID(org_id), uuid.UUID(hook_id)
    await sql("gateway", "UPDATE orgs SET signing_secret = $2 WHERE id = $1", org,
              OLD.seal(signing_secret, ORG_SECRETS.context("signing_secret", org)))
    await sql("gateway", "SELECT pg_notify('rekomi_gateway_keys', '')")
    await sql("webhooks", "UPDATE endpoints SET secret = $2 WHERE id = $1", hook,
              OLD.seal(hook_secret, ENDPOINT_SECRETS.context("secret", hook)))


async def stripe_sealed_under_the_old_key(org_id: str, secret: str) -> None:
    [row] = await sql("tracking", "SELECT id FROM provider_integrations WHERE org_id = $1",
                      uuid.UUID(org_id))
    row_id = row["id"]  # type: ignore[index]
    await sql("tracking", "UPDATE provider_integrations SET webhook_secret = $2 WHERE id = $1",
              row_id, OLD.seal(secret, INTEGRATION_SECRETS.context("webhook_secret", row_id)))


async def stripe_accepts(http: aiohttp.ClientSession, handle: str, secret: str) -> bool:
    body = stripe_event()
    status, _ = await post_event(http, "stripe", handle, body, stripe_signature(body, secret))
    return status == 200


async def stored(org_id: str, hook_id: str) -> tuple[str, str]:
    [org] = await sql("gateway", "SELECT signing_secret FROM orgs WHERE id = $1",
                      uuid.UUID(org_id))
    [hook] = await sql("webhooks", "SELECT secret FROM endpoints WHERE id = $1",
                       uuid.UUID(hook_id))
    return org["signing_secret"], hook["secret"]  # type: ignore[index]


async def sell_until(http: aiohttp.ClientSession, s: Seller, stop: asyncio.Event
                     ) -> list[int]:
    statuses = []
    while not stop.is_set():
        status, _ = await post_signed(http, s.org, sale(s.slug), wait=False)
        statuses.append(status)
    return statuses


async def test_rotation_under_s2s_load_loses_no_request(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    async with receiver() as rx:
        hook = await create_webhook(http, s.org, rx.url("/hook"), ["webhook.test"])
        await seal_under_the_old_key(s.org.org_id, s.org.signing_secret, hook["id"],
                                     hook["secret"])
        stripe_secret = await connect_stripe(http, s.org)
        await stripe_sealed_under_the_old_key(s.org.org_id, stripe_secret)
        assert await stripe_accepts(http, s.org.handle, stripe_secret)
        assert all(v.startswith("enc:v1:test1:") for v in await stored(s.org.org_id,
                                                                        hook["id"]))
        stop = asyncio.Event()
        senders = [asyncio.ensure_future(sell_until(http, s, stop)) for _ in range(4)]
        await asyncio.sleep(0.3)
        rotated = await asyncio.to_thread(
            rekomi_json, "admin", "rotate-secrets-key", "--batch", "1")
        await asyncio.sleep(0.3)
        stop.set()
        statuses = [status for sent in await asyncio.gather(*senders) for status in sent]
        assert statuses and set(statuses) == {200}, statuses
        assert len(statuses) >= 20
        assert rotated["keyId"] == "test2" and rotated["olderKeys"] == ["test1"]
        assert rotated["orgs"] >= 1 and rotated["webhookEndpoints"] >= 1, rotated
        assert rotated["providerIntegrations"] >= 1, rotated
        [integration] = await sql("tracking", "SELECT webhook_secret FROM "
                                  "provider_integrations WHERE org_id = $1",
                                  uuid.UUID(s.org.org_id))
        assert integration["webhook_secret"].startswith("enc:v1:test2:")  # type: ignore[index]
        assert await stripe_accepts(http, s.org.handle, stripe_secret)
        assert all(v.startswith("enc:v1:test2:") for v in await stored(s.org.org_id,
                                                                        hook["id"]))
        # Deliveries are still signed with the endpoint's secret; sales still verify.
        await call(http, "POST", f"{WEBHOOKS}/{hook['id']}/test", s.org, expect=202)
        got = await eventually(lambda: _first(rx.at("/hook")), what="a delivery")
        assert verify(got, hook["secret"])
        assert (await post_signed(http, s.org, sale(s.slug), wait=False))[0] == 200
        # Run again: nothing left under an older key.
        again = rekomi_json("admin", "rotate-secrets-key")
        assert (again["orgs"], again["webhookEndpoints"], again["providerIntegrations"]) == (
            0, 0, 0)


async def _first(items: list[object]) -> object | None:
    return items[0] if items else None


async def test_a_key_the_services_do_not_seal_under_is_refused(
        http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    before = await sql("gateway", "SELECT signing_secret FROM orgs WHERE id = $1",
                       uuid.UUID(s.org.org_id))
    env = {**os.environ, "REKOMI_SECRETS_KEYS": f"{OLD_TEST_KEY},{NEW_TEST_KEY}"}
    refused = rekomi("admin", "rotate-secrets-key", "--json", env=env, check=False)
    assert refused.returncode == 1, refused
    assert "secrets_key_mismatch" in refused.stderr, refused.stderr
    assert await sql("gateway", "SELECT signing_secret FROM orgs WHERE id = $1",
                     uuid.UUID(s.org.org_id)) == before


def test_the_key_commands_print_a_usable_entry_and_the_sealing_key() -> None:
    made = rekomi_json("admin", "new-secrets-key", "--kid", "k2027")
    ring = KeyRing.parse(f"{made['entry']},{NEW_TEST_KEY}")
    assert ring.primary == "k2027" and ring.open(ring.seal("rks_x", "c"), "c") == "rks_x"
    assert rekomi_json("admin", "secrets-key") == {"keyId": "test2",
                                                   "from": "REKOMI_SECRETS_KEYS"}
    bad = rekomi("admin", "new-secrets-key", "--kid", "not a kid", "--json", check=False)
    assert bad.returncode == 1 and "secrets_key_invalid" in bad.stderr
