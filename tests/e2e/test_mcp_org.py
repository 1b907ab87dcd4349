"""The MCP org tools (webhooks, settings, organization, billing, embed tokens, leads and the
install assistant) through the SDK's client, each against what REST answers (issue 24)."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp
from mcp.client.session import ClientSession

from tests.common.api import create_program
from tests.common.embed_api import ORIGIN, TOKENS, read
from tests.common.mcp_client import answer, audited_by_mcp, mcp_key, mcp_session
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org, new_org
from tests.common.provider_events import connect_stripe
from tests.common.s2s import CONVERSIONS, get_conversion, seller
from tests.common.stack import Stack
from tests.common.waiting import eventually
from tests.common.webhooks_api import WEBHOOKS, call
from tests.common.webhooks_receiver import receiver

ORG_TOOLS = ["list_webhook_endpoints", "create_webhook_endpoint", "list_webhook_deliveries",
             "get_tracking_settings", "get_organization", "get_billing_state",
             "create_embed_token", "record_lead", "recommend_install"]


async def tool(session: ClientSession, name: str, /, **arguments: Any) -> Any:
    result = await session.call_tool(name, arguments)
    assert not result.is_error, answer(result)
    return answer(result)


async def refused(session: ClientSession, name: str, /, **arguments: Any) -> dict[str, Any]:
    result = await session.call_tool(name, arguments)
    assert result.is_error, answer(result)
    envelope: dict[str, Any] = answer(result)
    return envelope


async def test_reads_answer_what_rest_answers(http: aiohttp.ClientSession, stack: Stack,
                                              issuer: TestIssuer, org: Org) -> None:
    key = (await mcp_key(http, issuer, org))["key"]
    async with receiver() as rx, mcp_session(stack.base_url, key) as session:
        listed = [t.name for t in (await session.list_tools()).tools]
        assert [n for n in listed if n in ORG_TOOLS] == ORG_TOOLS
        made = await tool(session, "create_webhook_endpoint", url=rx.url("/hook"),
                          events=["webhook.test"], description="via MCP")
        assert made["secret"].startswith("whsec_")
        rest = await call(http, "GET", f"{WEBHOOKS}/{made['id']}", org)
        assert rest == {k: v for k, v in made.items() if k != "secret"}
        assert await tool(session, "list_webhook_endpoints") == await call(
            http, "GET", WEBHOOKS, org)
        await call(http, "POST", f"{WEBHOOKS}/{made['id']}/test", org, expect=202)
        deliveries = f"{WEBHOOKS}/{made['id']}/deliveries"

        async def delivered() -> dict[str, Any] | None:
            page: dict[str, Any] = await call(http, "GET", deliveries, org)
            return page if [d["status"] for d in page["items"]] == ["Succeeded"] else None

        rest_deliveries = await eventually(delivered, what="the test delivery")
        assert await tool(session, "list_webhook_deliveries", id=made["id"]) == rest_deliveries
        assert await tool(session, "list_webhook_deliveries", id=made["id"],
                          status="Failed") == await call(http, "GET", deliveries + "?status="
                                                         "Failed", org)
        unknown = await refused(session, "list_webhook_deliveries", id=str(uuid.uuid4()))
        assert unknown["error"] == "webhook_not_found"
        for name, path in (("get_tracking_settings", "/api/v1/settings/tracking"),
                           ("get_organization", "/api/organizations/me"),
                           ("get_billing_state", "/api/billing/state")):
            assert await tool(session, name) == await call(http, "GET", path, org), name

    await audited_by_mcp(http, org, "webhook.created", made["id"])


async def test_embed_token_minted_and_gated(http: aiohttp.ClientSession, stack: Stack,
                                            issuer: TestIssuer) -> None:
    pro = await seller(http, await new_org(plan="Pro"))
    key = (await mcp_key(http, issuer, pro.org))["key"]
    async with mcp_session(stack.base_url, key) as session:
        minted = await tool(session, "create_embed_token", affiliateId=pro.affiliate["id"],
                            allowedOrigins=ORIGIN)
    status, body, _ = await read(http, minted["token"])
    assert status == 200, body
    starter = await seller(http, await new_org(plan="Starter"))
    sent = {"affiliateId": starter.affiliate["id"], "allowedOrigins": ORIGIN}
    async with http.post(TOKENS, json=sent, headers=starter.org.auth) as response:
        assert response.status == 402
        rest = await response.json()
    key = (await mcp_key(http, issuer, starter.org))["key"]
    async with mcp_session(stack.base_url, key) as session:
        envelope = await refused(session, "create_embed_token", **sent)
    assert envelope == rest
    assert (envelope["error"], envelope["required"], envelope["current"]) == (
        "plan_tier_required", "Growth", "Starter")


async def test_record_lead_books_a_lead_reward(http: aiohttp.ClientSession, stack: Stack,
                                               issuer: TestIssuer) -> None:
    s = await seller(http, await new_org(currency="EUR"))
    other_program = await create_program(http, s.org)
    email = f"lead-{uuid.uuid4().hex[:8]}@example.com"
    async with mcp_session(stack.base_url, (await mcp_key(http, issuer, s.org))["key"]) as session:
        wrong = await refused(session, "record_lead", affiliateSlug=s.slug, email=email,
                              campaignId=other_program["id"])
        assert (wrong["error"], wrong["field"]) == ("validation_failed", "campaignId"), wrong
        made = await tool(session, "record_lead", affiliateSlug=s.slug, email=email,
                          name="Jane Doe", campaignId=s.program["id"])
        assert set(made) == {"ok", "conversionId"}, made
        again = await tool(session, "record_lead", affiliateSlug=s.slug, email=email)
        assert again == {"ok": True, "deduped": True, "conversionId": made["conversionId"]}
    got = await get_conversion(http, s.org, made["conversionId"])
    assert (got["type"], got["amountCents"], got["currency"]) == ("LeadReward", 0, "EUR")
    listed = await call(http, "GET", CONVERSIONS, s.org)
    assert [(c["id"], c["type"]) for c in listed["items"]] == [
        (made["conversionId"], "LeadReward")]
    reader = (await mcp_key(http, issuer, s.org, scope="read"))["key"]
    async with mcp_session(stack.base_url, reader) as session:
        assert "record_lead" not in {t.name for t in (await session.list_tools()).tools}
        denied = await refused(session, "record_lead", affiliateSlug=s.slug, email=email)
    assert denied["error"] == "insufficient_scope"


async def test_recommend_install_follows_stripe(http: aiohttp.ClientSession, stack: Stack,
                                                issuer: TestIssuer) -> None:
    s = await seller(http, await new_org(plan="Growth"))
    snippet = await call(http, "GET", "/api/v1/r/install-snippet", s.org)
    async with mcp_session(stack.base_url, (await mcp_key(http, issuer, s.org, "read"))["key"]
                           ) as session:
        before = await tool(session, "recommend_install")
        assert set(before) == {"recommended", "reason", "steps", "snippet", "alternatives"}
        assert (before["recommended"], before["snippet"]) == ("pixel", snippet["snippet"])
        paths = {a["path"]: a for a in before["alternatives"]}
        assert set(paths) == {"stripe", "paddle", "coupon", "s2s"}
        assert "/api/tracking/s2s" in paths["s2s"]["snippet"]
        assert "/api/v1/integrations/stripe" in paths["stripe"]["snippet"]
        assert any("landingUrl" in step for step in before["steps"])  # none is set yet
        await connect_stripe(http, s.org)
        after = await tool(session, "recommend_install")
    assert after["recommended"] == "stripe"
    assert "client_reference_id" in after["snippet"]
    assert "stripe" not in {a["path"] for a in after["alternatives"]}
    billing = await call(http, "GET", "/api/billing/state", s.org)
    assert billing["stripeConnectLinked"] is True
