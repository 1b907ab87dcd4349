"""Webhook endpoints over HTTP: CRUD, secrets, validation, SSRF refusals, gates, isolation."""

from __future__ import annotations

import uuid

import aiohttp
import pytest

from tests.common.api import audit_page, expect_error
from tests.common.orgs import Org, new_org
from tests.common.waiting import eventually
from tests.common.webhooks_api import WEBHOOK_KEYS, WEBHOOKS, call, create_webhook

HOOK = "http://127.0.0.1:9/hook"  # never called in these tests


async def test_create_get_list_patch_delete(http: aiohttp.ClientSession, org: Org) -> None:
    created = await create_webhook(http, org, HOOK, ["affiliate.created"], description="CRM")
    assert set(created) == WEBHOOK_KEYS | {"secret"}
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["affiliate.created"] and created["isActive"] is True
    assert created["disabledAt"] is None and created["description"] == "CRM"
    path = f"{WEBHOOKS}/{created['id']}"
    fetched = await call(http, "GET", path, org)
    assert fetched == {k: v for k, v in created.items() if k != "secret"}
    listed = await call(http, "GET", WEBHOOKS, org)
    assert [w["id"] for w in listed["items"]] == [created["id"]]
    assert "secret" not in listed["items"][0]
    patched = await call(http, "PATCH", path, org, {"events": ["*"], "description": None,
                                                    "isActive": False})
    assert patched["events"] == ["*"] and patched["description"] is None
    # whole seconds on the wire: a change within the second shows the same moment
    assert patched["isActive"] is False and patched["updatedAt"] >= created["updatedAt"]
    await call(http, "DELETE", path, org, expect=204)
    async with http.get(path, headers=org.auth) as response:
        await expect_error(response, 404, "webhook_not_found")


async def test_changes_are_audited_without_secrets(http: aiohttp.ClientSession, org: Org) -> None:
    created = await create_webhook(http, org, HOOK)
    await call(http, "POST", f"{WEBHOOKS}/{created['id']}/rotate-secret", org)

    async def audited() -> list[str] | None:
        page = await audit_page(http, org, entityType="webhook")
        actions = [item["action"] for item in page["items"]]
        return actions if {"webhook.created", "webhook.secret_rotated"} <= set(actions) else None

    await eventually(audited, what="webhook audit rows")
    page = await audit_page(http, org, entityType="webhook")
    assert all(created["secret"] not in str(item) for item in page["items"])


async def test_rotation_returns_a_new_secret(http: aiohttp.ClientSession, org: Org) -> None:
    created = await create_webhook(http, org, HOOK)
    rotated = await call(http, "POST", f"{WEBHOOKS}/{created['id']}/rotate-secret", org)
    assert set(rotated) == {"secret", "previousSecretExpiresAt"}
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]


async def test_other_orgs_cannot_see_or_touch_it(http: aiohttp.ClientSession, org: Org,
                                                 other_org: Org) -> None:
    created = await create_webhook(http, org, HOOK)
    path = f"{WEBHOOKS}/{created['id']}"
    for method, suffix, body in (("GET", "", None), ("PATCH", "", {"isActive": False}),
                                 ("DELETE", "", None), ("POST", "/rotate-secret", None),
                                 ("POST", "/test", None), ("GET", "/deliveries", None)):
        async with http.request(method, path + suffix, json=body,
                                headers=other_org.auth) as response:
            await expect_error(response, 404, "webhook_not_found")
    assert (await call(http, "GET", WEBHOOKS, other_org))["items"] == []


@pytest.mark.parametrize("url", [
    "http://example.com/hook",          # plain http off loopback
    "https://10.0.0.8/hook",            # private
    "https://192.168.1.20/hook",
    "https://172.16.0.1/hook",
    "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
    "https://[fd00::1]/hook",           # unique local IPv6
    "https://[::ffff:10.0.0.1]/hook",   # IPv4-mapped private
    "https://0.0.0.0/hook",
    "https://100.64.0.1/hook",          # carrier-grade NAT
    "ftp://example.com/hook",
    "https://user:pw@example.com/hook",
    "https://no-such-host.invalid/hook",  # does not resolve
])
async def test_ssrf_targets_are_refused(http: aiohttp.ClientSession, org: Org, url: str) -> None:
    async with http.post(WEBHOOKS, json={"url": url, "events": ["*"]},
                         headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "url")
    created = await create_webhook(http, org, HOOK)
    async with http.patch(f"{WEBHOOKS}/{created['id']}", json={"url": url},
                          headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "url")


@pytest.mark.parametrize(("body", "field"), [
    ({"url": HOOK, "events": ["affiliate.exploded"]}, "events"),
    ({"url": HOOK, "events": ["*", "payout.paid"]}, "events"),
    ({"url": HOOK, "events": []}, "events"),
    ({"url": HOOK}, "events"),
    ({"events": ["*"]}, "url"),
    ({"url": HOOK, "events": ["*"], "secret": "mine"}, "secret"),
])
async def test_invalid_bodies(http: aiohttp.ClientSession, org: Org, body: dict[str, object],
                              field: str) -> None:
    async with http.post(WEBHOOKS, json=body, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", field)


async def test_starter_plan_gate(http: aiohttp.ClientSession) -> None:
    trial = await new_org(plan="Trial", status="Active")
    async with http.get(WEBHOOKS, headers=trial.auth) as response:
        await expect_error(response, 402, "plan_tier_required",
                           extra=frozenset({"required", "current", "trialing"}))
    starter = await new_org(plan="Starter", status="Active")
    await create_webhook(http, starter, HOOK)


async def test_unknown_and_malformed_ids_are_404(http: aiohttp.ClientSession, org: Org) -> None:
    for path, code in ((f"{WEBHOOKS}/{uuid.uuid4()}", "webhook_not_found"),
                       (f"{WEBHOOKS}/not-a-uuid", "not_found")):
        async with http.get(path, headers=org.auth) as response:
            await expect_error(response, 404, code)
    for delivery_id, code in (("01J0000000000000000000000Z", "delivery_not_found"),
                              ("nope", "not_found")):
        async with http.post(f"{WEBHOOKS}/deliveries/{delivery_id}/resend",
                             headers=org.auth) as response:
            await expect_error(response, 404, code)


async def test_openapi_documents_the_event_catalogue(http: aiohttp.ClientSession) -> None:
    async with http.get("/openapi.json") as response:
        document = await response.json()
    create = document["paths"][WEBHOOKS]["post"]
    assert "payout.paid" in create["description"] and "X-Rekomi-Signature" in create["description"]
    assert create["x-rekomi-plan"] == "Starter"
