"""The ledger's answer to "which affiliates is this verified e-mail?", kept a few seconds per
e-mail so an affiliate's portal calls do not each cost an RPC. Answers without any membership
are not kept: a person who just accepted an invite sees it on the next call."""

from __future__ import annotations

from libs.contracts.affiliate_sessions import (
    RESOLVE_AFFILIATE_IDENTITY,
    AffiliateIdentity,
    Membership,
)
from libs.shared.bus import Bus
from libs.shared.ttl_cache import TtlCache


class AffiliateDirectory:
    def __init__(self, bus: Bus, ttl: float) -> None:
        self.bus = bus
        self._memberships: TtlCache[str, tuple[Membership, ...]] = TtlCache(
            ttl, self._load, max_size=10_000, keep=bool)

    async def memberships(self, email: str) -> tuple[Membership, ...]:
        return await self._memberships.get(email)

    async def _load(self, email: str) -> tuple[Membership, ...]:
        found = AffiliateIdentity.model_validate(
            await RESOLVE_AFFILIATE_IDENTITY.call(self.bus, {"email": email}))
        return tuple(found.memberships)


