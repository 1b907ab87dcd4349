"""No input reaches a 5xx (issue 18): for every route, NUL, lone surrogates, huge and negative
numbers and non-ASCII go into its path params, query params and the S2S signature header;
the answer is never a 5xx, and a 4xx is the error envelope with its code's status (or the
empty object a route declares for a status, where the reference shows one).

Requests come from 127.0.0.3, so the per-address counters the other tests share are left
alone (a 429 here is a 4xx like any other). Paths and queries are percent-encoded by hand
(lone surrogates as the bytes ``surrogatepass`` gives), so exactly those bytes arrive."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yarl import URL

from services.gateway.domain.roles import Auth
from services.gateway.domain.signatures import HEADER
from services.gateway.entrypoints.http.errors import STATUS
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.entrypoints.http.routes import ROUTES
from tests.common.api import ENVELOPE_KEYS
from tests.common.orgs import Org, new_org
from tests.common.stack import Stack

SOURCE_ADDRESS = "127.0.0.3"
EXAMPLES_PER_ROUTE = 15
# Keys an envelope may carry beyond error/message/field (402's plan details, 429's wait).
EXTRA_KEYS = frozenset({"required", "current", "trialing", "retryAfter"})
# Keys only one error code may add: an unknown insight module lists the modules there are.
EXTRA_KEYS_BY_CODE = {"insight_module_not_found": frozenset({"modules"})}

NASTY = st.sampled_from([
    "\x00", "a\x00b", "\ud800", "a\udfffb", "é", "ß", "\U0001d7d8", "²", "١٢", "", " ", "%", "%00",
    "-1", "0", "-0", "1e309", "NaN", "Infinity", "9223372036854775807", "9223372036854775808",
    "-9223372036854775809", "99999999999999999999999999999999", "0x10", "1_000", "true",
    "../..", "a" * 5000, "é" * 600, "00000000-0000-0000-0000-000000000000",
])
NUMBERS = st.integers(min_value=-(2**80), max_value=2**80).map(str)
SURROGATES = st.integers(0xD800, 0xDFFF).map(chr)
TEXT = st.text(st.one_of(st.characters(), SURROGATES), max_size=12)
VALUE = st.one_of(NASTY, NUMBERS, TEXT, st.builds("{}\x00{}".format, TEXT, TEXT))
# What an HTTP client can put in a header (no CR, LF, NUL or surrogates): printable text,
# non-ASCII included. Undecodable header bytes: tests/e2e/test_edge_hardening.py.
HEADER_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=80)
SIGNATURE = st.one_of(
    HEADER_TEXT,
    st.builds(lambda t, sig: f"t={t},sig={sig}", st.one_of(NUMBERS, HEADER_TEXT), HEADER_TEXT),
    st.builds(lambda sig: f"t={int(time.time())},sig={sig}", HEADER_TEXT))


def _encoded(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def _query_names(route: Route) -> list[str]:
    if route.query is None:
        return []
    return [info.alias or name for name, info in route.query.model_fields.items()]


@st.composite
def requests_for(draw: st.DrawFn, route: Route) -> tuple[str, dict[str, str]]:
    path = re.sub(r"{\w+}", lambda _: _encoded(draw(VALUE)) or "x", route.path)
    known = _query_names(route)
    names = draw(st.lists(st.sampled_from(known), min_size=1, max_size=3, unique=True)
                 ) if known else []
    names += draw(st.lists(TEXT, max_size=1))  # an unknown (maybe nasty) name too
    query = "&".join(f"{_encoded(name)}={_encoded(draw(VALUE))}" for name in names)
    headers = {HEADER: draw(SIGNATURE)} if draw(st.booleans()) else {}
    return path + (f"?{query}" if query else ""), headers


@pytest.fixture(scope="module")
async def org(stack: Stack) -> Org:
    """One org for the module: its import quota runs out here, nobody else's."""
    return await new_org(plan="Pro", status="Active")


@pytest.fixture(scope="module")
async def prober(stack: Stack) -> Any:
    connector = aiohttp.TCPConnector(local_addr=(SOURCE_ADDRESS, 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        yield session


async def _answer_is_not_a_server_error(response: aiohttp.ClientResponse, route: Route
                                        ) -> None:
    assert response.status < 500, (response.status, await response.text())
    if response.status < 400:
        return
    if route.auth in (Auth.JWT_ONLY, Auth.AFFILIATE_JWT) and response.status == 403:
        assert await response.read() == b""  # the reference's 403 for the wrong caller
        return
    body = await response.json(content_type=None)
    assert response.content_type == "application/json"
    if body == {} and response.status in route.bare_errors:
        return  # the reference's empty object (the embedded dashboard's unknown token)
    allowed = ENVELOPE_KEYS | EXTRA_KEYS | EXTRA_KEYS_BY_CODE.get(body.get("error"), frozenset())
    assert ENVELOPE_KEYS <= set(body) <= allowed, body
    assert STATUS[body["error"]] == response.status, body
    assert isinstance(body["message"], str) and body["message"], body


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
@settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_no_input_reaches_a_5xx(stack: Stack, prober: aiohttp.ClientSession, org: Org,
                                      route: Route, data: st.DataObject) -> None:
    target, headers = data.draw(requests_for(route), label="request")
    async with prober.request(
            route.method, URL(stack.base_url + target, encoded=True),
            data=b"{}" if route.mutating else None,
            headers={**org.auth, **headers, "Content-Type": "application/json"},
            allow_redirects=False) as response:
        await _answer_is_not_a_server_error(response, route)
