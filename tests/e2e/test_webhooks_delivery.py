"""Deliveries to a real receiver on 127.0.0.1: signatures (also during rotation), fan-out of
domain events, retries after 500s and timeouts, 410 disabling, isolation of a hanging endpoint
and resend."""

from __future__ import annotations

import time

import aiohttp

from tests.common.api import audit_page
from tests.common.orgs import Org
from tests.common.waiting import eventually
from tests.common.webhooks_api import (
    DELIVERY_KEYS,
    WEBHOOKS,
    call,
    create_webhook,
    deliveries,
    delivery_when,
    publish,
)
from tests.common.webhooks_receiver import HANG, Receiver, receiver, verify


async def _received(rx: Receiver, path: str, count: int, timeout: float = 15.0) -> None:
    async def probe() -> bool | None:
        return True if len(rx.at(path)) >= count else None

    await eventually(probe, timeout=timeout, what=f"{count} request(s) at {path}")


async def test_test_event_is_signed_and_logged(http: aiohttp.ClientSession, org: Org) -> None:
    async with receiver() as rx:
        hook = await create_webhook(http, org, rx.url("/hook"))
        delivery = await call(http, "POST", f"{WEBHOOKS}/{hook['id']}/test", org, expect=202)
        assert set(delivery) == DELIVERY_KEYS and delivery["status"] == "Pending"
        await _received(rx, "/hook", 1)
        got = rx.at("/hook")[0]
        assert verify(got, hook["secret"])
        assert not verify(got, "whsec_wrong")
        assert got.headers["X-Rekomi-Event"] == "webhook.test"
        assert got.headers["X-Rekomi-Delivery-Id"] == delivery["id"]
        assert got.headers["Content-Type"] == "application/json"
        assert "Rekomi" in got.headers["User-Agent"]
        assert set(got.json) == {"id", "type", "createdAt", "data"}
        assert got.json["id"] == delivery["eventId"] and got.json["type"] == "webhook.test"
        done = await delivery_when(http, org, hook["id"], delivery["id"],
                                   lambda d: d["status"] == "Succeeded")
        assert done["attempts"] == 1 and done["lastStatusCode"] == 200
        assert done["deliveredAt"] is not None and done["nextAttemptAt"] is None


async def test_rotation_signs_with_both_secrets(http: aiohttp.ClientSession, org: Org) -> None:
    async with receiver() as rx:
        hook = await create_webhook(http, org, rx.url("/hook"))
        rotated = await call(http, "POST", f"{WEBHOOKS}/{hook['id']}/rotate-secret", org)
        await call(http, "POST", f"{WEBHOOKS}/{hook['id']}/test", org, expect=202)
        await _received(rx, "/hook", 1)
        got = rx.at("/hook")[0]
        assert got.headers["X-Rekomi-Signature"].count("v1=") == 2
        assert verify(got, rotated["secret"]) and verify(got, hook["secret"])


async def test_domain_events_fan_out_once_per_subscribed_endpoint(
        http: aiohttp.ClientSession, org: Org, other_org: Org) -> None:
    async with receiver() as rx:
        wants = await create_webhook(http, org, rx.url("/wants"), ["affiliate.created"])
        every = await create_webhook(http, org, rx.url("/every"), ["*"])
        await create_webhook(http, org, rx.url("/other-type"), ["payout.paid"])
        await create_webhook(http, other_org, rx.url("/other-org"), ["*"])
        data = {"id": "aff_1", "email": "a@example.com"}
        event_id = await publish(org, "affiliate.created", data, times=3)  # 2 redeliveries
        await _received(rx, "/wants", 1)
        await _received(rx, "/every", 1)
        got = rx.at("/wants")[0]
        assert got.json["id"] == str(event_id) and got.json["data"] == data
        assert got.headers["X-Rekomi-Event"] == "affiliate.created"
        assert verify(got, wants["secret"]) and verify(rx.at("/every")[0], every["secret"])
        # a later event proves the duplicates had their chance to arrive first
        await publish(org, "affiliate.updated", {"id": "aff_1"})
        await _received(rx, "/every", 2)
        assert len(rx.at("/wants")) == 1 and rx.at("/other-type") == []
        assert rx.at("/other-org") == []
        assert len(await deliveries(http, org, wants["id"])) == 1


async def test_retries_after_500s_with_the_same_delivery_id(http: aiohttp.ClientSession,
                                                            org: Org) -> None:
    async with receiver(hook=[500, 503, 200]) as rx:
        hook = await create_webhook(http, org, rx.url("/hook"))
        delivery = await call(http, "POST", f"{WEBHOOKS}/{hook['id']}/test", org, expect=202)
        done = await delivery_when(http, org, hook["id"], delivery["id"],
                                   lambda d: d["status"] == "Succeeded")
        assert done["attempts"] == 3
        assert {r.delivery_id for r in rx.at("/hook")} == {delivery["id"]}
        assert len({r.body for r in rx.at("/hook")}) == 1  # the same body every time
        failed = await deliveries(http, org, hook["id"], status="Succeeded")
        assert [d["id"] for d in failed] == [delivery["id"]]


