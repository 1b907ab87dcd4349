"""Inputs that used to crash a request (issue 18): each is a 4xx with the error envelope now,
and most never reach a service. Paths are sent percent-encoded, exactly as written here."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest
from yarl import URL

from services.gateway.domain.signatures import HEADER
from tests.common.api import AUDIT_LOG, ENVELOPE_KEYS, PROGRAMS, expect_error, list_all
from tests.common.orgs import Org
from tests.common.s2s import signed_headers
from tests.common.stack import Stack

S2S = "/api/tracking/s2s"


def _url(stack: Stack, path_and_query: str) -> URL:
    """The URL as written: yarl must not re-encode (or refuse) the escapes."""
    return URL(stack.base_url + path_and_query, encoded=True)


@pytest.mark.parametrize(("path", "field"), [
    ("/r/%00", "slug"),
    ("/api/p/by-handle/%00", "handle"),
    ("/api/p/by-handle/a/b%00", "campaign"),
    ("/api/p/by-domain?host=%00", "host"),
    ("/api/p/by-domain?host=a.com&x=%00", "x"),
])
async def test_nul_without_a_key_is_400_naming_the_field(
        stack: Stack, http: aiohttp.ClientSession, path: str, field: str) -> None:
    async with http.get(_url(stack, path)) as response:
        await expect_error(response, 400, "validation_failed", field)


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/affiliates?q=%00", "q"),
    ("/api/v1/affiliates/applications?q=%00", "q"),
    (f"{AUDIT_LOG}?action=%00", "action"),
    (f"{AUDIT_LOG}?entityType=a%00", "entityType"),
    (f"{AUDIT_LOG}?page=9223372036854775807", "page"),
    (f"{AUDIT_LOG}?page=-9223372036854775809", "page"),
    (f"{AUDIT_LOG}?pageSize=99999999999999999999", "pageSize"),
    ("/api/v1/programs?take=9223372036854775808", "take"),
])
async def test_nul_and_huge_numbers_with_a_key_are_400_naming_the_field(
        stack: Stack, http: aiohttp.ClientSession, org: Org, path: str, field: str) -> None:
    async with http.get(_url(stack, path), headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", field)


async def test_non_ascii_file_signature_is_refused(stack: Stack,
                                                   http: aiohttp.ClientSession) -> None:
    async with http.get(_url(stack, "/api/p/files/YWJj?exp=1&sig=%C3%A9")) as response:
        await expect_error(response, 400, "validation_failed", "sig")


@pytest.mark.parametrize("signature", ["sig=é", "sig=" + "é" * 64, "sig=" + "a" * 63,
                                       "sig=" + "A" * 63 + "²"])
async def test_malformed_s2s_signature_is_401(http: aiohttp.ClientSession, org: Org,
                                              signature: str) -> None:
    headers = {**org.auth, HEADER: f"t={int(time.time())},{signature}"}
    async with http.post(S2S, data=b'{"externalEventId":"e1"}', headers={
            **headers, "Content-Type": "application/json"}) as response:
        await expect_error(response, 401, "invalid_signature", HEADER)


async def test_superscript_timestamp_is_401(http: aiohttp.ClientSession, org: Org) -> None:
    headers = {**org.auth, HEADER: "t=²,sig=" + "a" * 64, "Content-Type": "application/json"}
    async with http.post(S2S, data=b"{}", headers=headers) as response:
        await expect_error(response, 401, "invalid_signature", HEADER)


async def _raw_request(stack: Stack, head: bytes) -> tuple[int, bytes, bytes]:
    """Send ``head`` as is (bytes no client library would send) and read the answer."""
    url = URL(stack.base_url)
    reader, writer = await asyncio.open_connection(url.host, url.port)
    try:
        writer.write(head)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    headers, _, body = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize("header", [b"User-Agent: a\xffb", b"X-Request-Id: \xc3\x28",
                                    b"X-Rekomi-Signature: t=1,sig=\xe9"])
async def test_undecodable_header_bytes_are_400_naming_the_header(stack: Stack,
                                                                  header: bytes) -> None:
    name = header.partition(b":")[0].decode()
    status, headers, body = await _raw_request(
        stack, b"GET /api/p/by-handle/nobody HTTP/1.1\r\nHost: x\r\n" + header
        + b"\r\nConnection: close\r\n\r\n")
    assert status == 400, body
    assert b'"error":"validation_failed"' in body
    assert f'"field":"{name}"'.encode().lower() in body.lower()
    assert b"\r\nX-Request-Id: 0" in headers  # a fresh ULID, never the caller's bytes


# ---- JSON bodies -------------------------------------------------------------------------------
PROGRAM = b'{"name":"P","defaultCommissionType":"Percentage","defaultCommissionValue":20}'


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "application/octet-stream"])
async def test_a_body_not_labelled_json_is_415(http: aiohttp.ClientSession, org: Org,
                                               content_type: str | None) -> None:
    headers = dict(org.auth) if content_type is None else {**org.auth,
                                                           "Content-Type": content_type}
    async with http.post(PROGRAMS, data=PROGRAM, headers=headers) as response:
        body = await expect_error(response, 415, "unsupported_media_type")
    assert "application/json" in body["message"]
    assert await list_all(http, org) == []


async def test_a_signed_sale_not_labelled_json_is_415(http: aiohttp.ClientSession,
                                                      org: Org) -> None:
    raw = b'{"externalEventId":"e1","amount":100,"currency":"USD"}'
    headers = {**signed_headers(org, raw), "Content-Type": "text/plain"}
    async with http.post(S2S, data=raw, headers=headers) as response:
        await expect_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("raw", [
    b'{"name":"P","name":"Q","defaultCommissionType":"Percentage","defaultCommissionValue":20}',
    b'{"name":"P","defaultCommissionType":"Percentage","defaultCommissionValue":20,'
    b'"defaultCommissionValue" : 90}',
])
async def test_a_repeated_key_is_invalid_json(http: aiohttp.ClientSession, org: Org,
                                              raw: bytes) -> None:
    async with http.post(PROGRAMS, data=raw, headers={
            **org.auth, "Content-Type": "application/json"}) as response:
        await expect_error(response, 400, "invalid_json")
    assert await list_all(http, org) == []


async def test_a_json_body_with_a_charset_is_taken(http: aiohttp.ClientSession,
                                                   org: Org) -> None:
    async with http.post(PROGRAMS, data=PROGRAM, headers={
            **org.auth, "Content-Type": "application/json; charset=utf-8"}) as response:
        assert response.status == 201, await response.text()


# ---- oversized headers -------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["X-Big", "User-Agent", "Authorization"])
async def test_a_10_kb_header_is_431_without_echoing_it(http: aiohttp.ClientSession,
                                                        name: str) -> None:
    value = "secretish" + "a" * 10_000
    async with http.get(PROGRAMS, headers={name: value}) as response:
        body = await expect_error(response, 431, "header_too_large", name)
        assert "secretish" not in await response.text()
    assert body["message"] == f"header {name} is longer than 8190 bytes"


# What aiohttp's own parser refuses: it used to answer a plain-text 400 quoting the line.
MARKER = b"probe-marker"
_GET = b"GET /api/v1/programs HTTP/1.1\r\nHost: x\r\n"
_PARSER_REFUSALS = {
    "40 KiB header": (_GET + b"X-Big: " + MARKER * 3500 + b"\r\n\r\n", 431, "header_too_large"),
    "40 KiB header name": (_GET + MARKER * 3500 + b": v\r\n\r\n", 431, "header_too_large"),
    "200 headers": (_GET + b"".join(b"X-H%d: %s\r\n" % (i, MARKER) for i in range(200))
                    + b"\r\n", 431, "header_too_large"),
    "20 KiB request line": (b"GET /" + MARKER * 1700 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414,
                            "uri_too_long"),
    "garbage request line": (MARKER + b"\x7f /" + MARKER + b" HTTP/1.1\r\n\r\n", 400,
                             "bad_request"),
    "bad HTTP version": (b"GET /" + MARKER + b" HTTP/" + MARKER + b"\r\n\r\n", 400,
                         "bad_request"),
    "control byte in a header": (_GET + b"X-A: " + MARKER + b"\x01\r\n\r\n", 400,
                                 "bad_request"),
    "bad chunk size": (b"POST /api/v1/programs HTTP/1.1\r\nHost: x\r\n"
                       b"Transfer-Encoding: chunked\r\n\r\n" + MARKER + b"\r\n", 400,
                       "bad_request"),
}


@pytest.mark.parametrize(("probe", "status", "code"), list(_PARSER_REFUSALS.values()),
                         ids=list(_PARSER_REFUSALS))
async def test_what_the_http_parser_refuses_gets_the_envelope_without_echoing_it(
        stack: Stack, probe: bytes, status: int, code: str) -> None:
    answered, headers, body = await _raw_request(stack, probe)
    assert answered == status, body
    assert b"\r\nContent-Type: application/json\r\n" in b"\r\n" + headers + b"\r\n", headers
    envelope = json.loads(body)
    assert set(envelope) == ENVELOPE_KEYS and envelope["error"] == code, envelope
    assert envelope["field"] is None
    assert MARKER not in headers + body
    assert b"\r\nX-Request-Id: 0" in headers  # a fresh ULID, as every answer carries


async def test_a_long_caller_request_id_is_replaced(http: aiohttp.ClientSession,
                                                    org: Org) -> None:
    async with http.get(PROGRAMS, headers={**org.auth, "X-Request-Id": "r" * 201}) as response:
        assert response.status == 200
        assert response.headers["X-Request-Id"] != "r" * 201


@pytest.mark.parametrize("depth", [64, 300, 1023])
async def test_deep_nesting_is_invalid_json(http: aiohttp.ClientSession, org: Org,
                                            depth: int) -> None:
    # An `Any` field (an imported row's amountCents) once carried it to the bus codec,
    # which refuses to write past 254 levels: a 500.
    rows = b'{"rows":[{"amountCents":' + b"[" * depth + b"]" * depth + b"}]}"
    async with http.post("/api/v1/conversions/import/preview", data=rows, headers={
            **org.auth, "Content-Type": "application/json"}) as response:
        await expect_error(response, 400, "invalid_json")
