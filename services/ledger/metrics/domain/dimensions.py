"""The click dimensions of the insight modules (migration 0020): what a click cell and a sale
add to ``metric_dims``, one row per (dimension, value).

Coverage-aware: a sale carries a click dimension only when it has an originating click (the
S2S ``referral`` named one, ``conversion_origins``); the others count under ``(unknown)``, so
every dimension's sales add up to all sales. The ``hour`` of a sale is its own time, known for
every sale. Clicks count without bots, except in ``device`` (the Bot row). Values:
- ``source``: the click's referrer host, ``(direct)`` without one;
- ``country``: ISO alpha-2; ``(unknown)`` also for clicks without a country header;
- ``device``: Mobile, Tablet, Desktop, Bot;
- ``utm_source``/``utm_medium``/``utm_campaign``: the value, ``(none)`` when the click had none;
- ``hour``: day of week (0 = Sunday) x 24 + hour of day, UTC, as text;
- ``delay``: time from the click to the sale, ``<1h``, ``1-24h``, ``1-7d``, ``>7d``;
- ``link`` (0022): the slug of the link a click came through; a sale's is the link it came
  through (``conversion_links``), known without an originating click too, ``(unknown)``
  without one; clicks of a tracking that predates it are ``(unknown)``;
- ``channel`` (0022): the click's sub-id, ``(none)`` when it had none.
Every row also sums the commission of its sales (the affiliate's own insights show that,
never the revenue)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from libs.contracts.metrics import DIRECT, ClickCell

if TYPE_CHECKING:
    from services.ledger.metrics.domain.rollup import Fact

UNKNOWN, NONE = "(unknown)", "(none)"
SOURCE, COUNTRY, DEVICE, HOUR, DELAY = "source", "country", "device", "hour", "delay"
LINK, CHANNEL = "link", "channel"
UTM = ("utm_source", "utm_medium", "utm_campaign")
DELAYS = (("<1h", 3600), ("1-24h", 86400), ("1-7d", 7 * 86400))
SLOWEST = ">7d"
# (org, day, program, affiliate, currency, dimension, value)
DimKey = tuple[uuid.UUID, date, uuid.UUID, uuid.UUID, str, str, str]


def hour_cell(at: datetime) -> int:
    """Day of week (0 = Sunday) x 24 + hour of day, of a UTC time."""
    return (at.isoweekday() % 7) * 24 + at.hour


def delay_bucket(seconds: float) -> str:
    """A click stamped a moment after its sale (clocks) converted in under an hour."""
    return next((name for name, limit in DELAYS if seconds < limit), SLOWEST)


def country_value(code: str | None) -> str:
    return code if code and len(code) == 2 else UNKNOWN


def origin_fields(row: Any) -> dict[str, Any]:
    """A ``Fact``'s dimension fields from where its sale came from (``Rollups.origins_of``):
    its link, and its originating click's values when it has one."""
    if row["clicked_at"] is None:
        return {"link": row["link_slug"]}
    return {"source": row["referrer_host"] or DIRECT, "country": country_value(row["country"]),
            "device": row["device_class"],
            **{name: row[name] or NONE for name in UTM},
            "delay": delay_bucket(row["delay_seconds"]), "link": row["link_slug"],
            "channel": row["sub_id"] or NONE}


def click_values(cell: ClickCell) -> list[tuple[str, str]]:
    if cell.bot:
        return [(DEVICE, cell.device)]
    return [(SOURCE, cell.referrer_host or DIRECT), (COUNTRY, country_value(cell.country)),
            (DEVICE, cell.device), ("utm_source", cell.utm_source or NONE),
            ("utm_medium", cell.utm_medium or NONE),
            ("utm_campaign", cell.utm_campaign or NONE), (HOUR, str(hour_cell(cell.hour))),
            (LINK, cell.slug or UNKNOWN), (CHANNEL, cell.sub_id or NONE)]


def sale_values(fact: Fact) -> list[tuple[str, str]]:
    """What a counted sale adds (its fields are None without an originating click)."""
    return [(SOURCE, fact.source or UNKNOWN), (COUNTRY, fact.country or UNKNOWN),
            (DEVICE, fact.device or UNKNOWN), ("utm_source", fact.utm_source or UNKNOWN),
            ("utm_medium", fact.utm_medium or UNKNOWN),
            ("utm_campaign", fact.utm_campaign or UNKNOWN), (HOUR, str(fact.cell)),
            (DELAY, fact.delay or UNKNOWN), (LINK, fact.link or UNKNOWN),
            (CHANNEL, fact.channel or UNKNOWN)]
