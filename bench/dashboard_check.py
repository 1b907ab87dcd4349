"""The cross-check of ``dashboard_read``: the API's figures (answered from the rollups) must
equal the raw statements' (``bench/dashboard_raw.py``) wherever both are counts, since both
come from the same seeded rows. A mismatch makes the run's numbers unusable (exit status 2).

Money is left out (the API converts it per day with rounding the raw statements do not all
repeat), except the earnings ranking, whose raw statement converts the same way."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Rows = list[dict[str, Any]]


def _summary(api: Any, raw: Rows) -> list[str]:
    r = raw[0]
    return _fields(api, {"totalClicks": r["clicks"], "totalConversions": r["conversions"],
                         "totalLeads": r["leads"], "activeAffiliates": r["active"]})


def _series(api: Any, raw: Rows) -> list[str]:
    counts = {row["day"].isoformat(): row["n"] for row in raw}
    shown = {p["bucket"]: p["count"] for p in api["points"]}
    wrong = [f"{day}: api {shown.get(day)} raw {n}" for day, n in sorted(counts.items())
             if shown.get(day) != n]
    wrong += [f"{day}: api {n} raw 0" for day, n in sorted(shown.items())
              if n and day not in counts]
    return wrong[:5]


def _ranking(api: Any, raw: Rows) -> list[str]:
    mine = [(str(r["affiliate_id"]), int(r["n"])) for r in raw]
    theirs = [(leader["affiliateId"], leader["value"]) for leader in api]
    return [] if mine == theirs else [f"api {theirs[:3]}... raw {mine[:3]}..."]


def _sources(api: Any, raw: Rows) -> list[str]:
    mine = [(r["source"], r["n"]) for r in raw]
    theirs = [(s["source"], s["count"]) for s in api]
    return [] if mine == theirs else [f"api {theirs[:3]}... raw {mine[:3]}..."]


def _days(raw_json: str | None) -> Rows:
    return json.loads(raw_json) if raw_json else []


def _overview(api: Any, raw: Rows) -> list[str]:
    days = _days(raw[0]["days"])
    total = {k: sum(d[k] for d in days) for k in ("sales", "leads", "refunded", "recurring")}
    return _fields(api, {"clicks": raw[0]["clicks"], "conversions": total["sales"],
                         "leads": total["leads"], "refundedConversions": total["refunded"],
                         "recurringConversions": total["recurring"]})


def _funnel(api: Any, raw: Rows) -> list[str]:
    r = raw[0]
    steps = [("clicks", r["clicks"]), *([("leads", r["leads"])] if r["leads"] else []),
             ("conversions", r["conversions"]), ("approved", r["approved"]),
             ("paid", r["paid"])]
    shown = [(s["step"], s["count"]) for s in api["steps"]]
    return [] if shown == steps else [f"api {shown} raw {steps}"]


def _attribution(api: Any, raw: Rows) -> list[str]:
    counts: dict[str, int] = {}
    for r in raw:
        counts[r["kind"]] = counts.get(r["kind"], 0) + r["n"]
    shown = {row["attribution"]: row["conversions"] for row in api["rows"]}
    return [f"{k}: api {shown.get(k, 0)} raw {counts.get(k, 0)}"
            for k in sorted(set(counts) | set(shown)) if shown.get(k, 0) != counts.get(k, 0)]


def _recurring(api: Any, raw: Rows) -> list[str]:
    days = _days(raw[0]["days"])
    renewals = sum(d["recurring"] for d in days)
    mix = {row["kind"]: row["conversions"] for row in api["mix"]}
    expected = {"OneTime": sum(d["sales"] for d in days) - renewals, "Recurring": renewals}
    wrong = [f"{k}: api {mix.get(k)} raw {v}" for k, v in expected.items() if mix.get(k) != v]
    if api["churnedSubscriptions"] != raw[0]["churned"]:
        wrong.append(f"churned: api {api['churnedSubscriptions']} raw {raw[0]['churned']}")
    return wrong


def _customers(api: Any, raw: Rows) -> list[str]:
    counts = {"New": 0, "Returning": 0}
    for r in raw:
        counts["Returning" if r["returning"] else "New"] += r["n"]
    shown = {row["segment"]: row["conversions"] for row in api["rows"]}
    return [f"{k}: api {shown.get(k)} raw {v}" for k, v in counts.items() if shown.get(k) != v]


def _coverage(api: Any, total: int, attributed: int) -> list[str]:
    return _fields(api, {"totalConversions": total, "attributedConversions": attributed})


def _sale_origin(api: Any, raw: Rows) -> list[str]:
    hosts: dict[str, int] = {}
    for r in _days(raw[0]["hosts"]):
        hosts[r["host"]] = hosts.get(r["host"], 0) + r["n"]
    shown = {s["source"]: s["conversions"] for s in api["sources"]}
    wrong = [f"{h}: api {n} raw {hosts.get(h)}" for h, n in shown.items() if hosts.get(h) != n]
    if len(shown) != min(len(hosts), 20):
        wrong.append(f"hosts: api {len(shown)} raw {len(hosts)}")
    return _coverage(api, raw[0]["total"], raw[0]["attributed"]) + wrong


def _time_to_convert(api: Any, raw: Rows) -> list[str]:
    counts = {r["bucket"]: r["n"] for r in raw}
    shown = {b["bucket"]: b["conversions"] for b in api["buckets"]}
    wrong = [f"{b}: api {n} raw {counts.get(b, 0)}" for b, n in shown.items()
             if n != counts.get(b, 0)]
    total = sum(counts.values())
    return _coverage(api, total, total - counts.get("(unknown)", 0)) + wrong


def _fields(api: Any, expected: dict[str, Any]) -> list[str]:
    return [f"{k}: api {api.get(k)} raw {v}" for k, v in expected.items() if api.get(k) != v]


CHECKS: dict[str, Callable[[Any, Rows], list[str]]] = {
    "summary": _summary, "timeseries clicks": _series, "timeseries conversions": _series,
    "timeseries leads": _series, "leaderboard clicks": _ranking,
    "leaderboard conversions": _ranking, "leaderboard earnings": _ranking,
    "traffic-sources": _sources, "insights overview": _overview, "insights funnel": _funnel,
    "insights attribution": _attribution, "insights recurring": _recurring,
    "insights customers": _customers, "insights sale-origin": _sale_origin,
    "insights time-to-convert": _time_to_convert}


def check(name: str, api: Any, raw: Rows) -> list[str] | None:
    """Mismatches (empty: equal); None when the endpoint is not cross-checked."""
    compare = CHECKS.get(name)
    if compare is None:
        return None
    try:
        return compare(api, raw)
    except (KeyError, IndexError, TypeError) as exc:
        return [f"cannot compare: {type(exc).__name__} {exc}"]
