"""``rekomi admin ...``: org and key administration; ``--json`` output is a stable contract."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from libs.contracts.api_keys import MAX_KEY_NAME, ApiKeyKind
from libs.contracts.common import Actor, ActorType
from libs.contracts.fx import LOAD_FX_RATES
from libs.contracts.imports import REVERT_IMPORT
from libs.contracts.payables import SET_PAYOUT_DETAILS
from libs.shared import jsonutil
from libs.shared.db import Conn, connect
from libs.shared.errors import RekomiError
from libs.shared.settings import get_settings
from services.gateway.domain.plans import SubscriptionStatus, Tier
from services.gateway.domain.scopes import Scope
from services.gateway.entrypoints.admin_bus import admin_bus
from services.gateway.entrypoints.dev_token_cli import add_dev_token_command
from services.gateway.entrypoints.metrics_rebuild_cli import add_rebuild_command
from services.gateway.entrypoints.secrets_cli import add_secrets_commands
from services.gateway.service_layer import admin
from services.gateway.service_layer.org_settings import announce_all


async def _with_conn(work: Callable[[Conn], Awaitable[dict[str, Any]]]
                     ) -> dict[str, Any]:
    conn = await connect(get_settings().database_url, "gateway")
    try:
        return await work(conn)
    finally:
        await conn.close()


async def _create_org(args: argparse.Namespace) -> dict[str, Any]:
    async def work(conn: Conn) -> dict[str, Any]:
        org = await admin.create_org(conn, name=args.name, handle=args.handle,
                                     plan=Tier(args.plan), status=SubscriptionStatus(args.status),
                                     home_currency=args.home_currency)
        return {"orgId": str(org.org_id), "handle": org.handle, "apiKey": org.api_key,
                "signingSecret": org.signing_secret}
    return await _with_conn(work)


async def _create_key(args: argparse.Namespace) -> dict[str, Any]:
    async def work(conn: Conn) -> dict[str, Any]:
        key_id, api_key = await admin.create_key(conn, uuid.UUID(args.org), Scope(args.scope),
                                                 kind=ApiKeyKind(args.kind), name=args.name)
        return {"keyId": str(key_id), "apiKey": api_key, "kind": args.kind}
    return await _with_conn(work)


async def _revoke_key(args: argparse.Namespace) -> dict[str, Any]:
    async def work(conn: Conn) -> dict[str, Any]:
        await admin.revoke_key(conn, uuid.UUID(args.key))
        return {"keyId": args.key, "revoked": True}
    return await _with_conn(work)


async def _set_plan(args: argparse.Namespace) -> dict[str, Any]:
    async def work(conn: Conn) -> dict[str, Any]:
        await admin.set_plan(conn, uuid.UUID(args.org), Tier(args.plan),
                             SubscriptionStatus(args.status))
        return {"orgId": args.org, "plan": args.plan, "status": args.status}
    return await _with_conn(work)


async def _publish_org_settings(_args: argparse.Namespace) -> dict[str, Any]:
    async def work(conn: Conn) -> dict[str, Any]:
        return {"orgsAnnounced": await announce_all(conn)}
    return await _with_conn(work)


async def _revert_import(args: argparse.Namespace) -> dict[str, Any]:
    """The data is the ledger's: ask it over the bus (the ledger must be running)."""
    async with admin_bus(60.0) as bus:
        actor = Actor(type=ActorType.admin).model_dump(mode="json", by_alias=True)
        result: dict[str, Any] = await REVERT_IMPORT.call(bus, {"jobId": args.job,
                                                                "actor": actor})
    return result


async def _payout_details(args: argparse.Namespace) -> dict[str, Any]:
    """The affiliate is the ledger's: ask it over the bus (the ledger must be running)."""
    details = {key: None if value == "" else value for key, value in (
        ("stripeAccountId", args.stripe_account), ("paypalEmail", args.paypal_email),
        ("wiseRecipientId", args.wise_recipient)) if value is not None}
    async with admin_bus() as bus:
        actor = Actor(type=ActorType.admin).model_dump(mode="json", by_alias=True)
        result: dict[str, Any] = await SET_PAYOUT_DETAILS.call(bus, {
            "affiliateId": args.affiliate, "actor": actor, "data": details})
    return result


def _fx_source(args: argparse.Namespace) -> dict[str, str]:
    """The ledger fetches a ``--url`` itself; a ``--file`` is read here and sent, since the
    ledger may run on another host."""
    if args.url:
        return {"url": args.url}
    try:
        return {"content": Path(args.file).read_text(encoding="utf-8-sig")}
    except (OSError, UnicodeDecodeError) as exc:
        raise RekomiError(f"cannot read {args.file}: {exc}", code="validation_failed",
                          field="file") from None


async def _load_fx(args: argparse.Namespace) -> dict[str, Any]:
    """The rates are the ledger's: ask it over the bus (the ledger must be running)."""
    payload = _fx_source(args)
    async with admin_bus(300.0) as bus:
        result: dict[str, Any] = await LOAD_FX_RATES.call(bus, payload)
    return result


DEMO_STATE = Path(".run/demo.json")


def _read_state() -> dict[str, Any]:
    if not DEMO_STATE.exists():
        return {}
    state: dict[str, Any] = jsonutil.loads(DEMO_STATE.read_bytes())
    return state


def _write_state(state: dict[str, Any]) -> None:
    DEMO_STATE.parent.mkdir(exist_ok=True)
    DEMO_STATE.write_bytes(jsonutil.dumps(state))
    DEMO_STATE.chmod(0o600)


