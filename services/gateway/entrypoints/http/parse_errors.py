"""What aiohttp's own HTTP parser refuses (a line too long, too many headers, a malformed
request line or chunk) answered with our error envelope.

aiohttp answers these before any middleware runs, with a plain-text 400 quoting up to 100 bytes
of the offending line, and offers no hook for them (aio-libs/aiohttp#3287). So the gateway's
connections use a RequestHandler whose ``handle_error`` answers with the envelope instead."""

from __future__ import annotations

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, HttpProcessingError, LineTooLong
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from libs.shared.ids import new_ulid
from libs.shared.logging import request_id_var
from services.gateway.entrypoints.http.errors import envelope_response
from services.gateway.entrypoints.http.parsing import HEADER_LIMIT

# The only thing that tells this refusal apart (both parsers raise a bare BadHttpMessage).
TOO_MANY_HEADERS = "Too many headers received"


def refusal(exc: BaseException | None, status: int, line_limit: int) -> tuple[str, str]:
    """The envelope's code and message; neither ever holds the client's bytes. A line too long
    is the request line when the limit it broke is the line limit (parsing.PARSER_LINE_LIMIT,
    unlike the field limit), else a header."""
    if isinstance(exc, LineTooLong):
        if exc.args[1] == line_limit:
            return "uri_too_long", f"request line is longer than {line_limit} bytes"
        return "header_too_large", f"a header is longer than {HEADER_LIMIT} bytes"
    if isinstance(exc, BadHttpMessage) and exc.message == TOO_MANY_HEADERS:
        return "header_too_large", "too many headers"
    if isinstance(exc, HttpProcessingError):
        return "bad_request", "malformed HTTP request"
    # What escaped the application (our middleware catches nearly all of it).
    if status == 504:
        return "upstream_timeout", "request timed out"
    return "internal_error", "internal error"


class EnvelopeRequestHandler(RequestHandler):
    __slots__ = ()

    def handle_error(self, request: BaseRequest, status: int = 500,
                     exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        # A refused request never met the middleware: it gets its id here, for the answer and
        # the log line (each request runs in a task of its own, so the id is its alone).
        request_id = request_id_var.get() or new_ulid()
        request_id_var.set(request_id)
        # aiohttp's own answer is dropped; calling it keeps its logging, and its refusal to
        # answer once a response has begun.
        super().handle_error(request, status, exc, message)
        response = envelope_response(*refusal(exc, status, self.max_line_size))
        response.headers["X-Request-Id"] = request_id
        response.force_close()
        return response


class EnvelopeServer(web.Server):
    def __call__(self) -> RequestHandler:
        return EnvelopeRequestHandler(self, loop=self._loop, **self._kwargs)


class EnvelopeAppRunner(web.AppRunner):
    """An AppRunner whose connections answer parser refusals with the envelope."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # The Application builds a plain Server; making it ours keeps every argument it got.
        server.__class__ = EnvelopeServer
        return server
