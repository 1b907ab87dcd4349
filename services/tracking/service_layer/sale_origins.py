"""A sale's originating click: the S2S body's optional ``referral`` (the loader's cookie value,
``<slug>.<programId>.<unix set>``) names a click; when that click credits the same affiliate and
program as the sale, its dimensions travel with the sale to the ledger (``origin``). A referral
that cannot be read, names another program or affiliate, or whose click is not stored (yet:
clicks are written in batches every ``tracking_click_flush_ms``) leaves the sale without one.
It never changes who the sale credits. A sale no link credited (an e-mail match, a renewal)
takes its originating click's link as its ``linkSlug``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from libs.contracts.attributed import AcceptedSale
from libs.shared.db import Conn
from services.tracking.adapters.click_origins import ClickOrigins, Wanted
from services.tracking.domain import visits

# The cookie's set time is a Unix second; one past year 9999 is not a time.
MAX_SECONDS = 253_402_300_799


@dataclass(frozen=True, slots=True)
class Referred:
    """A sale event (``index`` in the batch's events) whose referral names its own link."""

    index: int
    sale: AcceptedSale
    referral: visits.Referral


def referred(index: int, sale: AcceptedSale, referral: str | None) -> Referred | None:
    found = visits.parse_cookie(referral)
    if (found is None or found.program_id != str(sale.program_id)
            or found.set_at > MAX_SECONDS):
        return None
    return Referred(index, sale, visits.Referral(found.slug.lower(), found.program_id,
                                                 found.set_at))


async def with_origins(conn: Conn, sales: list[Referred]) -> dict[int, str]:
    """The event body of each sale whose click was found, now carrying its ``origin``."""
    wanted: list[Wanted] = [
        (n, s.sale.org_id, s.sale.program_id, s.sale.affiliate_id, s.referral.slug,
         datetime.fromtimestamp(s.referral.set_at, UTC)) for n, s in enumerate(sales)]
    found = await ClickOrigins(conn).find(wanted)
    return {s.index: s.sale.model_copy(update={
        "origin": found[n], "link_slug": s.sale.link_slug or s.referral.slug}).model_dump_json(
        by_alias=True) for n, s in enumerate(sales) if n in found}