def first_curls(port: int, api_key: str) -> str:
    """The first calls ``make run`` suggests (tests/e2e/test_first_curls.py runs them)."""
    return (f"  curl -s -X POST http://127.0.0.1:{port}/api/v1/programs \\\n"
            f"    -H 'Authorization: Bearer {api_key}' \\\n"
            f"    -H 'Content-Type: application/json' \\\n"
            f"    -d '{{\"name\":\"Default program\",\"defaultCommissionType\":"
            f"\"Percentage\",\"defaultCommissionValue\":20}}'\n"
            f"  curl -s http://127.0.0.1:{port}/api/v1/programs "
            f"-H 'Authorization: Bearer {api_key}'")


async def _ensure_demo(args: argparse.Namespace) -> dict[str, Any]:
    """Create the demo org once. Keys are stored hashed, so the plaintext shown at creation is
    kept in a local, git-ignored file; if that file is gone a fresh key is issued."""
    state = _read_state()

    async def work(conn: Conn) -> dict[str, Any]:
        org = await admin.org_by_handle(conn, args.handle)
        if org is None:
            created = await admin.create_org(conn, name="Demo brand", handle=args.handle,
                                             plan=Tier.Pro, status=SubscriptionStatus.Trialing)
            return {"orgId": str(created.org_id), "handle": created.handle,
                    "apiKey": created.api_key, "signingSecret": created.signing_secret}
        if state.get("orgId") == str(org["id"]) and state.get("apiKey"):
            return dict(state)
        _key_id, api_key = await admin.create_key(conn, org["id"], Scope.read_write)
        return {"orgId": str(org["id"]), "handle": org["handle"], "apiKey": api_key,
                "signingSecret": await admin.signing_secret(conn, org["id"])}

    result = await _with_conn(work)
    _write_state(result)
    if not args.json:
        print(f"Demo org '{result['handle']}' ({result['orgId']})\n"
              f"  API key:        {result['apiKey']}\n"
              f"  Signing secret: {result['signingSecret']}\n"
              f"Try, once the services are up:\n"
              + first_curls(get_settings().gateway_port, result["apiKey"])
              + f"\nAn AI assistant: an MCP key (rekomi admin create-key --org "
              f"{result['orgId']} --kind mcp --scope read --name Assistant) at "
              f"http://127.0.0.1:{get_settings().gateway_port}/mcp (README: MCP server)")
        return {}
    return result


def _runner(action: Callable[[argparse.Namespace], Coroutine[Any, Any, dict[str, Any]]]
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
        elif not result:
            pass
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


def _key_name(value: str) -> str:
    name = value.strip()
    if not 1 <= len(name) <= MAX_KEY_NAME:
        raise argparse.ArgumentTypeError(f"a key name has 1 to {MAX_KEY_NAME} characters")
    return name


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
    key.add_argument("--kind", default=ApiKeyKind.live.value,
                     choices=[k.value for k in ApiKeyKind],
                     help="live: rk_live_... (default); mcp: rk_mcp_..., for the MCP server")
    key.add_argument("--name", type=_key_name, help="what the key is for, as lists show it")
    key.set_defaults(handler=_runner(_create_key))

    revoke = sub.add_parser("revoke-key", help="revoke an API key")
    revoke.add_argument("--key", required=True, type=_uuid)
    revoke.set_defaults(handler=_runner(_revoke_key))

    plan = sub.add_parser("set-plan", help="change an org's plan and subscription status")
    plan.add_argument("--org", required=True, type=_uuid)
    plan.add_argument("--plan", required=True, choices=plans)
    plan.add_argument("--status", required=True, choices=statuses)
    plan.set_defaults(handler=_runner(_set_plan))

    publish = sub.add_parser("publish-org-settings", help="announce every org's settings again "
                             "(org.settings_changed) to the services that keep a copy; they "
                             "ignore what they already have")
    publish.set_defaults(handler=_runner(_publish_org_settings))

    revert = sub.add_parser("revert-import", help="undo an import: remove the affiliates and "
                            "links its job created, mark the job Reverted (repeating is a no-op)")
    revert.add_argument("--job", required=True, type=_uuid, help="the import's jobId")
    revert.add_argument("--json", action="store_true", help="print one JSON object")
    revert.set_defaults(handler=_runner(_revert_import))

    details = sub.add_parser("payout-details", help="set where an affiliate is paid by each "
                             "payout method (\"\" clears one); the values are never shown")
    details.add_argument("--affiliate", required=True, type=_uuid, help="the affiliate's id")
    details.add_argument("--stripe-account", help="connected Stripe account id (acct_...)")
    details.add_argument("--paypal-email", help="PayPal e-mail address")
    details.add_argument("--wise-recipient", help="Wise recipient account id (digits)")
    details.add_argument("--json", action="store_true", help="print one JSON object")
    details.set_defaults(handler=_runner(_payout_details))

    fx = sub.add_parser("load-fx", help="load ECB-style FX rates (XML or CSV, EUR base) into "
                        "the ledger; repeating a load changes nothing")
    fx_source = fx.add_mutually_exclusive_group(required=True)
    fx_source.add_argument("--url", help="fetched by the ledger (http or https)")
    fx_source.add_argument("--file", help="a local eurofxref-daily.xml / eurofxref-hist.csv")
    fx.add_argument("--json", action="store_true", help="print one JSON object")
    fx.set_defaults(handler=_runner(_load_fx))

    add_rebuild_command(sub, _runner, _uuid)
    add_dev_token_command(sub, _runner, _uuid)
    add_secrets_commands(sub, _runner, _uuid)

    demo = sub.add_parser("ensure-demo", help="create the demo org once; print its key and a curl")
    demo.add_argument("--handle", default="demo")
    demo.set_defaults(handler=_runner(_ensure_demo))

    for command in (org, key, revoke, plan, demo, publish):
        command.add_argument("--json", action="store_true", help="print one JSON object")
