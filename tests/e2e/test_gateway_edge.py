"""The gateway's edge over HTTP: authentication, scopes, plan gates, routing, headers, ops."""

from __future__ import annotations

import io
import json
import re
import secrets
import string
import uuid

import aiohttp
import pytest

from services.gateway.entrypoints.http.routes import ROUTES
from tests.common.api import AUDIT_LOG, PROGRAMS, create_program, expect_error, program_body
from tests.common.orgs import Org, new_org
from tests.common.stack import rekomi, rekomi_json

PLAN_EXTRA = frozenset({"required", "current", "trialing"})


def _random_key() -> str:
    alphabet = string.ascii_letters + string.digits
    return "rk_live_" + "".join(secrets.choice(alphabet) for _ in range(32))


# ---- authentication --------------------------------------------------------------------------
@pytest.mark.parametrize("header", [
    None,
    "",
    "Bearer",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    "Token rk_live_" + "a" * 32,
    "Bearer rk_live_short",
    "Bearer rk_test_" + "a" * 32,
    "Bearer rk_live_" + "a" * 31 + "!",
    "Bearer rk_live_" + "a" * 33,
])
async def test_missing_or_malformed_credentials_are_401(http: aiohttp.ClientSession,
                                                        header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    async with http.get(PROGRAMS, headers=headers) as response:
        await expect_error(response, 401, "unauthorized")


async def test_unknown_well_formed_key_is_401(http: aiohttp.ClientSession) -> None:
    for method in ("GET", "POST"):
        async with http.request(method, PROGRAMS, json=program_body(),
                                headers={"Authorization": f"Bearer {_random_key()}"}
                                ) as response:
            await expect_error(response, 401, "unauthorized")


async def test_bearer_scheme_is_case_insensitive(http: aiohttp.ClientSession,
                                                        org: Org) -> None:
    async with http.get(PROGRAMS, headers={"Authorization": f"bearer {org.api_key}"}
                        ) as response:
        assert response.status == 200


async def test_revocation_takes_effect_at_once(http: aiohttp.ClientSession, org: Org) -> None:
    key = rekomi_json("admin", "create-key", "--org", org.org_id, "--scope", "read_write")
    auth = {"Authorization": f"Bearer {key['apiKey']}"}
    # Use the key first so the gateway has it cached.
    for _ in range(2):
        async with http.get(PROGRAMS, headers=auth) as response:
            assert response.status == 200
    rekomi("admin", "revoke-key", "--key", key["keyId"])
    async with http.get(PROGRAMS, headers=auth) as response:
        await expect_error(response, 401, "unauthorized")
    async with http.post(PROGRAMS, json=program_body(), headers=auth) as response:
        await expect_error(response, 401, "unauthorized")
    # The org's other key is unaffected.
    async with http.get(PROGRAMS, headers=org.auth) as response:
        assert response.status == 200


# ---- scopes ----------------------------------------------------------------------------------
async def test_read_scope_reads_but_cannot_write(http: aiohttp.ClientSession, org: Org) -> None:
    program = await create_program(http, org)
    key = rekomi_json("admin", "create-key", "--org", org.org_id, "--scope", "read")
    read = {"Authorization": f"Bearer {key['apiKey']}"}
    url = f"{PROGRAMS}/{program['id']}"
    async with http.get(PROGRAMS, headers=read) as response:
        assert response.status == 200
        assert [p["id"] for p in (await response.json())["items"]] == [program["id"]]
    async with http.get(url, headers=read) as response:
        assert response.status == 200
    async with http.get(AUDIT_LOG, headers=read) as response:
        assert response.status == 200
    async with http.post(PROGRAMS, json=program_body(), headers=read) as response:
        await expect_error(response, 403, "insufficient_scope")
    async with http.patch(url, json={"name": "nope"}, headers=read) as response:
        await expect_error(response, 403, "insufficient_scope")
    async with http.delete(url, headers=read) as response:
        await expect_error(response, 403, "insufficient_scope")
    async with http.get(url, headers=org.auth) as response:
        assert await response.json() == program
    async with http.get(PROGRAMS, headers=org.auth) as response:
        assert len((await response.json())["items"]) == 1


# ---- plan gates ------------------------------------------------------------------------------
async def _expect_plan_denied(response: aiohttp.ClientResponse, required: str, current: str,
                              trialing: bool) -> None:
    body = await expect_error(response, 402, "plan_tier_required", extra=PLAN_EXTRA)
    assert (body["required"], body["current"], body["trialing"]) == (required, current,
                                                                      trialing)


@pytest.mark.parametrize(("plan", "status", "current", "trialing"), [
    ("Trial", "Active", "Trial", False),
    ("Trial", "Trialing", "Trial", True),
    ("Pro", "None", "Trial", False),
    ("Pro", "Canceled", "Trial", False),
    ("Starter", "Canceled", "Trial", False),
])
async def test_programs_need_starter(http: aiohttp.ClientSession, plan: str, status: str,
                                     current: str, trialing: bool) -> None:
    org = await new_org(plan=plan, status=status)
    async with http.get(PROGRAMS, headers=org.auth) as response:
        await _expect_plan_denied(response, "Starter", current, trialing)
    async with http.post(PROGRAMS, json=program_body(), headers=org.auth) as response:
        await _expect_plan_denied(response, "Starter", current, trialing)
    async with http.get(f"{PROGRAMS}/{uuid.uuid4()}", headers=org.auth) as response:
        await _expect_plan_denied(response, "Starter", current, trialing)
    async with http.get(AUDIT_LOG, headers=org.auth) as response:
        await _expect_plan_denied(response, "Pro", current, trialing)


@pytest.mark.parametrize(("plan", "status"), [
    ("Starter", "Trialing"), ("Starter", "Active"), ("Starter", "PastDue"), ("Growth", "Active"),
])
async def test_starter_and_up_use_programs_but_not_the_audit_log(
        http: aiohttp.ClientSession, plan: str, status: str) -> None:
    org = await new_org(plan=plan, status=status)
    await create_program(http, org)
    async with http.get(PROGRAMS, headers=org.auth) as response:
        assert response.status == 200
    async with http.get(AUDIT_LOG, headers=org.auth) as response:
        await _expect_plan_denied(response, "Pro", plan, status == "Trialing")


@pytest.mark.parametrize("status", ["Active", "Trialing", "PastDue"])
async def test_pro_reads_the_audit_log(http: aiohttp.ClientSession, status: str) -> None:
    org = await new_org(plan="Pro", status=status)
    async with http.get(AUDIT_LOG, headers=org.auth) as response:
        assert response.status == 200


async def test_set_plan_takes_effect_at_once(http: aiohttp.ClientSession) -> None:
    org = await new_org(plan="Trial", status="Active")
    async with http.get(PROGRAMS, headers=org.auth) as response:
        await _expect_plan_denied(response, "Starter", "Trial", False)
    rekomi("admin", "set-plan", "--org", org.org_id, "--plan", "Starter", "--status", "Active")
    async with http.get(PROGRAMS, headers=org.auth) as response:
        assert response.status == 200
    async with http.get(AUDIT_LOG, headers=org.auth) as response:
        await _expect_plan_denied(response, "Pro", "Starter", False)
    rekomi("admin", "set-plan", "--org", org.org_id, "--plan", "Pro", "--status", "Active")
    async with http.get(AUDIT_LOG, headers=org.auth) as response:
        assert response.status == 200
    rekomi("admin", "set-plan", "--org", org.org_id, "--plan", "Pro", "--status", "Canceled")
    async with http.get(PROGRAMS, headers=org.auth) as response:
        await _expect_plan_denied(response, "Starter", "Trial", False)


# ---- routing ---------------------------------------------------------------------------------
# A fixed id in parameters: pytest-xdist workers must collect the same test ids.
UNKNOWN_ID = "0d6f3a9e-27c4-4b1e-9a58-c3e1f7b2d604"


@pytest.mark.parametrize("path", ["/nope", "/api/v1/programz", "/api/v1/programs/", "/api/v2/x",
                                  f"{PROGRAMS}/{UNKNOWN_ID}/extra"])
async def test_unknown_route_is_404_envelope(http: aiohttp.ClientSession, org: Org,
                                             path: str) -> None:
    async with http.get(path, headers=org.auth) as response:
        await expect_error(response, 404, "route_not_found")
    async with http.get(path) as response:
        await expect_error(response, 404, "route_not_found")


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("PUT", PROGRAMS, {"GET", "HEAD", "POST"}),
    ("DELETE", PROGRAMS, {"GET", "HEAD", "POST"}),
    ("POST", f"{PROGRAMS}/{UNKNOWN_ID}", {"GET", "HEAD", "PATCH", "DELETE"}),
    ("POST", AUDIT_LOG, {"GET", "HEAD"}),
    # A fixed path is not an id of its templated sibling (/affiliates/{id} takes PATCH).
    ("PATCH", "/api/v1/affiliates/applications", {"GET", "HEAD"}),
    ("GET", "/api/v1/conversions/import", {"POST"}),
])
async def test_wrong_method_is_405_envelope(http: aiohttp.ClientSession, org: Org, method: str,
                                            path: str, allowed: set[str]) -> None:
    async with http.request(method, path, headers=org.auth) as response:
        await expect_error(response, 405, "method_not_allowed")
        assert set(re.split(r",\s*", response.headers["Allow"])) == allowed


