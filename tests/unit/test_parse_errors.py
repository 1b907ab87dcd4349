"""What aiohttp's HTTP parsers refuse, named by our envelope: fed to both parsers (the C one
the gateway uses and the pure-Python fallback) with the gateway's limits, so an aiohttp
upgrade that changes how a refusal looks fails here."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import http_parser
from aiohttp.http_exceptions import HttpProcessingError

from services.gateway.entrypoints.http.parse_errors import refusal
from services.gateway.entrypoints.http.parsing import PARSER_FIELD_LIMIT, PARSER_LINE_LIMIT

MARKER = b"probe-marker"
_GET = b"GET / HTTP/1.1\r\nHost: x\r\n"
PARSERS = [pytest.param(http_parser.HttpRequestParserPy, id="python")]
if http_parser.HttpRequestParserC is not None:
    PARSERS.append(pytest.param(http_parser.HttpRequestParserC, id="c"))


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize(("probe", "code"), [
    (_GET + b"X-Big: " + MARKER * 3500 + b"\r\n\r\n", "header_too_large"),
    (_GET + MARKER * 3500 + b": v\r\n\r\n", "header_too_large"),
    (_GET + b"".join(b"X-H%d: v\r\n" % i for i in range(200)) + b"\r\n", "header_too_large"),
    (b"GET /" + MARKER * 1700 + b" HTTP/1.1\r\n\r\n", "uri_too_long"),
    (MARKER + b"\x7f / HTTP/1.1\r\n\r\n", "bad_request"),
    (b"GET / HTTP/" + MARKER + b"\r\n\r\n", "bad_request"),
    (_GET + b"X-A: " + MARKER + b"\x01\r\n\r\n", "bad_request"),
])
async def test_a_parser_refusal_gets_its_code_and_a_message_without_the_probe(
        parser: type[http_parser.HttpRequestParserPy], probe: bytes, code: str) -> None:
    reader = parser(None, asyncio.get_running_loop(), 2**16,
                    max_line_size=PARSER_LINE_LIMIT, max_field_size=PARSER_FIELD_LIMIT)
    with pytest.raises(HttpProcessingError) as refused:
        reader.feed_data(probe)
    answered, message = refusal(refused.value, 400, PARSER_LINE_LIMIT)
    assert answered == code
    assert MARKER.decode() not in message


@pytest.mark.parametrize(("status", "code"), [(500, "internal_error"),
                                              (504, "upstream_timeout")])
def test_what_escaped_the_application_keeps_its_status(status: int, code: str) -> None:
    assert refusal(RuntimeError("from the handler"), status, PARSER_LINE_LIMIT)[0] == code
