"""``rekomi admin`` commands for secrets: a new key for ``REKOMI_SECRETS_KEYS``, re-sealing
every stored secret under the newest key while the services run, and rotating an org's S2S
signing secret.

``rotate-secrets-key`` re-seals the gateway's table here (this command is the gateway's
operator side, as ``create-org`` is) and asks the webhooks and tracking services to re-seal
their own, a batch per call, until nothing under an older key is left. All are resumable: what
is left is found by its stored key id, so an interrupted run is simply run again. Every
service must already hold the new key first in its ring (the owners refuse otherwise)."""

from __future__ import annotations

import argparse
import asyncio
import uuid
from datetime import timedelta
from typing import Any

from libs.contracts.common import as_json
from libs.contracts.secrets import (
    RESEAL_TRACKING_SECRETS,
    RESEAL_WEBHOOK_SECRETS,
    ResealProgress,
    ResealSecrets,
)
from libs.shared.bus import Bus
from libs.shared.db import connect, create_pool
from libs.shared.progress import Progress
from libs.shared.rpc import Rpc
from libs.shared.sealed_columns import reseal_all
from libs.shared.secret_box import get_key_ring, new_key_entry
from libs.shared.settings import get_settings
from services.gateway.adapters.sealed_secrets import ORG_SECRETS
from services.gateway.entrypoints.admin_bus import admin_bus
from services.gateway.service_layer.admin import ADMIN
from services.gateway.service_layer.signing_secret import rotate_signing_secret


async def _new_key(args: argparse.Namespace) -> dict[str, Any]:
    return {"entry": new_key_entry(args.kid)}


async def _dev_key(_args: argparse.Namespace) -> dict[str, Any]:
    """What ``make run`` prints: which key seals (made now in development if none is set)."""
    settings = get_settings()
    ring = get_key_ring()
    where = ("REKOMI_SECRETS_KEYS" if settings.secrets_keys.get_secret_value().strip()
             else settings.secrets_dev_key_file)
    return {"keyId": ring.primary, "from": where}


async def _rotate_signing_secret(args: argparse.Namespace) -> dict[str, Any]:
    settings = get_settings()
    get_key_ring()  # a missing or malformed key setting is reported before anything is read
    conn = await connect(settings.database_url, "gateway")
    try:
        rotated = await rotate_signing_secret(
            conn, uuid.UUID(args.org), ADMIN,
            timedelta(hours=settings.signing_secret_overlap_hours))
    finally:
        await conn.close()
    return {"orgId": args.org, **as_json(rotated)}


def _progress(what: str) -> Any:
    bar: Progress | None = None

    def update(done: int, left: int) -> None:
        nonlocal bar
        bar = bar or Progress(done + left, what)
        bar.total = done + left  # rows written under the old key meanwhile count too
        bar.update(done)
    return update


async def _reseal_gateway(batch: int) -> int:
    pool = await create_pool(get_settings().database_url, "gateway", min_size=1, max_size=1)
    try:
        return await reseal_all(pool, ORG_SECRETS, get_key_ring(), legacy_only=False,
                                batch=batch, progress=_progress("orgs (gateway)"))
    finally:
        await pool.close()


async def _reseal_over_bus(bus: Bus, rpc: Rpc[ResealSecrets, ResealProgress], what: str,
                           batch: int) -> int:
    update, done = _progress(what), 0
    while True:
        reply = await rpc.call(bus, {"keyId": get_key_ring().primary, "limit": batch})
        done += int(reply["resealed"])
        update(done, reply["remaining"])
        if reply["remaining"] == 0:
            return done
        if reply["resealed"] == 0:  # only rows locked by live writes are left
            await asyncio.sleep(0.05)


async def _rotate_secrets_key(args: argparse.Namespace) -> dict[str, Any]:
    ring = get_key_ring()
    async with admin_bus(60.0) as bus:
        # The owning services first: each refuses a key it does not seal under, before any
        # row of the gateway's moved to a key the running services might not hold.
        endpoints = await _reseal_over_bus(bus, RESEAL_WEBHOOK_SECRETS,
                                           "webhook endpoints (webhooks service)", args.batch)
        integrations = await _reseal_over_bus(bus, RESEAL_TRACKING_SECRETS,
                                              "Stripe/Paddle connections (tracking service)",
                                              args.batch)
        orgs = await _reseal_gateway(args.batch)
    return {"keyId": ring.primary, "orgs": orgs, "webhookEndpoints": endpoints,
            "providerIntegrations": integrations, "olderKeys": list(ring.key_ids[1:])}


def add_secrets_commands(sub: Any, runner: Any, org_id: Any) -> None:
    """Registers the commands on ``rekomi admin``'s subcommands (``runner`` and ``org_id``
    are admin_cli's: how a command runs and prints, and how an id argument is parsed)."""
    new = sub.add_parser("new-secrets-key", help="print a fresh kid:key entry for "
                         "REKOMI_SECRETS_KEYS (put it first; keep the old entry after it)")
    new.add_argument("--kid", help="the key id (default: k + 8 random hex digits)")
    new.set_defaults(handler=runner(_new_key))

    dev = sub.add_parser("secrets-key", help="which key seals stored secrets; in development "
                         "without REKOMI_SECRETS_KEYS, makes one in REKOMI_SECRETS_DEV_KEY_FILE")
    dev.set_defaults(handler=runner(_dev_key))

    rotate = sub.add_parser("rotate-secrets-key", help="re-seal every stored secret under the "
                            "first key of REKOMI_SECRETS_KEYS while the services run; resumes "
                            "where it stopped")
    rotate.add_argument("--batch", type=int, default=get_settings().secrets_reseal_batch,
                        help="rows per transaction")
    rotate.set_defaults(handler=runner(_rotate_secrets_key))

    signing = sub.add_parser("rotate-signing-secret", help="give an org a new S2S signing "
                             "secret (shown once); the previous one keeps verifying for "
                             "REKOMI_SIGNING_SECRET_OVERLAP_HOURS")
    signing.add_argument("--org", required=True, type=org_id)
    signing.set_defaults(handler=runner(_rotate_signing_secret))

    for command in (new, dev, rotate, signing):
        command.add_argument("--json", action="store_true", help="print one JSON object")
