"""``rekomi admin metrics-rebuild --org ID``: rebuild an org's dashboard rollups from the
owners' data, one UTC day at a time, with a progress bar. The ledger keeps the cursor, so the
command run again after an interruption resumes at the day it stopped (``--restart`` starts
over). Each day, tracking sends its clicks (as rollup cells) and payouts its paid payouts, and
the ledger replaces the day's rollups with them and its own conversions
(``services/ledger/metrics/service_layer/rebuild.py`` says why that is exact under live
traffic). By default it stops two days before today: newer clicks may still be rolling up."""

from __future__ import annotations

import argparse
import uuid
from datetime import date, timedelta
from typing import Any

from libs.contracts import metrics_rebuild as r
from libs.shared.bus import Bus
from libs.shared.clock import now_utc
from libs.shared.progress import Progress
from services.gateway.entrypoints.admin_bus import admin_bus

SETTLED_DAYS = 2


async def rebuild(args: argparse.Namespace) -> dict[str, Any]:
    async with admin_bus(120.0) as bus:
        return await _rebuild(bus, uuid.UUID(args.org), args.since,
                              args.through or now_utc().date() - timedelta(days=SETTLED_DAYS),
                              args.restart)


async def _rebuild(bus: Bus, org: uuid.UUID, since: date | None, through: date,
                   restart: bool) -> dict[str, Any]:
    org_id = str(org)
    first_click = await r.FIRST_CLICK.call(bus, {"orgId": org_id})
    plan = r.RebuildPlan.model_validate(await r.PLAN_REBUILD.call(bus, {
        "orgId": org_id, "firstClickDay": first_click["day"], "through": through.isoformat(),
        "since": since.isoformat() if since else None, "restart": restart}))
    days = [plan.next_day + timedelta(days=i)
            for i in range((plan.last_day - plan.next_day).days + 1)]
    totals = {"conversions": 0, "clicks": 0, "payouts": 0}
    progress = Progress(len(days), "days")
    progress.update(0, "resumed" if plan.resumed else "")
    for done, day in enumerate(days, start=1):
        query = {"orgId": org_id, "day": day.isoformat()}
        cells = (await r.CLICK_CELLS.call(bus, query))["cells"]
        payouts = (await r.PAID_ON.call(bus, query))["payouts"]
        rebuilt = await r.REBUILD_DAY.call(bus, {**query, "cells": cells, "payouts": payouts})
        for key in totals:
            totals[key] += rebuilt[key]
        progress.update(done, day.isoformat())
    return {"orgId": org_id, "firstDay": plan.first_day.isoformat(),
            "lastDay": plan.last_day.isoformat(), "resumed": plan.resumed,
            "daysRebuilt": len(days), **totals}


def add_rebuild_command(sub: Any, runner: Any, org_id: Any) -> None:
    """Registers the command on ``rekomi admin``'s subcommands (``runner`` and ``org_id`` are
    admin_cli's: how a command runs and prints, and how an id argument is parsed)."""
    cmd = sub.add_parser("metrics-rebuild", help="rebuild an org's dashboard rollups from the "
                         "owners' data, a day at a time; resumes where it stopped")
    cmd.add_argument("--org", required=True, type=org_id)
    cmd.add_argument("--since", type=date.fromisoformat, default=None,
                     help="first day (default: the org's first click, conversion or payout)")
    cmd.add_argument("--through", type=date.fromisoformat, default=None,
                     help=f"last day (default: {SETTLED_DAYS} days before today; a later day "
                          "only when no click events are in flight)")
    cmd.add_argument("--restart", action="store_true",
                     help="start over instead of resuming an unfinished rebuild")
    cmd.add_argument("--json", action="store_true", help="print one JSON object")
    cmd.set_defaults(handler=runner(rebuild))
