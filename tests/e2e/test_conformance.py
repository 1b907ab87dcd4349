"""The API does what ``/openapi.json`` says: schemathesis generates requests for every operation
from the running gateway's own document and checks each answer.

For every operation and every generated request:
- no 5xx; the status code is documented; the content type is documented; the body matches the
  documented schema; a request that breaks the schema is refused (4xx); a method the path does
  not document is 405 with an ``Allow`` header listing exactly the documented methods;
- the same request is sent again with the ids of real resources of org A (a program, an
  affiliate, a webhook endpoint, an invite, its token, the org's handle) put in the path, the
  query and the body, so id routes are exercised on existing rows, not only on random ids;
- that request is then sent with org B's key: another org's ids are 404 (or a 400/413/415 for a
  body refused before any lookup; a 403 on the routes that take no API key), never 2xx, 409,
  410 or 5xx.

Deterministic: Hypothesis is derandomized from a fixed seed, and each operation gets a bounded
number of examples, so a run takes about a minute and never draws a new failure on its own.
The requests come from 127.0.0.2 through a gateway of their own with high anonymous limits,
so the per-address counters the other tests share are left alone.

Not fuzzed here, covered by hand:
- ``POST /api/tracking/s2s`` and ``/api/tracking/lead``: their body is HMAC-signed over the raw
  bytes and the route declares no body model (the view parses the signed bytes itself), so
  there is nothing for a generator to fill and sign. ``tests/e2e/test_s2s.py`` covers the
  401s (missing, wrong, stale signature; the key in either header), 400s of the body, 402
  without a subscription, 404 slugs, dedupe; ``test_s2s_lifecycle.py`` refunds and isolation.
- Sequences (an archived program's sub-resources are 404, a deleted webhook is gone):
  schemathesis' stateful phase is off to keep the run short; ``test_sub_affiliates_api.py`` and
  ``test_webhooks_api.py`` check them.
- That a schema-valid request is accepted (``positive_data_acceptance``): some rules are not
  expressible in the schema (an opaque cursor that decodes, "1 to 50 recipients or emails", a
  webhook URL that resolves to a public address), so valid-by-schema can still be a 400.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from requests.adapters import HTTPAdapter
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from libs.shared import jsonutil
from libs.shared.settings import Settings
from services.gateway.entrypoints.http.openapi import build_openapi
from services.gateway.entrypoints.http.routes import ROUTES
from tests.common.orgs import Org, new_org
from tests.common.stack import Stack, extra_gateways

SEED = 20260517
MAX_EXAMPLES = 5
SOURCE_ADDRESS = "127.0.0.2"
PORT_OFFSET = 61  # an extra gateway beside the session stack's (the exports' tests: 57, 59)
UNLIMITED = "1000000"
NOT_FUZZED = r"^/api/tracking/(s2s|lead)$"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection, unsupported_method,
          allow_header_conformance]
# A case keeps its generation metadata when real ids replace generated ones, so the checks that
# judge the request as generated (negative data, unexpected methods) are not run on it again.
REAL_ID_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
                  response_schema_conformance]
# Another org's id: not found, or refused before any lookup (body shape, size, media type,
# rate).
OTHER_ORG_STATUSES = frozenset({400, 404, 413, 415, 429})


class _FromAddress(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (SOURCE_ADDRESS, 0)
        super().init_poolmanager(*args, **kwargs)


@dataclass
class Seeded:
    """Org A's real resources, by the names the document gives their ids, and org B."""

    a: Org
    b: Org
    ids: dict[str, str] = field(default_factory=dict)
    # Operations that destroy what they name get a resource of their own.
    victims: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        http.mount("http://", _FromAddress())
        yield http


@pytest.fixture(scope="module")
def base_url(stack: Stack, session: requests.Session) -> Iterator[str]:
    env = {f"REKOMI_{name}_RATE_LIMIT_PER_MINUTE": UNLIMITED
           for name in ("ANONYMOUS", "STRICT_WRITE", "IMPORT")}
    with extra_gateways([Settings().gateway_port + PORT_OFFSET],
                        {**env, "REKOMI_RATE_LIMIT_PER_MINUTE": UNLIMITED}) as [base]:
        _wait_ready(session, base)
        yield base


def _wait_ready(session: requests.Session, base: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if session.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base} not ready within {timeout}s")


def _create(session: requests.Session, base: str, org: Org, path: str, body: dict[str, Any]
            ) -> dict[str, Any]:
    response = session.post(f"{base}{path}", json=body, headers=org.auth, timeout=10)
    assert response.status_code in (200, 201), response.text
    created: dict[str, Any] = response.json()
    return created


def _program(session: requests.Session, base: str, org: Org) -> str:
    return str(_create(session, base, org, "/api/v1/programs", {
        "name": f"Program {uuid.uuid4().hex[:8]}", "defaultCommissionType": "Percentage",
        "defaultCommissionValue": 20})["id"])


def _webhook(session: requests.Session, base: str, org: Org) -> str:
    return str(_create(session, base, org, "/api/v1/webhooks",
                       {"url": "http://127.0.0.1:9/hook", "events": ["*"]})["id"])


