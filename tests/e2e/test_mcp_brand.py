"""The brand tools of the MCP server (programs, affiliates, coupon codes, invites, the install
snippet), driven by the SDK's client against the running gateway: a read answers exactly what
its REST GET answers, a write shows through REST and is audited as ``mcp``, a bad argument or
another org's id is a tool error carrying the REST envelope (issue 24)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from mcp.client.session import ClientSession

from services.gateway.mcp.tools_brand import BRAND_TOOLS
from tests.common.affiliate_imports import all_affiliates, rows
from tests.common.affiliates_api import AFFILIATES, APPLICATIONS, create_affiliate
from tests.common.api import PROGRAMS, create_program
from tests.common.invites_api import INVITES
from tests.common.invites_api import email as new_email
from tests.common.mcp_client import answer, audited_by_mcp, mcp_key, mcp_session
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org, new_org
from tests.common.stack import Stack

SNIPPET = "/api/v1/r/install-snippet"


@dataclass(frozen=True)
class Brand:
    org: Org
    key: str  # an rk_mcp_ read_write key of org
    program_id: str
    other: Org  # another org, for tenant isolation
    others_affiliate: str


@pytest.fixture(scope="module")
async def brand(stack: Stack, issuer: TestIssuer) -> Brand:
    org, other = await new_org(plan="Pro"), await new_org(plan="Pro")
    async with aiohttp.ClientSession(base_url=stack.base_url) as http:
        key = (await mcp_key(http, issuer, org))["key"]
        program = await create_program(http, org)
        others = await create_affiliate(http, other, (await create_program(http, other))["id"])
    return Brand(org, key, program["id"], other, others["id"])


async def tool(session: ClientSession, name: str, /, **arguments: Any) -> Any:
    result = await session.call_tool(name, arguments)
    assert not result.is_error, (name, answer(result))
    return answer(result)


async def tool_error(session: ClientSession, name: str, /, **arguments: Any
                     ) -> dict[str, Any]:
    result = await session.call_tool(name, arguments)
    assert result.is_error, (name, answer(result))
    envelope: dict[str, Any] = answer(result)
    assert result.structured_content == envelope
    return envelope


async def rest(http: aiohttp.ClientSession, org: Org, method: str, path: str, *,
               body: Any = None, **params: str) -> tuple[int, Any]:
    async with http.request(method, path, json=body, params=params,
                            headers=org.auth) as response:
        return response.status, await response.json(content_type=None)


async def rest_get(http: aiohttp.ClientSession, org: Org, path: str, **params: str) -> Any:
    status, body = await rest(http, org, "GET", path, **params)
    assert status == 200, body
    return body


async def test_the_brand_tools_are_listed_with_their_schemas(brand: Brand, stack: Stack
                                                             ) -> None:
    async with mcp_session(stack.base_url, brand.key) as session:
        listed = {t.name: t for t in (await session.list_tools()).tools}
    for expected in BRAND_TOOLS:
        listed_tool = listed[expected.name]
        assert listed_tool.input_schema == expected.input_schema()
        assert listed_tool.description == expected.full_description
        assert listed_tool.annotations is not None
        assert listed_tool.annotations.read_only_hint is expected.read_only
    assert listed["get_affiliate"].input_schema["required"] == ["id"]
    assert set(listed["create_affiliate"].input_schema["required"]) == {"programId", "email"}


async def test_program_tools_match_rest(http: aiohttp.ClientSession, brand: Brand,
                                        stack: Stack) -> None:
    org = brand.org
    async with mcp_session(stack.base_url, brand.key) as session:
        made = await tool(session, "create_program", name=f"MCP {uuid.uuid4().hex[:8]}",
                          defaultCommissionType="Fixed", defaultCommissionValue=12.5)
        assert await rest_get(http, org, f"{PROGRAMS}/{made['id']}") == made
        changed = await tool(session, "update_program", id=made["id"], autoApprove=True,
                             cookieWindowDays=45)
        assert (changed["autoApprove"], changed["cookieWindowDays"]) == (True, 45)
        assert await rest_get(http, org, f"{PROGRAMS}/{made['id']}") == changed
        assert await tool(session, "get_program", id=made["id"]) == changed
        assert await tool(session, "list_programs") == await rest_get(http, org, PROGRAMS)
        assert await tool(session, "list_programs", take=1) == await rest_get(
            http, org, PROGRAMS, take="1")
        snippet = await tool(session, "get_install_snippet", programId=brand.program_id)
        assert snippet == await rest_get(http, org, SNIPPET, programId=brand.program_id)
        assert await tool(session, "get_install_snippet") == await rest_get(http, org, SNIPPET)
    await audited_by_mcp(http, org, "program.created", made["id"])
    await audited_by_mcp(http, org, "program.updated", made["id"])


async def test_affiliate_tools_match_rest(http: aiohttp.ClientSession, brand: Brand,
                                          stack: Stack) -> None:
    org, program = brand.org, brand.program_id
    async with mcp_session(stack.base_url, brand.key) as session:
        made = await tool(session, "create_affiliate", programId=program, email=new_email(),
                          fullName="Ada Via MCP")
        assert await rest_get(http, org, f"{AFFILIATES}/{made['id']}") == made
        assert await tool(session, "get_affiliate", id=made["id"]) == made
        changed = await tool(session, "update_affiliate", id=made["id"], tags=["vip"],
                             notes="met at a conference")
        assert (changed["tags"], changed["notes"]) == (["vip"], "met at a conference")
        assert await rest_get(http, org, f"{AFFILIATES}/{made['id']}") == changed

        pending = [await tool(session, "create_affiliate", programId=program,
                              email=new_email(), status="Pending") for _ in range(2)]
        assert await tool(session, "list_applications", programId=program) == await rest_get(
            http, org, APPLICATIONS, programId=program)
        for filters in ({"programId": program}, {"status": "Pending", "programId": program},
                        {"q": "ada via", "take": 1}):
            assert await tool(session, "list_affiliates", **filters) == await rest_get(
                http, org, AFFILIATES, **{k: str(v) for k, v in filters.items()})
        approved = await tool(session, "approve_affiliate", id=pending[0]["id"])
        rejected = await tool(session, "reject_affiliate", id=pending[1]["id"],
                              reason="not a fit")
        assert (approved["status"], rejected["status"]) == ("Approved", "Rejected")
        for shown in (approved, rejected):
            assert await rest_get(http, org, f"{AFFILIATES}/{shown['id']}") == shown
        paused = await tool(session, "bulk_affiliate_action", action="pause",
                            affiliateIds=[made["id"], approved["id"], brand.others_affiliate])
        assert paused == {"affected": 2, "total": 3, "action": "pause"}
    for affiliate_id in (made["id"], approved["id"]):
        assert (await rest_get(http, org, f"{AFFILIATES}/{affiliate_id}"))["status"] == "Paused"
    theirs = await rest_get(http, brand.other, f"{AFFILIATES}/{brand.others_affiliate}")
    assert theirs["status"] == "Approved"
    for entity, action in ((made["id"], "affiliate.created"), (made["id"], "affiliate.updated"),
                           (approved["id"], "affiliate.approved"),
                           (rejected["id"], "affiliate.rejected"),
                           (made["id"], "affiliate.paused")):
        await audited_by_mcp(http, org, action, entity)


async def test_coupon_code_import_and_invite_tools(http: aiohttp.ClientSession, brand: Brand,
                                                   stack: Stack, issuer: TestIssuer) -> None:
    org, program = brand.org, brand.program_id
    affiliate = await create_affiliate(http, org, program)
    code = f"MCP{uuid.uuid4().hex[:8].upper()}"
    roster = rows(2)
    async with mcp_session(stack.base_url, brand.key) as session:
        assigned = await tool(session, "assign_coupon_code", id=affiliate["id"], code=code)
        codes = f"{AFFILIATES}/{affiliate['id']}/coupon-codes"
        listed = await tool(session, "list_coupon_codes", id=affiliate["id"])
        assert listed == await rest_get(http, org, codes)
        assert [c["code"] for c in listed["items"]] == [code] and listed["items"][0] == assigned

        job = await tool(session, "import_affiliates", programId=program, affiliates=roster)
        assert (job["imported"], job["skipped"], job["errored"]) == (2, 0, 0)
        again = await tool(session, "import_affiliates", programId=program, affiliates=roster)
        assert (again["imported"], again["reasons"]) == (0, {"already_exists": 2})

        invited = await tool(session, "invite_affiliate", programId=program, email=new_email(),
                             fullName="Grace")
    emails = {a["email"] for a in await all_affiliates(http, org, program)}
    assert {r["email"] for r in roster} <= emails
    async with http.get(INVITES, params={"programId": program},
                        headers=issuer.operator_auth(org.org_id, "Owner")) as response:
        invites = await response.json()
        assert response.status == 200, invites
    assert invited["invite"] in invites["items"]
    await audited_by_mcp(http, org, "coupon_code.assigned", assigned["id"])
    await audited_by_mcp(http, org, "affiliates.imported", job["jobId"])
    await audited_by_mcp(http, org, "invite.created", invited["invite"]["id"])


async def test_the_import_limit_counts_tool_calls(http: aiohttp.ClientSession, brand: Brand,
                                                  stack: Stack, issuer: TestIssuer) -> None:
    """The import route's own per-key limit (6 a minute in this stack) holds for the tool."""
    key = (await mcp_key(http, issuer, brand.org))["key"]
    async with mcp_session(stack.base_url, key) as session:
        for _ in range(6):
            await tool(session, "import_affiliates", programId=brand.program_id, affiliates=[])
        refused = await tool_error(session, "import_affiliates", programId=brand.program_id,
                                   affiliates=[])
    assert refused["error"] == "rate_limited" and refused["retryAfter"] > 0, refused