async def test_oversized_body_is_413_envelope(http: aiohttp.ClientSession, org: Org) -> None:
    raw = json.dumps(program_body(description="x" * (5 * 1024 * 1024))).encode()
    async with http.post(PROGRAMS, data=io.BytesIO(raw), headers={
            **org.auth, "Content-Type": "application/json"}) as response:
        await expect_error(response, 413, "payload_too_large")
    async with http.get(PROGRAMS, headers=org.auth) as response:
        assert (await response.json())["items"] == []


# ---- headers ---------------------------------------------------------------------------------
def _remaining(response: aiohttp.ClientResponse) -> int:
    value = response.headers.get("X-RateLimit-Remaining")
    assert value is not None, (response.status, dict(response.headers))
    return int(value)


async def test_rate_limit_remaining_on_success_and_errors(http: aiohttp.ClientSession,
                                                          org: Org) -> None:
    seen: list[int] = []
    async with http.get(PROGRAMS, headers=org.auth) as response:
        assert response.status == 200
        seen.append(_remaining(response))
    async with http.post(PROGRAMS, json=program_body(), headers=org.auth) as response:
        assert response.status == 201
        seen.append(_remaining(response))
    async with http.get(PROGRAMS, params={"take": "0"}, headers=org.auth) as response:
        assert response.status == 400
        seen.append(_remaining(response))
    async with http.get(f"{PROGRAMS}/{uuid.uuid4()}", headers=org.auth) as response:
        assert response.status == 404
        seen.append(_remaining(response))
    async with http.post(PROGRAMS, data=b"{", headers={
            **org.auth, "Content-Type": "application/json"}) as response:
        assert response.status == 400
        seen.append(_remaining(response))
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen), seen
    # Unknown routes are limited per client address; the header is there too and decreases.
    anonymous: list[int] = []
    for _ in range(2):
        async with http.get("/no-such-route") as response:
            assert response.status == 404
            anonymous.append(_remaining(response))
    assert anonymous[1] < anonymous[0]


