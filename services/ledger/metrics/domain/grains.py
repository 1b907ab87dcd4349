"""The coarser grains of a batch's increments (migration 0017): the same ``Deltas`` summed
without the affiliate (org-wide reads), per affiliate by day and ISO week (the leaderboard),
and each affiliate's last active day. Rows come out in key order, like ``Deltas``' own, so two
consumers never deadlock on them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from services.ledger.metrics.domain.rollup import COLUMNS, NO_CURRENCY, NO_PROGRAM, Deltas

LEADER_COLUMNS = ("clicks", "conversions", "commission_cents")
ACTIVE_COLUMNS = ("clicks", "conversions", "leads")
SPANS = (1, 7)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def without_affiliate(items: Iterable[tuple[tuple[Any, ...], Sequence[int]]]
                      ) -> list[tuple[Any, ...]]:
    """Per-affiliate increments (the affiliate 4th in the key) summed over affiliates, as
    (*key without it, *values) rows."""
    summed: dict[tuple[Any, ...], list[int]] = {}
    for key, values in items:
        row = summed.setdefault((*key[:3], *key[4:]), [0] * len(values))
        for i, value in enumerate(values):
            row[i] += value
    return [(*key, *values) for key, values in sorted(summed.items()) if any(values)]


def org_day_rows(deltas: Deltas) -> list[tuple[Any, ...]]:
    """``metric_org_days``: (org, day, program, currency, *COLUMNS)."""
    return without_affiliate((key, [cols[name] for name in COLUMNS])
                             for key, cols in deltas.days.items())


def org_source_rows(deltas: Deltas) -> list[tuple[Any, ...]]:
    """``metric_org_sources``: (org, day, program, source, clicks)."""
    return without_affiliate((key, [clicks]) for key, clicks in deltas.sources.items())


def org_kind_rows(deltas: Deltas) -> list[tuple[Any, ...]]:
    """``metric_org_attribution``: (org, day, program, currency, kind, conversions, revenue,
    commission)."""
    return without_affiliate(deltas.kinds.items())


def org_dim_rows(deltas: Deltas) -> list[tuple[Any, ...]]:
    """``metric_org_dims`` (0020): (org, day, program, currency, dimension, value, clicks,
    conversions, revenue)."""
    return without_affiliate(deltas.dims.items())


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
