"""SQL for where a sale came from, written in its booking transaction: ``conversion_origins``,
the originating click tracking found for it (its referrer host, country, device, UTM values,
sub-id, and when it happened), and ``conversion_links``, the link it came through. The
dashboard's click-dimension insights read them; nothing else does."""

from __future__ import annotations

from libs.contracts.attributed import AcceptedSale
from libs.shared.db import Conn

_ADD = (
    "INSERT INTO conversion_origins (conversion_id, org_id, referrer_host, country, "
    "device_class, utm_source, utm_medium, utm_campaign, sub_id, clicked_at) SELECT * FROM "
    "unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], "
    "$7::text[], $8::text[], $9::text[], $10::timestamptz[]) ON CONFLICT DO NOTHING")
_ADD_LINKS = (
    "INSERT INTO conversion_links (conversion_id, org_id, slug) SELECT * FROM "
    "unnest($1::uuid[], $2::uuid[], $3::text[]) ON CONFLICT DO NOTHING")


async def add_origins(conn: Conn, sales: list[AcceptedSale]) -> None:
    """The origins and links of the booked ``sales`` that carry one."""
    rows = [(s.conversion_id, s.org_id, o.referrer_host, o.country, o.device_class,
             o.utm_source, o.utm_medium, o.utm_campaign, o.sub_id, o.clicked_at)
            for s in sales if (o := s.origin) is not None]
    if rows:
        await conn.execute(_ADD, *[[r[i] for r in rows] for i in range(10)])
    links = [(s.conversion_id, s.org_id, s.link_slug) for s in sales if s.link_slug]
    if links:
        await conn.execute(_ADD_LINKS, *[[r[i] for r in links] for i in range(3)])
