"""``rekomi admin ...``: org and key administration; ``--json`` output is a stable contract."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from libs.shared import jsonutil
from libs.shared.db import connect
from libs.shared.errors import RekomiError
from libs.shared.settings import get_settings
from services.gateway.domain.plans import SubscriptionStatus, Tier
from services.gateway.domain.scopes import Scope
from services.gateway.service_layer import admin


async def _with_conn(work: Callable[[asyncpg.Connection], Awaitable[dict[str, Any]]]
                     ) -> dict[str, Any]:
    conn = await connect(get_settings().database_url, "gateway")
    try:
        return await work(conn)
    finally:
        await conn.close()


async def _create_org(args: argparse.Namespace) -> dict[str, Any]:
    async def work(conn: asyncpg.Connection) -> dict[str, Any]:
        org = await admin.create_org(conn, name=args.name, handle=args.handle,
                                     plan=Tier(args.plan), status=SubscriptionStatus(args.status),
                                     home_currency=args.home_currency)
        return {"orgId": str(org.org_id), "handle": org.handle, "apiKey": org.api_key,
                "signingSecret": org.signing_secret}
    return await _with_conn(work)


async def _create_key(args: argparse.Namespace) -> dict[str, Any]:
    async def work(conn: asyncpg.Connection) -> dict[str, Any]:
        key_id, api_key = await admin.create_key(conn, uuid.UUID(args.org), Scope(args.scope))
        return {"keyId": str(key_id), "apiKey": api_key}
    return await _with_conn(work)


async def _revoke_key(args: argparse.Namespace) -> dict[str, Any]:
    async def work(conn: asyncpg.Connection) -> dict[str, Any]:
        await admin.revoke_key(conn, uuid.UUID(args.key))
        return {"keyId": args.key, "revoked": True}
    return await _with_conn(work)


async def _set_plan(args: argparse.Namespace) -> dict[str, Any]:
    async def work(conn: asyncpg.Connection) -> dict[str, Any]:
        await admin.set_plan(conn, uuid.UUID(args.org), Tier(args.plan),
                             SubscriptionStatus(args.status))
        return {"orgId": args.org, "plan": args.plan, "status": args.status}
    return await _with_conn(work)


def _runner(action: Callable[[argparse.Namespace], Awaitable[dict[str, Any]]]
            ) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            result = asyncio.run(action(args))
        except RekomiError as exc:
            print(jsonutil.dumps_str(exc.envelope()) if args.json else f"error: {exc.message}",
                  file=sys.stderr)
            return 1
        if args.json:
            print(jsonutil.dumps_str(result))
        else:
            for key, value in result.items():
                print(f"{key}: {value}")
        return 0
    return run


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an id: {value!r}") from None


def add_admin_commands(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="admin_command", required=True)
    plans = [t.value for t in Tier]
    statuses = [s.value for s in SubscriptionStatus]

    org = sub.add_parser("create-org", help="create an org with a read_write key")
    org.add_argument("--name", required=True)
    org.add_argument("--handle", required=True)
    org.add_argument("--plan", required=True, choices=plans)
    org.add_argument("--status", required=True, choices=statuses)
    org.add_argument("--home-currency", default="USD")
    org.set_defaults(handler=_runner(_create_org))

    key = sub.add_parser("create-key", help="create an API key for an org")
    key.add_argument("--org", required=True, type=_uuid)
    key.add_argument("--scope", required=True, choices=[s.value for s in Scope])
    key.set_defaults(handler=_runner(_create_key))

    revoke = sub.add_parser("revoke-key", help="revoke an API key")
    revoke.add_argument("--key", required=True, type=_uuid)
    revoke.set_defaults(handler=_runner(_revoke_key))

    plan = sub.add_parser("set-plan", help="change an org's plan and subscription status")
    plan.add_argument("--org", required=True, type=_uuid)
    plan.add_argument("--plan", required=True, choices=plans)
    plan.add_argument("--status", required=True, choices=statuses)
    plan.set_defaults(handler=_runner(_set_plan))

    for command in (org, key, revoke, plan):
        command.add_argument("--json", action="store_true", help="print one JSON object")
