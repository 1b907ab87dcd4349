"""Every moment a client sees has one form, whole seconds in UTC with ``Z``
(``2026-05-01T12:00:00Z``, as the reference writes them): JSON replies, CSV exports and webhook
bodies, read as raw text so a moment nested in an audit snapshot or a webhook's ``data`` counts
too."""

from __future__ import annotations

import re

import aiohttp

from libs.shared.timestamps import WIRE_TIMESTAMP_PATTERN
from tests.common.orgs import Org
from tests.common.payouts_api import approved_sale, run
from tests.common.s2s import seller
from tests.common.waiting import eventually
from tests.common.webhooks_api import WEBHOOKS, create_webhook
from tests.common.webhooks_receiver import receiver

# Anything that starts like an ISO 8601 moment, with whatever fraction and offset follow.
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?")
WIRE = re.compile(WIRE_TIMESTAMP_PATTERN)


def moments(text: str) -> list[str]:
    return MOMENT.findall(text)


async def text_of(http: aiohttp.ClientSession, org: Org, path: str) -> str:
    async with http.get(path, headers=org.auth) as response:
        text = await response.text()
        assert response.status == 200, (path, text)
    return text


async def test_json_csv_and_webhook_bodies_write_whole_seconds_utc(
        http: aiohttp.ClientSession, org: Org) -> None:
    async with receiver() as rx:
        hook = await create_webhook(http, org, rx.url("/hook"))
        s = await seller(http, org)
        sale = await approved_sale(http, s)
        [payout] = await run(http, org, sale["commissionCents"])

        async def delivered() -> set[str] | None:
            types = {r.json["type"] for r in rx.at("/hook")}
            return types if {"conversion.created", "payout.paid"} <= types else None

        await eventually(delivered, what="conversion.created and payout.paid delivered")

        async def audited() -> str | None:
            text = await text_of(http, org, "/api/v1/audit-log?action=payouts.run")
            return text if "payouts.run" in text else None

        await eventually(audited, what="the payout run's audit row")
        sources = {
            "program": f"/api/v1/programs/{s.program['id']}",
            "affiliates": "/api/v1/affiliates",
            "conversions": "/api/v1/conversions",
            "conversion": f"/api/v1/conversions/{sale['id']}",
            "payouts": "/api/v1/payouts",
            "payout": f"/api/v1/payouts/{payout['id']}",
            "webhook": f"{WEBHOOKS}/{hook['id']}",
            "deliveries": f"{WEBHOOKS}/{hook['id']}/deliveries",
            "audit log": "/api/v1/audit-log",
            "timeseries": "/api/v1/dashboard/timeseries?metric=conversions",
            "conversions CSV": "/api/v1/conversions/export.csv",
            "audit log CSV": "/api/v1/audit-log/export.csv",
        }
        seen = {name: moments(await text_of(http, org, path)) for name, path in sources.items()}
        seen["webhook bodies"] = [m for r in rx.at("/hook") for m in moments(r.body.decode())]

    assert all(seen.values()), {name: found for name, found in seen.items() if not found}
    wrong = {name: [m for m in found if not WIRE.fullmatch(m)] for name, found in seen.items()}
    assert not any(wrong.values()), wrong
    # a webhook body's own moment and its resource's, side by side
    body = next(r.json for r in rx.at("/hook") if r.json["type"] == "conversion.created")
    assert WIRE.fullmatch(body["createdAt"]) and body["data"]["createdAt"] == sale["createdAt"]
