"""Helpers for the tracking end-to-end tests: a program with an approved affiliate whose link
the tracking service already knows, clicks over HTTP, and the stored click rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
import asyncpg

from libs.shared.settings import Settings
from tests.common.affiliates_api import create_affiliate
from tests.common.api import create_program
from tests.common.orgs import Org
from tests.common.waiting import eventually

CLICK = "/api/v1/r/click"
DESKTOP = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0 Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
IPAD = ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@dataclass(frozen=True)
class Tracked:
    program_id: str
    affiliate_id: str
    slug: str


async def db_fetch(sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(Settings().database_url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def indexed(slug: str, *, active: bool = True) -> None:
    """Wait until the tracking service's link index has taken in the affiliate event."""
    async def probe() -> bool | None:
        rows = await db_fetch("SELECT active FROM tracking.link_index WHERE slug = $1", slug)
        return True if rows and rows[0]["active"] is active else None
    await eventually(probe, what=f"link {slug} indexed (active={active})")


async def tracked_link(http: aiohttp.ClientSession, org: Org, program_id: str | None = None,
                       **program: Any) -> Tracked:
    if program_id is None:
        program_id = (await create_program(http, org, **program))["id"]
    slug = f"t{uuid.uuid4().hex[:12]}"
    affiliate = await create_affiliate(http, org, program_id, customAlias=slug)
    assert affiliate["links"][0]["slug"] == slug, affiliate
    await indexed(slug)
    return Tracked(program_id, affiliate["id"], slug)


async def post_click(http: aiohttp.ClientSession, body: dict[str, Any], *,
                     ua: str = DESKTOP, status: int = 200, **headers: str
                     ) -> dict[str, Any]:
    async with http.post(CLICK, json=body, headers={"User-Agent": ua, **headers}) as response:
        found = await response.json()
        assert response.status == status, found
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert isinstance(found, dict)
    return found


async def click_rows(slug: str, count: int) -> list[asyncpg.Record]:
    """Wait until exactly ``count`` click rows exist for ``slug`` (fail if more appear)."""
    async def probe() -> list[asyncpg.Record] | None:
        rows = await db_fetch("SELECT * FROM tracking.clicks WHERE slug = $1 ORDER BY id", slug)
        assert len(rows) <= count, rows
        return rows if len(rows) == count else None
    return await eventually(probe, what=f"{count} clicks for {slug}")
