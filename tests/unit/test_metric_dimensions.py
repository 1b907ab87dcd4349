"""The click dimensions' pure rules: hour of week, time-to-convert buckets, what a click cell
and a sale count under, and which S2S referrals ask for an originating click."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from libs.contracts.attributed import AcceptedSale
from libs.contracts.metrics import ClickCell
from services.ledger.metrics.domain.dimensions import (
    click_values,
    country_value,
    delay_bucket,
    hour_cell,
    origin_fields,
    sale_values,
)
from services.ledger.metrics.domain.rollup import Fact
from services.tracking.service_layer.sale_origins import referred


def test_hour_of_week_starts_on_sunday_in_utc() -> None:
    assert hour_cell(datetime(2026, 5, 10, 0, 59, tzinfo=UTC)) == 0  # a Sunday
    assert hour_cell(datetime(2026, 5, 11, 13, tzinfo=UTC)) == 24 + 13
    assert hour_cell(datetime(2026, 5, 16, 23, tzinfo=UTC)) == 167  # Saturday 23h


def test_delay_buckets_and_their_bounds() -> None:
    assert [delay_bucket(s) for s in (-5, 0, 3599, 3600, 86399, 86400, 604799, 604800)] == [
        "<1h", "<1h", "<1h", "1-24h", "1-24h", "1-7d", "1-7d", ">7d"]


def test_countries() -> None:
    assert [country_value(c) for c in ("DE", "unknown", None, "")] == [
        "DE", "(unknown)", "(unknown)", "(unknown)"]


def _cell(**fields: object) -> ClickCell:
    return ClickCell.model_validate({
        "programId": uuid.uuid4(), "affiliateId": uuid.uuid4(),
        "hour": datetime(2026, 5, 12, 8, tzinfo=UTC), "referrerHost": None, "country": "FR",
        "device": "Mobile", "utmSource": "yt", "utmMedium": None, "utmCampaign": None,
        "bot": False, "clicks": 2, **fields})


def test_a_bot_cell_counts_only_in_devices() -> None:
    assert click_values(_cell(bot=True, device="Bot", slug="jane")) == [("device", "Bot")]
    assert click_values(_cell(slug="jane", subId="ig-story")) == [
        ("source", "(direct)"), ("country", "FR"), ("device", "Mobile"),
        ("utm_source", "yt"), ("utm_medium", "(none)"), ("utm_campaign", "(none)"),
        ("hour", "56"), ("link", "jane"), ("channel", "ig-story")]


def test_a_cell_without_a_sub_id_is_none_and_one_from_an_older_tracking_has_no_link() -> None:
    assert click_values(_cell(slug="jane"))[-2:] == [("link", "jane"), ("channel", "(none)")]
    assert click_values(_cell())[-2:] == [("link", "(unknown)"), ("channel", "(none)")]


def test_a_sale_without_an_originating_click_is_unknown_but_has_its_hour() -> None:
    fact = Fact(uuid.uuid4(), uuid.uuid4(), date(2026, 5, 12), uuid.uuid4(), uuid.uuid4(),
                "USD", True, False, False, None, False, "Link", 100, 20, True, cell=56)
    assert sale_values(fact) == [
        ("source", "(unknown)"), ("country", "(unknown)"), ("device", "(unknown)"),
        ("utm_source", "(unknown)"), ("utm_medium", "(unknown)"),
        ("utm_campaign", "(unknown)"), ("hour", "56"), ("delay", "(unknown)"),
        ("link", "(unknown)"), ("channel", "(unknown)")]


def test_a_sale_has_its_link_without_a_click_and_its_clicks_sub_id_with_one() -> None:
    def origin(**fields: object) -> dict[str, object]:
        return {"clicked_at": None, "referrer_host": None, "country": None,
                "device_class": None, "utm_source": None, "utm_medium": None,
                "utm_campaign": None, "sub_id": None, "delay_seconds": None, **fields}

    assert origin_fields(origin(link_slug="jane")) == {"link": "jane"}
    clicked = origin_fields(origin(link_slug=None, clicked_at=datetime.now(UTC),
                                   country="DE", device_class="Mobile", delay_seconds=5.0))
    assert (clicked["link"], clicked["channel"], clicked["delay"]) == (None, "(none)", "<1h")
    assert origin_fields(origin(link_slug="jane", clicked_at=datetime.now(UTC), country="DE",
                                device_class="Mobile", sub_id="yt",
                                delay_seconds=5.0))["channel"] == "yt"


def test_only_a_readable_referral_of_the_sales_program_asks_for_its_click() -> None:
    program = uuid.uuid4()
    sale = AcceptedSale.model_validate({
        "orgId": uuid.uuid4(), "conversionId": uuid.uuid4(), "externalEventId": "e",
        "affiliateId": uuid.uuid4(), "programId": program, "amountCents": 1,
        "currency": "USD", "payoutGraceDays": 30, "occurredAt": datetime.now(UTC)})
    found = referred(3, sale, f"Jane-Rec.{program}.1715366423")
    assert found is not None and (found.index, found.referral.slug, found.referral.set_at) == (
        3, "jane-rec", 1715366423)
    for other in (None, "", "junk", f"jane.{uuid.uuid4()}.1715366423", f"jane.{program}.x",
                  f"jane.{program}.99999999999999999999"):
        assert referred(0, sale, other) is None, other
