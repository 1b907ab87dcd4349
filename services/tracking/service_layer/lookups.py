"""What the click path needs to know, cached in memory with a short lifetime so a click costs
no database or bus round trip once warm: links by slug, program terms (asked of the ledger
over RPC with ``programs.get``), and each org's tracking settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import asyncpg

from libs.contracts.programs import GET_PROGRAM
from libs.contracts.s2s import RESOLVE_LINK
from libs.shared.bus_rpc import RequestReply
from libs.shared.ttl_cache import TtlCache
from services.tracking.adapters.click_writer import ClickWriter
from services.tracking.adapters.links_repository import LinksRepository
from services.tracking.adapters.settings_repository import SettingsRepository

if TYPE_CHECKING:
    from services.tracking.service_layer.s2s import SaleIntake


@dataclass(frozen=True, slots=True)
class Link:
    slug: str
    org_id: uuid.UUID
    program_id: uuid.UUID
    affiliate_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Terms:
    cookie_window_days: int
    attribution_model: str
    active: bool


class Lookups:
    def __init__(self, pool: asyncpg.Pool, bus: RequestReply, seconds: float) -> None:
        self.pool = pool
        self.bus = bus
        self.links: TtlCache[str, Link | None] = TtlCache(seconds, self._link)
        self.terms: TtlCache[tuple[uuid.UUID, uuid.UUID], Terms] = TtlCache(seconds,
                                                                             self._terms)
        self.settings: TtlCache[uuid.UUID, dict[str, Any]] = TtlCache(seconds, self._settings)

    async def _link(self, slug: str) -> Link | None:
        async with self.pool.acquire() as conn:
            row = await LinksRepository(conn).by_slug(slug)
        return Link(**dict(row)) if row else None

    async def live_link(self, slug: str) -> Link | None:
        """The link for a money event: the cached index, else the ledger itself, so an affiliate
        created a moment ago (its event not yet applied here) is found too."""
        link = await self.links.get(slug)
        if link is not None:
            return link
        found = await RESOLVE_LINK.call(self.bus, {"slug": slug})
        if not found:
            return None
        return Link(slug=slug, org_id=uuid.UUID(found["orgId"]),
                    program_id=uuid.UUID(found["programId"]),
                    affiliate_id=uuid.UUID(found["affiliateId"]))

    async def _terms(self, key: tuple[uuid.UUID, uuid.UUID]) -> Terms:
        program = await GET_PROGRAM.call(self.bus, {"orgId": str(key[0]),
                                                     "programId": str(key[1])})
        return Terms(program["cookieWindowDays"], program["attributionModel"],
                     program["isActive"] and program["archivedAt"] is None)

    async def _settings(self, org_id: uuid.UUID) -> dict[str, Any]:
        async with self.pool.acquire() as conn:
            row = await SettingsRepository(conn).get(org_id)
        return dict(row) if row else {"custom_params": None, "landing_url": None}


@dataclass(frozen=True, slots=True)
class Tracking:
    """The click and S2S paths' dependencies, built once in bootstrap."""

    pool: asyncpg.Pool
    lookups: Lookups
    writer: ClickWriter
    public_base_url: str
    sales: SaleIntake
