"""SQL for ``conversion_origins``: the originating click tracking found for a sale (its
referrer host, country, device and UTM values, and when it happened), written in the sale's
booking transaction. The dashboard's click-dimension insights read it; nothing else does."""

from __future__ import annotations

from libs.contracts.attributed import AcceptedSale
from libs.shared.db import Conn

_ADD = (
    "INSERT INTO conversion_origins (conversion_id, org_id, referrer_host, country, "
    "device_class, utm_source, utm_medium, utm_campaign, clicked_at) SELECT * FROM "
    "unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], "
    "$7::text[], $8::text[], $9::timestamptz[]) ON CONFLICT DO NOTHING")


async def add_origins(conn: Conn, sales: list[AcceptedSale]) -> None:
    """The origins of the booked ``sales`` that carry one."""
    rows = [(s.conversion_id, s.org_id, o.referrer_host, o.country, o.device_class,
             o.utm_source, o.utm_medium, o.utm_campaign, o.clicked_at)
            for s in sales if (o := s.origin) is not None]
    if rows:
        await conn.execute(_ADD, *[[r[i] for r in rows] for i in range(9)])
