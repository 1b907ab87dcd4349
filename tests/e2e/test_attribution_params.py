"""Attribution-param settings over HTTP (ENDPOINTS.md rows 61-63)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from libs.contracts.attribution import DEFAULT_PARAMS
from tests.common.api import audit_page, expect_error
from tests.common.orgs import Org
from tests.common.waiting import eventually

URL = "/api/v1/settings/attribution-params"


async def _get(http: aiohttp.ClientSession, org: Org) -> dict[str, Any]:
    async with http.get(URL, headers=org.auth) as response:
        body = await response.json()
        assert response.status == 200, body
    assert isinstance(body, dict)
    return body


async def _patch(http: aiohttp.ClientSession, org: Org, custom: Any) -> aiohttp.ClientResponse:
    return await http.patch(URL, json={"custom": custom}, headers=org.auth)


async def test_defaults_are_public_and_complete(http: aiohttp.ClientSession) -> None:
    async with http.get(f"{URL}/defaults") as response:
        body = await response.json()
        assert response.status == 200, body
    assert body == {"defaults": list(DEFAULT_PARAMS), "maxCustomEntries": 10,
                    "maxTotalChars": 256, "minParamLength": 2, "maxParamLength": 32}
    assert len(body["defaults"]) == 16 and body["defaults"][0] == "via"


async def test_unconfigured_org_gets_defaults_order(http: aiohttp.ClientSession,
                                                    org: Org) -> None:
    body = await _get(http, org)
    assert body == {"custom": None, "defaults": list(DEFAULT_PARAMS),
                    "effectiveOrder": list(DEFAULT_PARAMS), "maxCustomEntries": 10,
                    "maxTotalChars": 256}


async def test_patch_sets_custom_first_and_dedupes(http: aiohttp.ClientSession,
                                                   org: Org) -> None:
    async with await _patch(http, org, "myparam,brand_ref,via") as response:
        assert response.status == 200
        patched = await response.json()
    assert patched["custom"] == "myparam,brand_ref,via"
    assert patched["effectiveOrder"] == ["myparam", "brand_ref", *DEFAULT_PARAMS]
    assert await _get(http, org) == patched


async def test_patch_is_audited_with_before_and_after(http: aiohttp.ClientSession,
                                                      org: Org) -> None:
    for value in ("alpha,beta", "alpha,beta", None):  # the repeat is a no-op
        async with await _patch(http, org, value) as response:
            assert response.status == 200

    async def rows() -> list[dict[str, Any]] | None:
        page = await audit_page(http, org, action="org.attribution_params_changed")
        assert page["total"] <= 2, page
        return page["items"] if page["total"] == 2 else None

    cleared, first = await eventually(rows, what="two attribution audit rows")
    assert first["entityType"] == "org" and first["entityId"] == org.org_id
    assert json.loads(first["before"]) == {"custom": None}
    assert json.loads(first["after"]) == {"custom": "alpha,beta"}
    assert json.loads(cleared["before"]) == {"custom": "alpha,beta"}
    assert json.loads(cleared["after"]) == {"custom": None}
    assert (await _get(http, org))["custom"] is None


@pytest.mark.parametrize(("custom", "code"), [
    ("a" * 257, "attribution_params_too_long"),
    (",".join(f"p{i:02d}" for i in range(11)), "too_many_attribution_params"),
])
async def test_patch_refuses_oversized_lists(http: aiohttp.ClientSession, org: Org,
                                             custom: str, code: str) -> None:
    async with await _patch(http, org, custom) as response:
        await expect_error(response, 400, code, "custom")
    assert (await _get(http, org))["custom"] is None


async def test_patch_lists_invalid_entries(http: aiohttp.ClientSession, org: Org) -> None:
    async with await _patch(http, org, "good_one,Bad,x,<script>") as response:
        body = await expect_error(response, 400, "invalid_attribution_param", "custom",
                                  extra=frozenset({"invalid"}))
    assert body["invalid"] == ["Bad", "x", "<script>"]
    assert (await _get(http, org))["custom"] is None


async def test_patch_refuses_non_string(http: aiohttp.ClientSession, org: Org) -> None:
    async with await _patch(http, org, ["via"]) as response:
        await expect_error(response, 400, "validation_failed", "custom")


async def test_settings_are_per_org(http: aiohttp.ClientSession, org: Org,
                                    other_org: Org) -> None:
    async with await _patch(http, org, "mine") as response:
        assert response.status == 200
    assert (await _get(http, other_org))["custom"] is None


async def test_read_key_cannot_patch(http: aiohttp.ClientSession, org: Org) -> None:
    from tests.common.orgs import new_key
    key = await new_key(org, "read")
    async with http.patch(URL, json={"custom": "abc"}, headers=key) as response:
        await expect_error(response, 403, "insufficient_scope")
