"""Stripe and Paddle connections and their webhook endpoints through the running stack (issue
23, first increment): an Owner connects a provider (secrets never answered, sealed at rest,
audited); events built and signed exactly as Stripe and Paddle sign them are stored once per
event id; a bad, stale or missing signature is 400 and stores nothing; an org's secret does
not open another org's endpoint; a disconnected org's endpoint is 404; the billing state
reports ``stripeConnectLinked``."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import aiohttp

from tests.common.api import expect_error
from tests.common.events import EventRecorder
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org, new_key
from tests.common.provider_events import (
    PADDLE,
    STRIPE,
    connect_stripe,
    ntfset,
    paddle_event,
    paddle_signature,
    post_event,
    put_connection,
    stored_events,
    stripe_event,
    stripe_signature,
    tracking_sql,
    whsec,
)
from tests.common.waiting import eventually


async def _status(http: aiohttp.ClientSession, path: str, headers: dict[str, str]
                  ) -> dict[str, object]:
    async with http.get(path, headers=headers) as response:
        body: dict[str, object] = await response.json()
        assert response.status == 200, body
    return body


async def _linked(http: aiohttp.ClientSession, org: Org) -> bool:
    async with http.get("/api/billing/state", headers=org.auth) as response:
        body = await response.json()
        assert response.status == 200, body
    return bool(body["stripeConnectLinked"])


async def test_connect_status_and_disconnect_never_show_a_secret(
        http: aiohttp.ClientSession, org: Org, stack: object) -> None:
    assert await _linked(http, org) is False
    before = await _status(http, STRIPE, org.auth)
    assert before == {"provider": "stripe", "connected": False, "restrictedApiKeySet": False,
                      "connectedAt": None,
                      "webhookUrl": before["webhookUrl"]}
    assert str(before["webhookUrl"]).endswith(f"/api/integrations/stripe/{org.handle}")

    secret, key = whsec(), "rk_test_" + uuid.uuid4().hex
    status, body = await put_connection(http, STRIPE, org.auth,
                                        {"webhookSecret": secret, "restrictedApiKey": key})
    assert status == 200, body
    assert (body["connected"], body["restrictedApiKeySet"]) == (True, True)
    assert secret not in json.dumps(body) and key not in json.dumps(body)
    assert await _status(http, STRIPE, org.auth) == body
    assert await _linked(http, org) is True

    [row] = await tracking_sql("SELECT webhook_secret, restricted_api_key FROM "
                               "provider_integrations WHERE org_id = $1",
                               uuid.UUID(org.org_id))
    for stored in row:
        assert stored.startswith("enc:v1:") and secret not in stored and key not in stored

    async with http.delete(STRIPE, headers=org.auth) as response:
        assert (response.status, await response.read()) == (204, b"")
    assert (await _status(http, STRIPE, org.auth))["connected"] is False
    assert await _linked(http, org) is False
    async with http.delete(STRIPE, headers=org.auth) as response:  # nothing left: still 204
        assert response.status == 204

    async def audited() -> list[dict[str, object]] | None:
        async with http.get("/api/v1/audit-log", headers=org.auth) as response:
            items = [i for i in (await response.json())["items"]
                     if str(i["action"]).startswith("integration.")]
        return items if len(items) == 2 else None
    rows = await eventually(audited, what="two integration audit rows")
    assert {r["action"] for r in rows} == {"integration.connected", "integration.disconnected"}
    assert secret not in json.dumps(rows) and key not in json.dumps(rows)


async def test_bad_bodies_name_their_field_and_change_nothing(
        http: aiohttp.ClientSession, org: Org) -> None:
    for body, field in (({"webhookSecret": "sk_live_nope"}, "webhookSecret"),
                        ({"webhookSecret": whsec(), "restrictedApiKey": "sk_live_abcdefghij"},
                         "restrictedApiKey"),
                        ({}, "webhookSecret")):
        async with http.put(STRIPE, json=body, headers=org.auth) as response:
            await expect_error(response, 400, "validation_failed", field)
    async with http.put(PADDLE, json={"webhookSecret": whsec()}, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "webhookSecret")
    assert (await _status(http, STRIPE, org.auth))["connected"] is False


async def test_roles_and_scopes(http: aiohttp.ClientSession, org: Org,
                                issuer: TestIssuer) -> None:
    reader = await new_key(org, "read")
    async with http.put(STRIPE, json={"webhookSecret": whsec()}, headers=reader) as response:
        await expect_error(response, 403, "insufficient_scope")
    async with http.get(STRIPE, headers=reader) as response:
        assert response.status == 200
    for role in ("Manager", "Viewer"):
        async with http.put(STRIPE, json={"webhookSecret": whsec()},
                            headers=issuer.operator_auth(org.org_id, role)) as response:
            assert (response.status, await response.read()) == (403, b"")
    status, body = await put_connection(http, STRIPE, issuer.operator_auth(org.org_id, "Owner"),
                                        {"webhookSecret": whsec()})
    assert (status, body["connected"], body["restrictedApiKeySet"]) == (200, True, False)


async def test_concurrent_connects_leave_one_connection(http: aiohttp.ClientSession,
                                                        org: Org) -> None:
    secrets = [whsec() for _ in range(6)]
    answers = await asyncio.gather(*(put_connection(http, STRIPE, org.auth,
                                                    {"webhookSecret": s}) for s in secrets))
    assert {status for status, _ in answers} == {200}, answers
    rows = await tracking_sql("SELECT id FROM provider_integrations WHERE org_id = $1",
                              uuid.UUID(org.org_id))
    assert len(rows) == 1
    body = stripe_event()  # exactly one of the secrets is in force, and it opens
    accepted = [(await post_event(http, "stripe", org.handle, body,
                                  stripe_signature(body, s)))[0] for s in secrets]
    assert sorted(accepted) == [200] + [400] * 5, accepted


async def test_a_signed_stripe_event_is_stored_once(http: aiohttp.ClientSession,
                                                    org: Org) -> None:
    recorder = await EventRecorder.start(("tracking.provider_event.*",))
    try:
        await _stored_once(http, org, recorder)
    finally:
        await recorder.stop()


async def _stored_once(http: aiohttp.ClientSession, org: Org, recorder: EventRecorder) -> None:
    secret = await connect_stripe(http, org)
    body = stripe_event()
    first = await post_event(http, "stripe", org.handle, body, stripe_signature(body, secret))
    assert first == (200, {"received": True, "duplicate": False})
    # Stripe's retry (a new timestamp, the same event) and a replay of the same call
    again = await post_event(http, "stripe", org.handle, body, stripe_signature(body, secret))
    assert again == (200, {"received": True, "duplicate": True})
    [row] = await stored_events(org)
    assert (row["provider"], row["event_type"]) == ("stripe", "invoice.paid")
    assert row["payload"] == json.loads(body)
    # ... and announced once on the bus, for the booking to come
    [event] = await recorder.settled(lambda d: d.body.get("orgId") == org.org_id, 1)
    assert (event.body["provider"], event.body["eventId"], event.body["eventType"]) == (
        "stripe", row["event_id"], "invoice.paid")


async def test_concurrent_copies_are_stored_and_announced_once(http: aiohttp.ClientSession,
                                                               org: Org) -> None:
    """Copies sent at once share a group commit: one answers new, the rest duplicate."""
    recorder = await EventRecorder.start(("tracking.provider_event.*",))
    try:
        secret = await connect_stripe(http, org)
        bodies = [stripe_event() for _ in range(3)]
        answers = await asyncio.gather(*[
            post_event(http, "stripe", org.handle, body, stripe_signature(body, secret))
            for body in bodies for _ in range(4)])
        assert sorted(a[1]["duplicate"] for a in answers) == [False] * 3 + [True] * 9
        assert len(await stored_events(org)) == 3
        announced = await recorder.settled(lambda d: d.body.get("orgId") == org.org_id, 3)
        assert sorted(e.body["eventId"] for e in announced) == sorted(
            json.loads(b)["id"] for b in bodies)
    finally:
        await recorder.stop()


async def test_bad_stale_or_missing_signatures_store_nothing(http: aiohttp.ClientSession,
                                                             org: Org) -> None:
    secret = await connect_stripe(http, org)
    body = stripe_event()
    stale = int(time.time()) - 301
    for signature in (stripe_signature(body, whsec()), stripe_signature(body, secret, stale),
                      stripe_signature(body + " ", secret).replace("v1=", "v0="),
                      "t=abc,v1=00", None):
        status, answer = await post_event(http, "stripe", org.handle, body, signature)
        assert (status, answer["error"]) == (400, "invalid_provider_signature"), signature
    tampered = body.replace("4900", "1")
    status, _ = await post_event(http, "stripe", org.handle, tampered,
                                 stripe_signature(body, secret))
    assert status == 400
    assert await stored_events(org) == []


async def test_an_orgs_secret_does_not_open_another_orgs_endpoint(
        http: aiohttp.ClientSession, org: Org, other_org: Org) -> None:
    secret = await connect_stripe(http, org)
    body = stripe_event()
    # not connected: 404; connected with its own secret: 400
    status, answer = await post_event(http, "stripe", other_org.handle, body,
                                      stripe_signature(body, secret))
    assert (status, answer["error"]) == (404, "integration_not_found")
    await connect_stripe(http, other_org)
    status, answer = await post_event(http, "stripe", other_org.handle, body,
                                      stripe_signature(body, secret))
    assert (status, answer["error"]) == (400, "invalid_provider_signature")
    assert await stored_events(other_org) == [] and await stored_events(org) == []


async def test_unknown_handles_and_disconnected_orgs_are_404(http: aiohttp.ClientSession,
                                                             org: Org) -> None:
    secret = await connect_stripe(http, org)
    body = stripe_event()
    status, answer = await post_event(http, "stripe", "no-such-org-" + uuid.uuid4().hex[:6],
                                      body, stripe_signature(body, secret))
    assert (status, answer["error"]) == (404, "integration_not_found")
    async with http.delete(STRIPE, headers=org.auth) as response:
        assert response.status == 204
    status, answer = await post_event(http, "stripe", org.handle, body,
                                      stripe_signature(body, secret))
    assert (status, answer["error"]) == (404, "integration_not_found")
    assert await stored_events(org) == []


async def test_a_signed_body_that_is_no_event_is_400(http: aiohttp.ClientSession,
                                                     org: Org) -> None:
    secret = await connect_stripe(http, org)
    for body in ("[1, 2]", '{"type": "invoice.paid"}', "not json"):
        status, answer = await post_event(http, "stripe", org.handle, body,
                                          stripe_signature(body, secret))
        assert (status, answer["error"]) == (400, "invalid_provider_event"), body
    assert await stored_events(org) == []


async def test_paddle_events_are_verified_and_stored_once(http: aiohttp.ClientSession,
                                                          org: Org) -> None:
    secret = ntfset()
    status, body = await put_connection(http, PADDLE, org.auth, {"webhookSecret": secret})
    assert (status, body["connected"], body["provider"]) == (200, True, "paddle"), body
    assert str(body["webhookUrl"]).endswith(f"/api/integrations/paddle/{org.handle}")
    assert await _linked(http, org) is False  # Paddle is not Stripe

    event = paddle_event()
    assert await post_event(http, "paddle", org.handle, event,
                            paddle_signature(event, secret)) == (
        200, {"received": True, "duplicate": False})
    assert (await post_event(http, "paddle", org.handle, event,
                             paddle_signature(event, secret)))[1]["duplicate"] is True
    for signature in (paddle_signature(event, ntfset()),
                      paddle_signature(event, secret, int(time.time()) - 301),
                      "h1=abc", None):
        status, answer = await post_event(http, "paddle", org.handle, event, signature)
        assert (status, answer["error"]) == (400, "invalid_provider_signature"), signature
    # Stripe's endpoint of this org is not connected
    status, _ = await post_event(http, "stripe", org.handle, event,
                                 paddle_signature(event, secret))
    assert status == 404
    [row] = await stored_events(org)
    assert (row["provider"], row["event_type"]) == ("paddle", "transaction.completed")