async def test_bad_arguments_are_the_rest_envelopes(http: aiohttp.ClientSession, brand: Brand,
                                                    stack: Stack) -> None:
    org, program = brand.org, brand.program_id
    wrong_type = {"programId": program, "email": 12}
    bad_terms = {"cookieWindowDays": "forty"}
    async with mcp_session(stack.base_url, brand.key) as session:
        not_an_id = await tool_error(session, "get_affiliate", id="not-a-uuid")
        bad_email = await tool_error(session, "create_affiliate", **wrong_type)
        bad_patch = await tool_error(session, "update_program", id=program, **bad_terms)
        bad_code = await tool_error(session, "assign_coupon_code",
                                    id=brand.others_affiliate, code="no spaces")
        unknown = await tool_error(session, "list_affiliates", programme=program)
    assert (not_an_id["error"], bad_email["field"], bad_patch["field"]) == (
        "not_found", "email", "cookieWindowDays")
    assert bad_email["error"] == bad_patch["error"] == "validation_failed"
    assert [not_an_id, bad_email, bad_patch, bad_code] == [
        (await rest(http, org, "GET", f"{AFFILIATES}/not-a-uuid"))[1],
        (await rest(http, org, "POST", AFFILIATES, body=wrong_type))[1],
        (await rest(http, org, "PATCH", f"{PROGRAMS}/{program}", body=bad_terms))[1],
        (await rest(http, org, "POST", f"{AFFILIATES}/{brand.others_affiliate}/coupon-codes",
                    body={"code": "no spaces"}))[1]]
    assert (unknown["error"], unknown["field"]) == ("validation_failed", "programme")