async def test_failing_delivery_shows_retrying_with_truncated_body(
        http: aiohttp.ClientSession, org: Org) -> None:
    async with receiver(hook=[500]) as rx:
        hook = await create_webhook(http, org, rx.url("/hook"))
        delivery = await call(http, "POST", f"{WEBHOOKS}/{hook['id']}/test", org, expect=202)
        state = await delivery_when(http, org, hook["id"], delivery["id"],
                                    lambda d: d["attempts"] >= 2)
        assert state["status"] == "Retrying" and state["lastStatusCode"] == 500
        assert state["lastError"] == "HTTP 500" and state["nextAttemptAt"] is not None
        assert state["lastResponseBody"] == "x" * 1024
        listed = await deliveries(http, org, hook["id"], status="Retrying",
                                  eventType="webhook.test")
        assert [d["id"] for d in listed] == [delivery["id"]]
        assert await deliveries(http, org, hook["id"], eventType="payout.paid") == []


async def test_timeouts_are_retried(http: aiohttp.ClientSession, org: Org) -> None:
    async with receiver(hook=[HANG, 200]) as rx:
        hook = await create_webhook(http, org, rx.url("/hook"))
        delivery = await call(http, "POST", f"{WEBHOOKS}/{hook['id']}/test", org, expect=202)
        done = await delivery_when(http, org, hook["id"], delivery["id"],
                                   lambda d: d["status"] == "Succeeded")
        assert done["attempts"] == 2
        first, second = rx.at("/hook")[:2]
        assert second.at - first.at >= 1.0  # the stack's timeout is 1 s in tests
        assert first.delivery_id == second.delivery_id == delivery["id"]


async def test_410_disables_the_endpoint_and_audits_it(http: aiohttp.ClientSession,
                                                       org: Org) -> None:
    async with receiver(hook=[410]) as rx:
        hook = await create_webhook(http, org, rx.url("/hook"))
        delivery = await call(http, "POST", f"{WEBHOOKS}/{hook['id']}/test", org, expect=202)
        done = await delivery_when(http, org, hook["id"], delivery["id"],
                                   lambda d: d["status"] == "Failed")
        assert done["attempts"] == 1 and done["lastStatusCode"] == 410
        state = await call(http, "GET", f"{WEBHOOKS}/{hook['id']}", org)
        assert state["isActive"] is False and state["disabledAt"] is not None
        assert "410" in state["disabledReason"]

        async def audited() -> dict[str, object] | None:
            page = await audit_page(http, org, action="webhook.disabled")
            return next((i for i in page["items"] if i["entityId"] == hook["id"]), None)

        entry = await eventually(audited, what="webhook.disabled audit row")
        assert entry["actorType"] == "system"
        async with http.post(f"{WEBHOOKS}/{hook['id']}/test", headers=org.auth) as response:
            assert response.status == 409
        await publish(org, "affiliate.created", {"id": "aff_2"})
        enabled = await call(http, "PATCH", f"{WEBHOOKS}/{hook['id']}", org, {"isActive": True})
        assert enabled["isActive"] is True and enabled["disabledAt"] is None
        assert len(rx.at("/hook")) == 1


async def test_a_hanging_endpoint_does_not_delay_others(http: aiohttp.ClientSession,
                                                        org: Org) -> None:
    count = 40
    async with receiver(slow=[HANG], fast=[200]) as rx:
        await create_webhook(http, org, rx.url("/slow"), ["affiliate.created"])
        await create_webhook(http, org, rx.url("/fast"), ["affiliate.created"])
        started = time.monotonic()
        for n in range(count):
            await publish(org, "affiliate.created", {"id": f"aff_{n}"})
        await _received(rx, "/fast", count, timeout=10)
        elapsed = time.monotonic() - started
        # The slow endpoint holds at most its cap of 8 attempts at once, each for the 1 s
        # timeout; the fast one got everything meanwhile.
        assert rx.max_inflight.get("/slow", 0) <= 8
        assert len(rx.at("/slow")) < count
        assert elapsed < 8, elapsed


async def test_resend_is_a_new_attempt_of_the_same_delivery(http: aiohttp.ClientSession,
                                                            org: Org) -> None:
    async with receiver() as rx:
        hook = await create_webhook(http, org, rx.url("/hook"))
        delivery = await call(http, "POST", f"{WEBHOOKS}/{hook['id']}/test", org, expect=202)
        await delivery_when(http, org, hook["id"], delivery["id"],
                            lambda d: d["status"] == "Succeeded")
        again = await call(http, "POST", f"{WEBHOOKS}/deliveries/{delivery['id']}/resend", org,
                           expect=202)
        assert again["id"] == delivery["id"] and again["status"] == "Pending"
        done = await delivery_when(http, org, hook["id"], delivery["id"],
                                   lambda d: d["attempts"] == 2 and d["status"] == "Succeeded")
        assert done["id"] == delivery["id"]
        assert [r.delivery_id for r in rx.at("/hook")] == [delivery["id"]] * 2
        assert rx.at("/hook")[0].body == rx.at("/hook")[1].body
