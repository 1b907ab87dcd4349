"""``rekomi``: the operator's command. ``migrate``, ``run`` (every service, one supervisor) and
``admin ...`` (orgs and API keys, owned by the gateway) and ``dev ...`` (local development
tools)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from libs.shared.db import ensure_database
from libs.shared.migrations import migrate_all
from libs.shared.settings import SERVICES, get_settings

ROOT = Path(__file__).parent


def migration_folders() -> dict[str, Path]:
    return {name: ROOT / name / "adapters" / "migrations" for name in SERVICES}


async def _migrate() -> None:
    settings = get_settings()
    await ensure_database(settings.database_url)
    applied = await migrate_all(settings.database_url, migration_folders())
    for schema, versions in applied.items():
        print(f"{schema}: {', '.join(versions) if versions else 'up to date'}")


def main(argv: list[str] | None = None) -> int:
    from services.gateway.entrypoints.admin_cli import add_admin_commands
    from services.launcher import run_all
    from services.webhooks.entrypoints.receive_cli import add_dev_commands

    parser = argparse.ArgumentParser(prog="rekomi", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply every service's pending SQL migrations")
    sub.add_parser("run", help="start all five services under one supervisor (Ctrl-C stops)")
    add_admin_commands(sub.add_parser("admin", help="orgs and API keys"))
    add_dev_commands(sub.add_parser("dev", help="tools for local development"))
    args = parser.parse_args(argv)
    if args.command == "migrate":
        asyncio.run(_migrate())
        return 0
    if args.command == "run":
        return run_all()
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
