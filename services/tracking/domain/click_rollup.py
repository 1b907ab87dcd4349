"""A write batch of clicks as the dashboard counts them: per org, the clicks that share an hour
and every dimension (program, affiliate, link, referrer host, country, device, UTM source,
medium and campaign, sub-id, bot or not). A batch of thousands of clicks rolls up to a few
cells."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime
from typing import Any

# Positions in a click row (services/tracking/adapters/click_writer.COLUMNS).
ORG, PROGRAM, AFFILIATE, SLUG, REFERRER, UTM_SOURCE, UTM_MEDIUM, UTM_CAMPAIGN = (
    0, 1, 2, 3, 6, 8, 9, 10)
DEVICE, COUNTRY, BOT, AT, SUB_ID = 13, 14, 15, 17, 18


def roll_up(rows: list[tuple[Any, ...]]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Per org, the ``ClickCell`` bodies of ``rows`` (JSON-ready, by alias)."""
    cells: Counter[tuple[Any, ...]] = Counter()
    for r in rows:
        hour: datetime = r[AT].replace(minute=0, second=0, microsecond=0)
        cells[(r[ORG], r[PROGRAM], r[AFFILIATE], hour, r[REFERRER] or None, r[COUNTRY],
               r[DEVICE], r[UTM_SOURCE], r[UTM_MEDIUM], r[UTM_CAMPAIGN], bool(r[BOT]),
               r[SLUG], r[SUB_ID])] += 1
    by_org: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for (org, program, affiliate, hour, referrer, country, device, source, medium, campaign,
         bot, slug, sub_id), clicks in cells.items():
        by_org.setdefault(org, []).append({
            "programId": str(program), "affiliateId": str(affiliate),
            "hour": hour.isoformat(), "referrerHost": referrer, "country": country,
            "device": device, "utmSource": source, "utmMedium": medium,
            "utmCampaign": campaign, "bot": bot, "clicks": clicks, "slug": slug,
            "subId": sub_id})
    return by_org