async def test_another_orgs_affiliate_is_not_found(http: aiohttp.ClientSession, brand: Brand,
                                                   stack: Stack) -> None:
    theirs = brand.others_affiliate
    calls: list[tuple[str, dict[str, Any], str, str, Any]] = [
        ("get_affiliate", {}, "GET", "", None),
        ("update_affiliate", {"notes": "mine now"}, "PATCH", "", {"notes": "mine now"}),
        ("approve_affiliate", {}, "POST", "/approve", {}),
        ("reject_affiliate", {}, "POST", "/reject", {}),
        ("assign_coupon_code", {"code": "STOLEN1"}, "POST", "/coupon-codes",
         {"code": "STOLEN1"}),
        ("list_coupon_codes", {}, "GET", "/coupon-codes", None)]
    async with mcp_session(stack.base_url, brand.key) as session:
        for name, arguments, method, suffix, body in calls:
            refused = await tool_error(session, name, id=theirs, **arguments)
            status, envelope = await rest(http, brand.org, method,
                                          f"{AFFILIATES}/{theirs}{suffix}", body=body)
            assert (status, refused) == (404, envelope), name
            assert refused["error"] == "affiliate_not_found", (name, refused)
        hidden = await tool_error(session, "get_program",
                                  id=(await rest_get(http, brand.other, PROGRAMS))["items"][0]
                                  ["id"])
        assert hidden["error"] == "program_not_found"
    untouched = await rest_get(http, brand.other, f"{AFFILIATES}/{theirs}")
    assert (untouched["status"], untouched["notes"]) == ("Approved", None)
    assert (await rest_get(http, brand.other, f"{AFFILIATES}/{theirs}/coupon-codes"))[
        "items"] == []
