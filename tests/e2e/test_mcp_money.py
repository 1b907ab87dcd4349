"""The money tools of the MCP server (conversions, payouts, dashboard, insights, audit log),
driven by the SDK's client against the running gateway and compared with what REST answers
for the same thing."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp
from mcp.client.session import ClientSession

from tests.common.conversion_imports import brand, conv, previewed, stored
from tests.common.mcp_client import answer, audited_by_mcp, mcp_key, mcp_session
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org
from tests.common.payouts_api import approved_sale, payout_call, period, preview
from tests.common.s2s import seller
from tests.common.stack import Stack
from tests.common.waiting import eventually


async def _rest(http: aiohttp.ClientSession, org: Org, path: str, **params: Any) -> Any:
    async with http.get(path, params=params, headers=org.auth) as response:
        body = await response.json()
        assert response.status == 200, body
    return body


async def _tool(session: ClientSession, name: str, arguments: dict[str, Any]) -> Any:
    result = await session.call_tool(name, arguments)
    assert not result.is_error, answer(result)
    return answer(result)


async def _refused(session: ClientSession, name: str, arguments: dict[str, Any]
                   ) -> dict[str, Any]:
    result = await session.call_tool(name, arguments)
    assert result.is_error, answer(result)
    envelope: dict[str, Any] = answer(result)
    return envelope


async def _same_as_rest(session: ClientSession, http: aiohttp.ClientSession, org: Org,
                        tool: str, arguments: dict[str, Any], path: str,
                        **params: Any) -> Any:
    """The tool's answer once it equals REST's (metrics are rollups that events keep up to
    date: both are read again until they agree)."""
    seen: list[tuple[Any, Any]] = []

    async def agree() -> Any:
        rest = await _rest(http, org, path, **params)
        mine = await _tool(session, tool, arguments)
        seen.append((mine, rest))
        return mine if mine == rest else None

    try:
        return await eventually(agree, timeout=5, what=f"{tool} as REST")
    except AssertionError:
        raise AssertionError(f"{tool}: {seen[-1][0]!r} != REST {seen[-1][1]!r}") from None


async def test_conversion_dashboard_and_insight_tools_answer_as_rest(
        http: aiohttp.ClientSession, stack: Stack, issuer: TestIssuer) -> None:
    s = await seller(http)
    sales = [await approved_sale(http, s, amountCents=a) for a in (10000, 2550)]
    org = s.org
    key = (await mcp_key(http, issuer, org, scope="read"))["key"]
    async with mcp_session(stack.base_url, key) as session:
        listed = await _same_as_rest(session, http, org, "list_conversions", {},
                                     "/api/v1/conversions")
        assert {c["id"] for c in listed["items"]} == {c["id"] for c in sales}
        await _same_as_rest(session, http, org, "list_conversions",
                            {"status": "Approved", "take": 1}, "/api/v1/conversions",
                            status="Approved", take="1")
        got = await _tool(session, "get_conversion", {"id": sales[0]["id"]})
        assert got == await _rest(http, org, f"/api/v1/conversions/{sales[0]['id']}")
        other = str(uuid.uuid4())
        missing = await _refused(session, "get_conversion", {"id": other})
        async with http.get(f"/api/v1/conversions/{other}", headers=org.auth) as response:
            assert (response.status, await response.json()) == (404, missing)

        summary = await _same_as_rest(session, http, org, "get_dashboard_summary", {},
                                      "/api/v1/dashboard/summary")
        assert summary["totalConversions"] == 2
        await _same_as_rest(session, http, org, "get_timeseries", {"metric": "conversions"},
                            "/api/v1/dashboard/timeseries", metric="conversions")
        await _same_as_rest(session, http, org, "get_leaderboard",
                            {"metric": "earnings", "limit": 5},
                            "/api/v1/dashboard/leaderboard", metric="earnings", limit="5")
        await _same_as_rest(session, http, org, "get_insight", {"module": "overview"},
                            "/api/v1/dashboard/insights/overview")
        await _same_as_rest(session, http, org, "get_insight",
                            {"module": "utm", "dimension": "medium",
                             "programId": s.program["id"]},
                            "/api/v1/dashboard/insights/utm", dimension="medium",
                            programId=s.program["id"])
        unknown = await _refused(session, "get_insight", {"module": "horoscope"})
        assert unknown["error"] == "insight_module_not_found"
        assert "overview" in unknown["modules"]
        csv = await _refused(session, "get_insight", {"module": "overview", "format": "csv"})
        assert (csv["error"], csv["field"]) == ("validation_failed", "format")
        tools = {t.name: t for t in (await session.list_tools()).tools}
        assert "format" not in tools["get_insight"].input_schema["properties"]


async def test_conversion_import_tools_preview_and_import_as_rest(
        http: aiohttp.ClientSession, stack: Stack, issuer: TestIssuer) -> None:
    b = await brand(http)
    rows = [conv(b, 1), conv(b, 2, paid=True), conv(b, 3, affiliateEmail=None,
                                                     affiliateSlug=b.sam_slug)]
    key = (await mcp_key(http, issuer, b.org))["key"]
    arguments = {"programId": b.program["id"], "conversions": rows}
    async with mcp_session(stack.base_url, key) as session:
        shown = await _tool(session, "preview_conversion_import", arguments)
        assert shown == await previewed(http, b, rows)
        assert shown["wouldImport"] == 3
        job = await _tool(session, "import_conversions", arguments)
        assert (job["imported"], job["skipped"]) == (3, 0)
        invalid = await _refused(session, "import_conversions", {
            "programId": b.program["id"], "conversions": [conv(b, 4, currency="XXX")]})
        assert invalid["error"] == "invalid_rows"
        # The import's own limit (6 calls a minute per key) counts tool calls too: within 13
        # calls (two fixed windows at most) one is refused.
        for _ in range(13):
            result = await session.call_tool("preview_conversion_import", arguments)
            if result.is_error:
                break
        assert answer(result)["error"] == "rate_limited"
    assert len(await stored(b.org)) == 3
    listed = await _rest(http, b.org, "/api/v1/conversions", programId=b.program["id"])
    assert sorted(c["amountCents"] for c in listed["items"]) == [10000] * 3
    # A second preview through REST sees them imported.
    again = await previewed(http, b, rows)
    assert (again["wouldImport"], again["skipReasons"]) == (0, {"already_imported": 3})


async def test_payout_tools_preview_run_once_per_key_and_read(
        http: aiohttp.ClientSession, stack: Stack, issuer: TestIssuer) -> None:
    s = await seller(http)
    made = await approved_sale(http, s)
    due = made["commissionCents"]
    key = (await mcp_key(http, issuer, s.org))["key"]
    run_key = str(uuid.uuid4())
    async with mcp_session(stack.base_url, key) as session:
        assert await _tool(session, "preview_payouts", period()) == await preview(http, s.org)

        no_key = await _refused(session, "run_payouts", period(confirmTotalCents=due))
        assert (no_key["error"], no_key["field"]) == ("validation_failed", "idempotencyKey")
        bad_key = await _refused(session, "run_payouts", period(
            confirmTotalCents=due, idempotencyKey="with space"))
        assert (bad_key["error"], bad_key["field"]) == ("validation_failed", "idempotencyKey")
        no_total = await _refused(session, "run_payouts", period(idempotencyKey=run_key))
        status, rest_no_total = await payout_call(http, s.org, "/run", period())
        assert status == 400
        assert (no_total["error"], no_total["field"]) == (rest_no_total["error"],
                                                          rest_no_total["field"])

        # A refusal is kept under its key: replayed as first answered (then, due was due).
        wrong_key = str(uuid.uuid4())
        wrong = period(confirmTotalCents=due + 1, idempotencyKey=wrong_key)
        mismatch = await _refused(session, "run_payouts", wrong)
        assert (mismatch["error"], mismatch["currentTotalCents"]) == (
            "payout_total_mismatch", due)

        paid = await _tool(session, "run_payouts", period(confirmTotalCents=due,
                                                          idempotencyKey=run_key))
        [payout] = paid
        assert (payout["amountCents"], payout["status"]) == (due, "Paid")
        replay = await _tool(session, "run_payouts", period(confirmTotalCents=due,
                                                            idempotencyKey=run_key))
        assert replay == paid
        reused = await _refused(session, "run_payouts", period(
            confirmTotalCents=due, notes="other", idempotencyKey=run_key))
        assert reused["error"] == "idempotency_key_reused"
        assert await _refused(session, "run_payouts", wrong) == mismatch

        listed = await _same_as_rest(session, http, s.org, "list_payouts", {},
                                     "/api/v1/payouts")
        assert [p["id"] for p in listed["items"]] == [payout["id"]]
        got = await _tool(session, "get_payout", {"id": payout["id"]})
        assert got == await _rest(http, s.org, f"/api/v1/payouts/{payout['id']}") == payout

        await audited_by_mcp(http, s.org, "payouts.run")
        await _same_as_rest(session, http, s.org, "list_audit_log", {"action": "payouts.run"},
                            "/api/v1/audit-log", action="payouts.run")

    read_key = (await mcp_key(http, issuer, s.org, scope="read"))["key"]
    async with mcp_session(stack.base_url, read_key) as session:
        names = {t.name for t in (await session.list_tools()).tools}
        assert {"list_payouts", "get_payout"} <= names
        assert not names & {"run_payouts", "preview_payouts"}
        refused = await _refused(session, "run_payouts", period(
            confirmTotalCents=0, idempotencyKey=str(uuid.uuid4())))
        assert refused["error"] == "insufficient_scope"