def _invite(session: requests.Session, base: str, org: Org, program_id: str) -> dict[str, Any]:
    return _create(session, base, org, "/api/affiliate-invites", {
        "programId": program_id, "email": f"inv-{uuid.uuid4().hex[:10]}@example.com"})


@pytest.fixture(scope="module")
def seeded(base_url: str, session: requests.Session) -> Seeded:
    a, b = asyncio.run(new_org()), asyncio.run(new_org())  # a sync fixture: no loop runs here
    program = _program(session, base_url, a)
    affiliate = _create(session, base_url, a, "/api/v1/affiliates", {
        "programId": program, "email": f"aff-{uuid.uuid4().hex[:10]}@example.com"})["id"]
    invite = _invite(session, base_url, a, program)
    _program(session, base_url, b)  # org B is not empty: its own rows must not show either
    return Seeded(a, b, ids={
        "programId": program, "affiliateId": str(affiliate), "handle": a.handle,
        "/api/v1/programs/": program, "/api/v1/affiliates/": str(affiliate),
        "/api/v1/webhooks/": _webhook(session, base_url, a),
        "/api/affiliate-invites/": str(invite["invite"]["id"]),
        "/api/affiliate-invites/by-token/": invite["acceptUrl"].rsplit("/", 1)[1],
    }, victims={
        "/api/v1/programs/": _program(session, base_url, a),
        "/api/v1/webhooks/": _webhook(session, base_url, a),
        "/api/affiliate-invites/": str(_invite(session, base_url, a, program)["invite"]["id"]),
    })


CONFIG = schemathesis.Config.from_dict({
    "seed": SEED, "max-redirects": 0,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
    "phases": {"examples": {"enabled": False}, "stateful": {"enabled": False}},
})
# The document the gateway serves, built in-process so pytest can collect one test per
# operation before the stack starts; test_the_fuzzed_document_is_the_served_one ties the two.
DOCUMENT = build_openapi(ROUTES)
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG).exclude(path_regex=NOT_FUZZED)


def test_the_fuzzed_document_is_the_served_one(base_url: str,
                                               session: requests.Session) -> None:
    served = session.get(f"{base_url}/openapi.json", timeout=10)
    assert served.status_code == 200
    assert served.json() == json.loads(jsonutil.dumps(DOCUMENT))


@schema.parametrize()
def test_every_operation_answers_as_documented(case: Any, base_url: str,
                                               session: requests.Session,
                                               seeded: Seeded) -> None:
    response = case.call(base_url=base_url, session=session, headers=seeded.a.auth)
    case.validate_response(response, checks=CHECKS)
    if case.method.upper() != case.operation.method.upper():
        return  # an undocumented method, answered 405 above whatever the ids
    real, names_one = _with_real_ids(case, seeded)
    if real is None:
        return
    response = real.call(base_url=base_url, session=session, headers=seeded.a.auth)
    real.validate_response(response, checks=REAL_ID_CHECKS)
    if case.operation.definition.raw.get("security") == [] or response.status_code == 401:
        return  # public, or a case that drops the key on purpose: no org in the call
    other = real.derive().call(base_url=base_url, session=session, headers=seeded.b.auth)
    seen = f"{real.method} {real.formatted_path} with org B's key: {other.status_code} " \
           f"{other.text[:300]}"
    assert other.status_code < 500, seen
    assert not any(value in other.text for value in seeded.ids.values()), seen
    if names_one:  # a filter (?programId=) may answer an empty page; a named resource may not
        assert other.status_code in _other_org_statuses(case), seen


def _other_org_statuses(case: Any) -> frozenset[int]:
    """A dashboard-only or affiliate-portal route refuses any API key (403, empty) before a
    lookup, org B's as org A's: its isolation is tested with tokens by hand
    (test_invites_lifecycle.py, test_me_portal.py)."""
    if {"apiKey": []} in case.operation.definition.raw.get("security", []):
        return OTHER_ORG_STATUSES
    return OTHER_ORG_STATUSES | {403}


def _with_real_ids(case: Any, seeded: Seeded) -> tuple[Any | None, bool]:
    """The case with org A's ids wherever the request names one (None when it names none),
    and whether it names one in its path or body (rather than only in a query filter)."""
    prefix = max((p for p in seeded.ids if p.startswith("/") and case.path.startswith(p)),
                 key=len, default=None)
    victims = seeded.victims if case.method.upper() == "DELETE" else {}
    real = case.derive()
    changed: set[str] = set()
    if prefix is not None and case.path_parameters:
        name = case.path[len(prefix):].strip("{").split("}")[0]
        if name in case.path_parameters:
            real.path_parameters = {**case.path_parameters,
                                    name: victims.get(prefix, seeded.ids[prefix])}
            changed.add("path_parameters")
    for part in ("path_parameters", "query", "body"):
        value = getattr(real, part)
        if isinstance(value, dict):
            named = {k: seeded.ids[k] for k in value if k in seeded.ids and not k.startswith("/")}
            if named:
                setattr(real, part, {**value, **named})
                changed.add(part)
    if not changed:
        return None, False
    return real, bool(changed - {"query"})