async def test_request_id_is_echoed_or_made_up(http: aiohttp.ClientSession, org: Org) -> None:
    sent = f"req-{uuid.uuid4().hex}"
    async with http.get(PROGRAMS, headers={**org.auth, "X-Request-Id": sent}) as response:
        assert response.status == 200
        assert response.headers["X-Request-Id"] == sent
    async with http.get("/nope", headers={"X-Request-Id": sent}) as response:
        assert response.headers["X-Request-Id"] == sent
    async with http.get(PROGRAMS, headers={"X-Request-Id": sent}) as response:
        assert response.status == 401
        assert response.headers["X-Request-Id"] == sent
    ids = set()
    for _ in range(2):
        async with http.get(PROGRAMS, headers=org.auth) as response:
            ids.add(response.headers["X-Request-Id"])
    assert len(ids) == 2 and all(ids)


# ---- OpenAPI and ops -------------------------------------------------------------------------
async def test_openapi_describes_every_route(http: aiohttp.ClientSession) -> None:
    async with http.get("/openapi.json") as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        doc = await response.json()
    assert doc["openapi"].startswith("3.")
    listed = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    assert listed == {(route.method, route.path) for route in ROUTES}
    schemas = doc["components"]["schemas"]
    bodies = {
        (method.upper(), path): op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        for path, ops in doc["paths"].items() for method, op in ops.items()
        if "requestBody" in op}
    assert bodies == {(route.method, route.path): f"#/components/schemas/{route.body.__name__}"
                      for route in ROUTES if route.body is not None}
    assert bodies[("POST", PROGRAMS)] == "#/components/schemas/ProgramCreate"
    assert bodies[("PATCH", f"{PROGRAMS}/{{id}}")] == "#/components/schemas/ProgramPatch"
    for ref in bodies.values():
        assert ref.rsplit("/", 1)[1] in schemas
    assert sorted(schemas["NetworkVisibility"]["enum"]) == ["InviteOnly", "Networked",
                                                           "Private"]
    for model in ("ProgramCreate", "ProgramPatch"):
        assert "networkVisibility" in schemas[model]["properties"]
    for route in ROUTES:
        op = doc["paths"][route.path][route.method.lower()]
        assert str(route.status) in op["responses"]
    for method in ("post", "patch"):
        description = doc["paths"][PROGRAMS if method == "post" else f"{PROGRAMS}/{{id}}"][
            method]["description"]
        assert "Public" in description and "networkVisibility" in description
        assert "400" in description


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_health_endpoints(http: aiohttp.ClientSession, path: str) -> None:
    async with http.get(path) as response:
        assert response.status == 200
        assert "X-RateLimit-Remaining" not in response.headers


