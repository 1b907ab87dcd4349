"""Home-currency settings over HTTP (ENDPOINTS.md rows 44-45)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import aiohttp
import asyncpg
import pytest

from libs.shared.money import SUPPORTED_CURRENCIES
from libs.shared.settings import Settings
from tests.common.affiliates_api import call
from tests.common.api import audit_page, expect_error
from tests.common.events import EventRecorder
from tests.common.orgs import Org, new_key, new_org

URL = "/api/v1/settings/home-currency"
ACTION = "org.home_currency_changed"
# The reference's allowlist, as printed there.
REFERENCE_ALLOWLIST = [
    "AED", "AUD", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "IDR",
    "ILS", "INR", "JPY", "KRW", "MXN", "MYR", "NOK", "NZD", "PHP", "PLN", "RON", "SAR", "SEK",
    "SGD", "THB", "TRY", "USD", "ZAR"]


async def _get(http: aiohttp.ClientSession, org: Org) -> dict[str, Any]:
    body: dict[str, Any] = await call(http, "GET", URL, org)
    return body


async def _put(http: aiohttp.ClientSession, org: Org, currency: str) -> dict[str, Any]:
    body: dict[str, Any] = await call(http, "PUT", URL, org, {"homeCurrency": currency})
    return body


async def _audit_rows(org: Org) -> int:
    conn = await asyncpg.connect(Settings().database_url)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM gateway.audit_log WHERE org_id = $1 AND action = $2",
            uuid.UUID(org.org_id), ACTION)
    finally:
        await conn.close()
    return count


async def test_get_shape_for_a_new_org(http: aiohttp.ClientSession, org: Org) -> None:
    assert await _get(http, org) == {"homeCurrency": "USD", "changedAt": None,
                                     "supportedCurrencies": REFERENCE_ALLOWLIST,
                                     "canChange": True}
    assert list(SUPPORTED_CURRENCIES) == REFERENCE_ALLOWLIST


@pytest.mark.parametrize(("plan", "status", "can_change"), [
    ("Starter", "Active", False), ("Growth", "Active", False), ("Growth", "PastDue", False),
    ("Pro", "Trialing", True), ("Pro", "Canceled", False),  # a lapsed Pro counts as Trial
])
async def test_get_says_whether_the_plan_permits_a_change(
        http: aiohttp.ClientSession, plan: str, status: str, can_change: bool) -> None:
    org = await new_org(plan=plan, status=status, currency="JPY")
    if (plan, status) == ("Pro", "Canceled"):
        async with http.get(URL, headers=org.auth) as response:  # Trial is below Starter
            await expect_error(response, 402, "plan_tier_required",
                               extra=frozenset({"required", "current", "trialing"}))
        return
    body = await _get(http, org)
    assert (body["homeCurrency"], body["canChange"]) == ("JPY", can_change)


async def test_put_changes_once_and_is_idempotent(http: aiohttp.ClientSession, org: Org) -> None:
    changed = await _put(http, org, "EUR")
    assert set(changed) == {"homeCurrency", "changed", "changedAt"}
    assert (changed["homeCurrency"], changed["changed"]) == ("EUR", True)
    at = datetime.fromisoformat(changed["changedAt"])
    assert at.tzinfo is not None
    got = await _get(http, org)
    assert (got["homeCurrency"], got["changedAt"]) == ("EUR", changed["changedAt"])

    again = await _put(http, org, "EUR")
    assert again == {"homeCurrency": "EUR", "changed": False, "changedAt": changed["changedAt"]}
    assert (await _get(http, org))["changedAt"] == changed["changedAt"]


async def test_put_same_value_on_a_fresh_org_keeps_changed_at_null(
        http: aiohttp.ClientSession, org: Org) -> None:
    assert await _put(http, org, "USD") == {"homeCurrency": "USD", "changed": False,
                                            "changedAt": None}
    assert (await audit_page(http, org, action=ACTION))["total"] == 0


async def test_each_change_is_audited_and_announced_once(http: aiohttp.ClientSession,
                                                         org: Org) -> None:
    events = await EventRecorder.start(keys=(ACTION,))  # not org.settings_changed
    try:
        for currency in ("EUR", "EUR", "JPY"):  # the repeat writes nothing
            await _put(http, org, currency)
        page = await audit_page(http, org, action=ACTION)
        assert page["total"] == 2, page  # written in the change's transaction: no wait
        to_jpy, to_eur = page["items"]
        assert (to_eur["entityType"], to_eur["entityId"], to_eur["actorType"]) == (
            "org", org.org_id, "api_key")
        assert json.loads(to_eur["before"]) == {"homeCurrency": "USD"}
        assert json.loads(to_eur["after"]) == {"homeCurrency": "EUR"}
        assert json.loads(to_jpy["before"]) == {"homeCurrency": "EUR"}
        assert json.loads(to_jpy["after"]) == {"homeCurrency": "JPY"}

        received = await events.wait_for(org, 2)
        bodies = sorted((d.body for d in received), key=lambda b: b["createdAt"])
        assert [d.routing_key for d in received] == [ACTION, ACTION]
        assert [b["data"]["homeCurrency"] for b in bodies] == ["EUR", "JPY"]
        assert [b["data"]["previousHomeCurrency"] for b in bodies] == ["USD", "EUR"]
    finally:
        await events.stop()


@pytest.mark.parametrize("value", ["XYZ", "eur", "BGN", "", "EURO"])
async def test_put_refuses_currencies_off_the_allowlist(http: aiohttp.ClientSession, org: Org,
                                                        value: str) -> None:
    async with http.put(URL, json={"homeCurrency": value}, headers=org.auth) as response:
        body = await expect_error(response, 400, "unsupported_currency", "homeCurrency")
    assert "EUR" in body["message"]
    assert (await _get(http, org))["homeCurrency"] == "USD"


@pytest.mark.parametrize(("body", "code", "field"), [
    ({}, "validation_failed", "homeCurrency"),
    ({"homeCurrency": 978}, "validation_failed", "homeCurrency"),
    ({"homeCurrency": None}, "validation_failed", "homeCurrency"),
    ({"homeCurrency": "EUR", "extra": 1}, "validation_failed", "extra"),
])
async def test_put_refuses_malformed_bodies(http: aiohttp.ClientSession, org: Org,
                                            body: dict[str, Any], code: str, field: str) -> None:
    async with http.put(URL, json=body, headers=org.auth) as response:
        await expect_error(response, 400, code, field)
    async with http.put(URL, data=b"{not json", headers={
            **org.auth, "Content-Type": "application/json"}) as response:
        await expect_error(response, 400, "invalid_json")
    assert (await _get(http, org))["homeCurrency"] == "USD"


@pytest.mark.parametrize("plan", ["Starter", "Growth"])
async def test_put_needs_pro(http: aiohttp.ClientSession, plan: str) -> None:
    org = await new_org(plan=plan, status="Active")
    async with http.put(URL, json={"homeCurrency": "EUR"}, headers=org.auth) as response:
        body = await expect_error(response, 402, "plan_tier_required",
                                  extra=frozenset({"required", "current", "trialing"}))
    assert (body["required"], body["current"]) == ("Pro", plan)
    assert (await _get(http, org))["homeCurrency"] == "USD"
    assert await _audit_rows(org) == 0  # the audit-log API itself needs Pro


async def test_read_key_can_get_but_not_put(http: aiohttp.ClientSession, org: Org) -> None:
    key = await new_key(org, "read")
    async with http.get(URL, headers=key) as response:
        assert response.status == 200
    async with http.put(URL, json={"homeCurrency": "EUR"}, headers=key) as response:
        await expect_error(response, 403, "insufficient_scope")
    async with http.put(URL, json={"homeCurrency": "EUR"}) as response:
        assert response.status == 401
    assert (await _get(http, org))["homeCurrency"] == "USD"


async def test_one_orgs_change_leaves_another_alone(http: aiohttp.ClientSession, org: Org,
                                                   other_org: Org) -> None:
    await _put(http, org, "GBP")
    assert (await _get(http, other_org))["homeCurrency"] == "USD"
    assert (await _get(http, other_org))["changedAt"] is None
    assert (await audit_page(http, other_org, action=ACTION))["total"] == 0
    await _put(http, other_org, "KRW")
    assert (await _get(http, org))["homeCurrency"] == "GBP"


async def test_openapi_documents_both_methods(http: aiohttp.ClientSession) -> None:
    async with http.get("/openapi.json") as response:
        document = await response.json()
    assert set(document["paths"][URL]) >= {"get", "put"}
