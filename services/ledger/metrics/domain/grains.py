"""The coarser grains of a batch's increments (migration 0017): the same ``Deltas`` summed
without the affiliate (org-wide reads), per affiliate by day and ISO week (the leaderboard),
and each affiliate's last active day. Rows come out in key order, like ``Deltas``' own, so two
consumers never deadlock on them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from services.ledger.metrics.domain.rollup import COLUMNS, NO_CURRENCY, NO_PROGRAM, Deltas

LEADER_COLUMNS = ("clicks", "conversions", "commission_cents")
ACTIVE_COLUMNS = ("clicks", "conversions", "leads")
SPANS = (1, 7)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def org_day_rows(deltas: Deltas) -> list[tuple[Any, ...]]:
    """``metric_org_days``: (org, day, program, currency, *COLUMNS)."""
    summed: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(COLUMNS))
    for (org, day, program, _, currency), cols in deltas.days.items():
        row = summed[(org, day, program, currency)]
        for i, name in enumerate(COLUMNS):
            row[i] += cols[name]
    return [(*key, *values) for key, values in sorted(summed.items()) if any(values)]


def org_source_rows(deltas: Deltas) -> list[tuple[Any, ...]]:
    """``metric_org_sources``: (org, day, program, source, clicks)."""
    summed: dict[tuple[Any, ...], int] = defaultdict(int)
    for (org, day, program, _, source), clicks in deltas.sources.items():
        summed[(org, day, program, source)] += clicks
    return [(*key, clicks) for key, clicks in sorted(summed.items()) if clicks]


def org_kind_rows(deltas: Deltas) -> list[tuple[Any, ...]]:
    """``metric_org_attribution``: (org, day, program, currency, kind, conversions, revenue,
    commission)."""
    summed: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (org, day, program, _, currency, kind), sums in deltas.kinds.items():
        row = summed[(org, day, program, currency, kind)]
        for i in range(3):
            row[i] += sums[i]
    return [(*key, *sums) for key, sums in sorted(summed.items()) if any(sums)]


def leader_rows(deltas: Deltas, homes: Mapping[uuid.UUID, str]) -> list[tuple[Any, ...]]:
    """``metric_leaders``: (org, span, day, program, affiliate, currency, clicks, conversions,
    commission) for both spans. Rows without money (clicks) take the org's home currency from
    ``homes``; payouts (no program) are not ranked."""
    summed: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (org, day, program, affiliate, currency), cols in deltas.days.items():
        values = [cols[name] for name in LEADER_COLUMNS]
        if program == NO_PROGRAM or not any(values):
            continue
        currency = homes[org] if currency == NO_CURRENCY else currency
        for span in SPANS:
            row = summed[(org, span, day if span == 1 else monday(day), program, affiliate,
                          currency)]
            for i, value in enumerate(values):
                row[i] += value
    return [(*key, *values) for key, values in sorted(summed.items()) if any(values)]


def orgs_without_currency(deltas: Deltas) -> set[uuid.UUID]:
    """Orgs with leader rows that need the home currency (clicks)."""
    return {key[0] for key in deltas.days if key[4] == NO_CURRENCY and key[2] != NO_PROGRAM}


def activity_rows(deltas: Deltas) -> list[tuple[Any, ...]]:
    """``metric_affiliate_activity``: (org, affiliate, last day) of what a batch added (a take
    back does not make an affiliate inactive: they were active that day)."""
    last: dict[tuple[uuid.UUID, uuid.UUID], date] = {}
    for (org, day, program, affiliate, _), cols in deltas.days.items():
        if program != NO_PROGRAM and any(cols[name] > 0 for name in ACTIVE_COLUMNS):
            key = (org, affiliate)
            last[key] = max(last.get(key, day), day)
    return [(*key, day) for key, day in sorted(last.items())]