def _programs_get_200(metrics: str) -> float:
    pattern = (r'^rekomi_http_requests_total\{(?=[^}]*route="/api/v1/programs")'
               r'(?=[^}]*method="GET")(?=[^}]*status="200")[^}]*\} (\S+)$')
    match = re.search(pattern, metrics, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def test_metrics_count_requests(http: aiohttp.ClientSession, org: Org) -> None:
    async with http.get("/metrics") as response:
        assert response.status == 200
        before = _programs_get_200(await response.text())
    for _ in range(3):
        async with http.get(PROGRAMS, headers=org.auth) as response:
            assert response.status == 200
    async with http.get("/metrics") as response:
        text = await response.text()
    assert "rekomi_http_requests_total" in text
    assert _programs_get_200(text) == before + 3


async def test_failed_authentication_is_rate_limited_per_address(
        http: aiohttp.ClientSession) -> None:
    remaining = []
    for _ in range(3):
        async with http.get(PROGRAMS, headers={"Authorization": "Bearer nope"}) as response:
            await expect_error(response, 401, "unauthorized")
            remaining.append(int(response.headers["X-RateLimit-Remaining"]))
    assert remaining[0] > remaining[1] > remaining[2]


async def test_head_is_a_read(http: aiohttp.ClientSession, org: Org) -> None:
    read_key = rekomi_json("admin", "create-key", "--org", org.org_id, "--scope", "read")
    headers = {"Authorization": f"Bearer {read_key['apiKey']}"}
    async with http.head(PROGRAMS, headers=headers) as response:
        assert response.status == 200
        assert await response.read() == b""
