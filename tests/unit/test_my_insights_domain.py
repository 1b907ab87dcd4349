"""The pure rules behind the affiliate's own insights: a click's sub-id from its landing URL,
the click roll-up's cells (now by link and sub-id too), whose memberships a read covers and the
currency it reports in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from libs.contracts.metrics import ClicksRolled
from services.ledger.domain.errors import AffiliateNotFound
from services.ledger.metrics.domain.memberships import in_focus, reporting_currency
from services.tracking.domain import visits
from services.tracking.domain.click_rollup import roll_up


@pytest.mark.parametrize(("url", "sub_id"), [
    ("https://b.example/?via=jane&sub_id=ig-story", "ig-story"),
    ("https://b.example/?sub=zz&subid=Yt.Short_2&sub1=x", "Yt.Short_2"),  # by the key order
    ("https://b.example/?sub1=%20news~letter%20", "news~letter"),  # trimmed, case kept
    ("https://b.example/?sub=last", "last"),
    ("https://b.example/?sub_id=a%20b&sub=fallback", "fallback"),  # unusable: the next key
    ("https://b.example/?sub_id=" + "x" * 64, "x" * 64),
    ("https://b.example/?sub_id=" + "x" * 65, None),  # never cut down
    ("https://b.example/?sub_id=%3Dcmd()", None),
    ("https://b.example/?sub_id=caf%C3%A9", None),
    ("https://b.example/?sub_id=&SUB_ID=upper", None),  # keys are case-sensitive
    ("https://b.example/?via=jane", None),
    ("not a url", None),
])
def test_the_sub_id_of_a_landing_url(url: str, sub_id: str | None) -> None:
    assert visits.sub_id(visits.query_of(url)) == sub_id


def _row(org: uuid.UUID, slug: str, sub_id: str | None, minute: int, *,
         bot: bool = False) -> tuple[object, ...]:
    """A click row in ``click_writer.COLUMNS`` order."""
    program = affiliate = org
    return (org, program, affiliate, slug, slug, None, "yt.example", "https://b/", "yt", None,
            None, None, None, "Bot" if bot else "Mobile", "DE", bot, "js",
            datetime(2026, 5, 12, 8, minute, tzinfo=UTC), sub_id)


def test_clicks_roll_up_by_link_and_sub_id_too() -> None:
    one, two = uuid.uuid4(), uuid.uuid4()
    rows = [_row(one, "jane", "ig", 1), _row(one, "jane", "ig", 59), _row(one, "jane", None, 2),
            _row(one, "jane-2", "ig", 3), _row(one, "jane", "ig", 4, bot=True),
            _row(two, "joe", None, 5)]
    cells = roll_up(rows)
    found = sorted((c["slug"], c["subId"] or "", c["bot"], c["clicks"]) for c in cells[one])
    assert found == [("jane", "", False, 1), ("jane", "ig", False, 2), ("jane", "ig", True, 1),
                     ("jane-2", "ig", False, 1)]
    assert [(c["slug"], c["subId"], c["clicks"]) for c in cells[two]] == [("joe", None, 1)]
    # the bodies are what the ledger reads
    event = ClicksRolled.model_validate({"orgId": one, "cells": cells[one]})
    assert {(c.slug, c.sub_id) for c in event.cells} == {("jane", "ig"), ("jane", None),
                                                         ("jane-2", "ig")}


def test_a_read_covers_every_membership_once_or_the_focused_one() -> None:
    org_a, org_b, me_a, me_b = (uuid.uuid4() for _ in range(4))
    mine = [(org_a, me_a), (org_b, me_b), (org_a, me_a)]
    assert in_focus(mine, None) == [(org_a, me_a), (org_b, me_b)]
    assert in_focus(mine, me_b) == [(org_b, me_b)]
    assert in_focus([], None) == []
    for foreign in (uuid.uuid4(), org_a):
        with pytest.raises(AffiliateNotFound) as refused:
            in_focus(mine, foreign)
        assert (refused.value.code, refused.value.field) == ("affiliate_not_found",
                                                             "affiliateId")


def test_the_reporting_currency() -> None:
    assert reporting_currency({"EUR"}) == "EUR"
    assert reporting_currency({"EUR", "GBP"}) == "USD"
    assert reporting_currency(set()) == "USD"
