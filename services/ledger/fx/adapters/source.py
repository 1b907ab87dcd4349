"""ECB-style reference rates: fetching a file over HTTP and reading it.

Formats (EUR base, ``rate`` = units per euro): the daily or historical XML
(``<Cube time="2024-05-17"><Cube currency="USD" rate="1.0866"/>``), the historical CSV
(``Date,USD,JPY,...`` then ``2024-05-17,1.0866,169.33,...``, ``N/A`` where a currency has no
rate) and the daily CSV (``Date, USD, ...`` with ``17 May 2024``). Only allowlisted currencies
are kept; anything malformed refuses the whole file, so a half-read file never loads.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Protocol

import aiohttp

from libs.shared.money import is_supported_currency
from services.ledger.domain.errors import FxFileInvalid, FxSourceUnavailable
from services.ledger.fx.domain.model import BASE, DayRate

SOURCE = "ecb"
MAX_BYTES = 32 * 1024 * 1024  # the full ECB history as XML is about 7 MiB
_MISSING = frozenset({"", "N/A", "-"})


def parse_rates(text: str) -> list[DayRate]:
    """Every allowlisted rate in an ECB XML or CSV document."""
    rates = list(_parse_xml(text) if text.lstrip().startswith("<") else _parse_csv(text))
    if not rates:
        raise FxFileInvalid("the file holds no rates for supported currencies")
    return rates


def _rate(day: date, currency: str, raw: str) -> DayRate:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not Decimal(0) < value < Decimal(10) ** 9:
        raise FxFileInvalid(f"invalid {currency} rate {raw!r} on {day.isoformat()}")
    return DayRate(day, currency, value, SOURCE)


def _day(raw: str) -> date:
    text = raw.strip()
    for layout in ("%Y-%m-%d", "%d %B %Y"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise FxFileInvalid(f"invalid date {raw!r}")


def _wanted(currency: str) -> bool:
    return currency != BASE and is_supported_currency(currency)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_xml(text: str) -> Iterator[DayRate]:
    if "<!DOCTYPE" in text or "<!ENTITY" in text:  # the ECB never sends one; refuse expansion
        raise FxFileInvalid("XML with a DOCTYPE is not accepted")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise FxFileInvalid(f"not well-formed XML: {exc}") from None
    for cube in root.iter():
        if _local(cube.tag) != "Cube" or "time" not in cube.attrib:
            continue
        day = _day(cube.attrib["time"])
        for entry in cube:
            currency = entry.attrib.get("currency", "").strip().upper()
            if _wanted(currency):
                yield _rate(day, currency, entry.attrib.get("rate", ""))


def _parse_csv(text: str) -> Iterator[DayRate]:
    rows = csv.reader(io.StringIO(text))
    header = [h.strip().upper() for h in next(rows, [])]
    if not header or header[0] != "DATE":
        raise FxFileInvalid("not an ECB rates file: expected XML or a CSV starting with Date")
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        day = _day(row[0])
        for currency, raw in zip(header[1:], row[1:], strict=False):
            if _wanted(currency) and raw.strip() not in _MISSING:
                yield _rate(day, currency, raw)


class FxSource(Protocol):
    async def fetch(self, url: str) -> str:
        """The rates document at ``url``; ``FxSourceUnavailable`` when it cannot be had."""


@dataclass(frozen=True, slots=True)
class HttpFxSource:
    """Rates files over HTTP(S), each fetch bounded by ``timeout_seconds``."""

    timeout_seconds: float

    async def fetch(self, url: str) -> str:
        return await fetch_text(url, timeout_seconds=self.timeout_seconds)


async def fetch_text(url: str, *, timeout_seconds: float) -> str:
    """The document at ``url``; any failure to get a complete 200 answer is one error."""
    timeout = aiohttp.ClientTimeout(total=timeout_seconds)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as reply:
            if reply.status != 200:
                raise FxSourceUnavailable(f"{url} answered HTTP {reply.status}")
            body = bytearray()
            async for chunk in reply.content.iter_chunked(64 * 1024):
                body += chunk
                if len(body) > MAX_BYTES:
                    raise FxSourceUnavailable(f"{url} is larger than {MAX_BYTES} bytes")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise FxSourceUnavailable(f"could not fetch {url}: {exc!r}") from None
    return body.decode("utf-8-sig", errors="replace")
