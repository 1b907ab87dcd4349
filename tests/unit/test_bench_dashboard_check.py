"""The dashboard bench's cross-check: equal counts pass, any difference is reported."""

from __future__ import annotations

import uuid
from datetime import date

from bench.dashboard_check import check

RAW_SUMMARY = [{"clicks": 120, "conversions": 7, "leads": 2, "active": 5}]
API_SUMMARY = {"totalClicks": 120, "totalConversions": 7, "totalLeads": 2,
               "activeAffiliates": 5, "totalEarningsCents": 999}


def test_equal_counts_pass_and_a_difference_is_named() -> None:
    assert check("summary", API_SUMMARY, RAW_SUMMARY) == []
    wrong = check("summary", {**API_SUMMARY, "totalConversions": 8}, RAW_SUMMARY)
    assert wrong == ["totalConversions: api 8 raw 7"]


def test_series_rankings_and_funnel_compare_every_item() -> None:
    raw = [{"day": date(2025, 1, 2), "n": 3}]
    api = {"points": [{"bucket": "2025-01-01", "count": 0}, {"bucket": "2025-01-02",
                                                             "count": 3}]}
    assert check("timeseries clicks", api, raw) == []
    api["points"][0]["count"] = 1
    assert check("timeseries clicks", api, raw) == ["2025-01-01: api 1 raw 0"]
    a, b = uuid.UUID(int=1), uuid.UUID(int=2)
    ranked = [{"affiliate_id": a, "n": 9}, {"affiliate_id": b, "n": 4}]
    leaders = [{"affiliateId": str(a), "value": 9}, {"affiliateId": str(b), "value": 4}]
    assert check("leaderboard clicks", leaders, ranked) == []
    assert check("leaderboard clicks", leaders[::-1], ranked) != []
    funnel = [{"clicks": 10, "leads": 0, "conversions": 3, "approved": 2, "paid": 1}]
    steps = {"steps": [{"step": s, "count": n} for s, n in
                       (("clicks", 10), ("conversions", 3), ("approved", 2), ("paid", 1))]}
    assert check("insights funnel", steps, funnel) == []  # no leads: no leads step


def test_an_endpoint_without_a_check_or_an_unexpected_answer() -> None:
    assert check("timeseries payouts", {}, []) is None
    assert check("summary", {}, [])[0].startswith("cannot compare")
