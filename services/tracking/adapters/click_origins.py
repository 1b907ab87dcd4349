"""SQL for a sale's originating click: the click a referral cookie value names."""

from __future__ import annotations

import uuid
from datetime import datetime

from libs.contracts.attributed import SaleOrigin
from libs.shared.db import Conn

# Per wanted click: the affiliate's click of that link in the second its cookie was set (the
# loader's clicks are stored at whole seconds, so this is the very click), else the latest in
# the LOOKBACK before it (a short link's redirect stored the visit a moment before the loader
# on the landing page set the cookie). The affiliate's (affiliate_id, created_at) index keeps
# it to the rows of a few seconds of one affiliate.
LOOKBACK_SECONDS = 30
_FIND = f"""
SELECT k.i, c.referrer_host, c.country, c.device_class, c.utm_source, c.utm_medium,
       c.utm_campaign, c.sub_id, c.created_at
FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::timestamptz[])
     AS k(i, org_id, program_id, affiliate_id, slug, set_at)
CROSS JOIN LATERAL (
  SELECT * FROM clicks c
  WHERE c.affiliate_id = k.affiliate_id
    AND c.created_at >= k.set_at - interval '{LOOKBACK_SECONDS} seconds'
    AND c.created_at < k.set_at + interval '1 second'
    AND c.org_id = k.org_id AND c.program_id = k.program_id AND c.slug = k.slug
  ORDER BY c.created_at >= k.set_at DESC, c.created_at DESC, c.id
  LIMIT 1) c"""

# (index, org, program, affiliate, slug, cookie set at)
Wanted = tuple[int, uuid.UUID, uuid.UUID, uuid.UUID, str, datetime]


class ClickOrigins:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def find(self, wanted: list[Wanted]) -> dict[int, SaleOrigin]:
        """The click found for each wanted index (those without one are left out)."""
        rows = await self.conn.fetch(_FIND, *[[w[i] for w in wanted] for i in range(6)])
        return {r["i"]: SaleOrigin(
            referrer_host=r["referrer_host"], country=r["country"],
            device_class=r["device_class"], utm_source=r["utm_source"],
            utm_medium=r["utm_medium"], utm_campaign=r["utm_campaign"], sub_id=r["sub_id"],
            clicked_at=r["created_at"]) for r in rows}
