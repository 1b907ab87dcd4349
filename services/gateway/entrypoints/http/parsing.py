"""Reading path ids, query strings and JSON bodies into validated data, or a 4xx."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from libs.shared import jsonutil
from libs.shared.errors import NotFound, RekomiError, ValidationFailed, pydantic_field
from services.gateway.domain.errors import (
    HeaderTooLarge,
    InvalidJson,
    PayloadTooLarge,
    UnsupportedMediaType,
)

# A header longer than this is refused with our envelope (431). The HTTP parser itself takes up
# to PARSER_FIELD_LIMIT (gateway/__main__.py), so the refusal happens here, not in aiohttp,
# whose plain-text 400 echoes the start of the header back; longer still, aiohttp answers.
HEADER_LIMIT = 8190
PARSER_FIELD_LIMIT = 32 * 1024
# The request line's limit (aiohttp's default); it must differ from the field limit, as that is
# how parse_errors.py tells a request line too long (414) from a header too long (431).
PARSER_LINE_LIMIT = 8190


def screen_headers(request: web.Request) -> None:
    for name, value in request.headers.items():
        if len(name) + len(value) > HEADER_LIMIT:
            shown = _shown(name)[:100]
            raise HeaderTooLarge(f"header {shown} is longer than {HEADER_LIMIT} bytes",
                                 field=shown)


def screen_text(request: web.Request) -> None:
    """Every text a view could read from the URL or the headers is text PostgreSQL and the
    JSON codec can carry: no NUL, and nothing the parser could not decode as UTF-8 (aiohttp
    keeps undecodable header bytes as lone surrogates). Checked once, before any service."""
    for where, items in (("path parameter", request.match_info.items()),
                         ("query parameter", request.query.items()),
                         ("header", request.headers.items())):
        for name, value in items:
            if not (_storable(name) and _storable(value)):
                shown = _shown(name)
                raise ValidationFailed(f"{where} {shown} holds a NUL character or text that "
                                       "is not UTF-8", field=shown)


def _storable(text: str) -> bool:
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:  # a lone surrogate
            return False
    return "\x00" not in text


def _shown(name: str) -> str:
    """A name safe to echo in the envelope (its own NUL or surrogates escaped)."""
    return name.encode("utf-8", "backslashreplace").decode().replace("\x00", "\\x00")


def path_id(request: web.Request, name: str) -> str:
    """A malformed id names no resource, so it is a 404 like any unknown id."""
    raw = request.match_info[name]
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise NotFound("not found") from None


def validation_error(exc: ValidationError) -> RekomiError:
    first = exc.errors()[0]
    return ValidationFailed(first["msg"], field=pydantic_field(first["loc"]))


# What a JSON message can carry as an integer (the bus codec writes 64 bits).
INT_RANGE = range(-(2**63), 2**63)


def parse_query(request: web.Request, model: type[BaseModel]) -> dict[str, Any]:
    return validate_query(model, dict(request.query))


def validate_query(model: type[BaseModel], given: dict[str, Any]) -> dict[str, Any]:
    """A query's fields validated, as the owner receives them (by alias, no Nones)."""
    try:
        parsed = model.model_validate(given)
    except ValidationError as exc:
        raise validation_error(exc) from None
    query = parsed.model_dump(by_alias=True, exclude_none=True)
    for name, value in query.items():
        if isinstance(value, int) and value not in INT_RANGE:
            raise ValidationFailed(f"{name} is out of range", field=name)
    return query


JSON_ONLY = frozenset({"application/json"})


async def parse_body(request: web.Request, model: type[BaseModel],
                     media_types: frozenset[str] = JSON_ONLY) -> dict[str, Any]:
    """Validate the body; return the JSON object as sent, so the owner sees exactly which keys
    the caller set (PATCH semantics) and re-validates it with the same model. A body must say
    it is JSON (``media_types``); an absent one reads as ``{}``."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise PayloadTooLarge("request body is too large") from None
    if raw and request.content_type not in media_types:
        raise UnsupportedMediaType(f"a JSON body must be sent with Content-Type: "
                                   f"application/json, not {request.content_type}")
    return validate_body(model, _json_object(raw))


def validate_body(model: type[BaseModel], body: dict[str, Any]) -> dict[str, Any]:
    """The body as sent, once ``model`` accepts it."""
    try:
        model.model_validate(body)
    except ValidationError as exc:
        raise validation_error(exc) from None
    return body


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = jsonutil.loads(raw or b"{}")
    except jsonutil.JSONDecodeError:
        raise InvalidJson("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ValidationFailed("request body must be a JSON object")
    if _repeats_a_key(raw, body):
        raise InvalidJson("request body repeats a key in one JSON object")
    return body


# Where a key ends: its closing quote, then the colon. A string value holding '":' adds one.
_KEY_END = re.compile(rb'"\s*:')


def _repeats_a_key(raw: bytes, parsed: Any) -> bool:
    """orjson keeps the last of two equal keys without a word. Every key token ends as
    ``_KEY_END`` matches, so when the raw text has no more such endings than the parsed
    objects hold keys, none repeats (counting every colon is a cheaper first try, exact when
    no value holds one); only otherwise does the slower exact parse decide."""
    keys = _key_count(parsed)
    if raw.count(b":") == keys or len(_KEY_END.findall(raw)) == keys:
        return False
    try:
        json.loads(raw, object_pairs_hook=_unique_keys)
    except _RepeatedKey:
        return True
    except RecursionError:  # orjson takes deeper nesting than the standard parser
        raise InvalidJson("request body nests too deeply") from None
    return False


# Deeper than any body of ours; the bus codec (orjson) refuses to write past 254 levels.
MAX_DEPTH = 64


def _key_count(value: Any) -> int:
    """Keys in all objects of ``value``, walked in a loop (orjson reads nesting deeper than
    the interpreter's recursion limit); nesting past ``MAX_DEPTH`` is refused."""
    count, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise InvalidJson(f"request body nests deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            count += len(item)
            item = item.values()
        elif not isinstance(item, list):
            continue  # a scalar body (only at the top)
        pending.extend((v, depth + 1) for v in item if isinstance(v, dict | list))
    return count


class _RepeatedKey(Exception):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _RepeatedKey
    return found
