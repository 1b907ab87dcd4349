"""``rekomi admin metrics-rebuild`` as an operator runs it against the running services: an
org's rollups are lost, the command rebuilds them from tracking's clicks, the ledger's
conversions and payouts' payouts, and every dashboard figure is back as it was; run again, it
changes nothing; stopped half way, it resumes."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from libs.contracts.metrics_rebuild import PLAN_REBUILD
from libs.shared.bus import Bus
from libs.shared.settings import Settings
from services.ledger.metrics.adapters.rebuild_store import DAY_TABLES
from tests.common.orgs import Org
from tests.common.payouts_api import ledger_sql
from tests.common.stack import rekomi
from tests.common.waiting import eventually
from tests.e2e.test_dashboard import get, insight, seeded

FIGURES = [("summary", {}), ("leaderboard", {"metric": "clicks"}),
           ("leaderboard", {"metric": "earnings"}), ("traffic-sources", {}),
           ("timeseries", {"metric": "conversions", "since": "2026-11-01",
                           "until": "2027-01-01"})]
MODULES = ["overview", "funnel", "attribution", "devices", "geography", "sale-origin",
           "time-patterns"]


async def figures(http: aiohttp.ClientSession, org: Org) -> dict[str, Any]:
    found = {f"{path} {params}": await get(http, org, path, **params)
             for path, params in FIGURES}
    for module in MODULES:
        found[module] = await insight(http, org, module)
    # every dimension row, the affiliate's own (link, channel) and their commission included
    found["dims"] = sorted(map(tuple, await ledger_sql(
        "SELECT affiliate_id::text, dimension, value, sum(clicks)::int, sum(conversions)::int, "
        "sum(commission_cents)::int FROM metric_dims WHERE org_id = $1::uuid GROUP BY 1, 2, 3 "
        "HAVING sum(clicks) <> 0 OR sum(conversions) <> 0", org.org_id)))
    return found


async def lose_rollups(org: Org) -> None:
    org_id = uuid.UUID(org.org_id)
    for table, _ in DAY_TABLES:
        await ledger_sql(f"DELETE FROM {table} WHERE org_id = $1", org_id)
    await ledger_sql("DELETE FROM metric_leaders WHERE org_id = $1", org_id)
    await ledger_sql("DELETE FROM metric_affiliate_activity WHERE org_id = $1", org_id)


def rebuild(org: Org, *extra: str) -> tuple[dict[str, Any], str]:
    today = datetime.now(UTC).date().isoformat()  # the test's events are all applied
    done = rekomi("admin", "metrics-rebuild", "--org", org.org_id, "--through", today,
                  "--json", *extra)
    return json.loads(done.stdout), done.stderr


async def test_lost_rollups_come_back_from_the_owners_data(http: aiohttp.ClientSession
                                                           ) -> None:
    org, a, _b, big = await seeded(http)
    # its grace period ends now: the ledger's approval job approves it (conversion.approved)
    await ledger_sql("UPDATE conversions SET approve_after = now() WHERE id = $1",
                     uuid.UUID(big))

    async def approved() -> Any:
        return (await insight(http, org, "funnel"))["steps"][2]["count"] == 1 or None

    await eventually(approved, timeout=20, what="the approval in the funnel")
    before = await figures(http, org)
    assert before["summary {}"]["totalClicks"] == 4
    assert [d[1:] for d in before["dims"] if d[0] == a.affiliate_id and d[1] == "link"] == [
        ("link", a.slug, 3, 1, 2000)]

    await lose_rollups(org)
    assert (await get(http, org, "summary"))["totalClicks"] == 0

    report, progress = rebuild(org)
    assert report == {"orgId": org.org_id, "firstDay": datetime.now(UTC).date().isoformat(),
                      "lastDay": datetime.now(UTC).date().isoformat(), "resumed": False,
                      "daysRebuilt": 1, "conversions": 3, "clicks": 4, "payouts": 0}
    assert "[##############################] 1/1 days" in progress
    assert await figures(http, org) == before

    again, _ = rebuild(org)  # a finished rebuild is started afresh: the same figures
    assert (again["resumed"], again["daysRebuilt"]) == (False, 1)
    assert await figures(http, org) == before


async def test_a_stopped_rebuild_resumes_at_its_next_day(http: aiohttp.ClientSession) -> None:
    org, _a, _b, _big = await seeded(http)
    before = await figures(http, org)
    today = datetime.now(UTC).date()
    first = today - timedelta(days=3)
    settings = Settings()
    bus = Bus(settings.amqp_url, namespace=settings.namespace, service="test-rebuild")
    await bus.connect(wait_seconds=10)
    try:  # a rebuild planned, then stopped before its first day
        await PLAN_REBUILD.call(bus, {"orgId": org.org_id, "firstClickDay": None,
                                      "since": first.isoformat(),
                                      "through": today.isoformat(), "restart": False})
    finally:
        await bus.close()
    await lose_rollups(org)

    report, progress = rebuild(org)
    assert (report["resumed"], report["firstDay"], report["daysRebuilt"]) == (
        True, first.isoformat(), 4)
    assert "4/4 days" in progress
    assert await figures(http, org) == before


async def test_an_unknown_org_rebuilds_nothing() -> None:
    org = Org(str(uuid.uuid4()), "nobody", "", "")
    report, _ = rebuild(org)
    assert (report["daysRebuilt"], report["conversions"], report["clicks"]) == (1, 0, 0)
