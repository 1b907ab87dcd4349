"""``rekomi admin dev-token --org ID --role Owner`` (or ``--affiliate ID``): print a JWT signed
by the local dev issuer that ``make run`` serves, for trying the dashboard's JWT path:

    TOKEN=$(.venv/bin/rekomi admin dev-token --org $ORG --role Manager)
    curl -s http://127.0.0.1:8080/api/v1/programs -H "Authorization: Bearer $TOKEN"

The claims follow the configured mapping (``REKOMI_JWT_*_CLAIM``), so the gateway reads them
as it would a real issuer's. ``--affiliate`` asks the ledger for that affiliate's e-mail (the
services must be running) and signs a verified-e-mail token for the affiliate portal.
Refused in production, and wherever the gateway trusts another issuer."""

from __future__ import annotations

import argparse
import time
import uuid
from pathlib import Path
from typing import Any

from libs.contracts.affiliate_sessions import RESOLVE_AFFILIATE_IDENTITY, AffiliateIdentity
from libs.shared.errors import RekomiError
from libs.shared.settings import Settings, get_settings
from services.gateway.adapters.dev_keys import sign, signing_key
from services.gateway.domain.claims import parse_role_map, put_claim
from services.gateway.domain.roles import Role
from services.gateway.entrypoints.admin_bus import admin_bus
from services.gateway.service_layer.token_verifier import (
    audiences_of,
    dev_issuer_url,
    issuer_of,
)


def _refused(settings: Settings) -> str | None:
    if settings.env == "production":
        return "dev tokens are refused in production"
    if issuer_of(settings) != dev_issuer_url(settings):
        return (f"the gateway trusts {issuer_of(settings) or 'no issuer'}, not the dev issuer "
                f"{dev_issuer_url(settings)} (development, with REKOMI_JWT_ISSUER unset)")
    return None


def idp_role_name(settings: Settings, role: Role) -> str:
    """The name the configured role map reads as ``role`` (the role's own name by default)."""
    names = parse_role_map(settings.jwt_role_map)
    return next((name for name, mapped in names.items() if mapped is role), role.name)


def token_claims(settings: Settings, *, user: str, email: str, verified: bool, ttl: int,
                 org: uuid.UUID | None = None, role: Role | None = None) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {"iss": dev_issuer_url(settings),
                              "aud": audiences_of(settings)[0], "iat": now, "nbf": now,
                              "exp": now + ttl}
    for path, value in ((settings.jwt_user_claim, user), (settings.jwt_email_claim, email),
                        (settings.jwt_email_verified_claim, verified)):
        put_claim(claims, path, value)
    if org is not None and role is not None:
        put_claim(claims, settings.jwt_org_claim, str(org))
        put_claim(claims, settings.jwt_role_claim, idp_role_name(settings, role))
    else:
        put_claim(claims, settings.jwt_affiliate_claim, email)
    return claims


async def _affiliate_email(affiliate: uuid.UUID) -> str:
    async with admin_bus() as bus:
        found = AffiliateIdentity.model_validate(await RESOLVE_AFFILIATE_IDENTITY.call(
            bus, {"affiliateId": str(affiliate)}))
    if found.email is None:
        raise RekomiError(f"no affiliate {affiliate}", code="affiliate_not_found")
    return found.email


async def dev_token(args: argparse.Namespace) -> dict[str, Any]:
    settings = get_settings()
    refused = _refused(settings)
    if refused is not None:
        raise RekomiError(refused, code="bad_request")
    verified = not args.unverified
    if args.affiliate is not None:
        email = await _affiliate_email(uuid.UUID(args.affiliate))
        claims = token_claims(settings, user=args.user or f"dev-affiliate|{email}", email=email,
                              verified=verified, ttl=args.ttl)
    else:
        role = Role[args.role]
        email = args.email or f"{role.name.lower()}@dev.rekomi.localhost"
        claims = token_claims(settings, user=args.user or f"dev-user|{email}", email=email,
                              verified=verified, ttl=args.ttl, org=uuid.UUID(args.org),
                              role=role)
    token = sign(signing_key(Path(settings.dev_issuer_dir)), claims)
    if not args.json:
        print(token)  # bare, for TOKEN=$(rekomi admin dev-token ...)
        return {}
    return {"token": token, "claims": claims}


def add_dev_token_command(sub: Any, runner: Any, org_id: Any) -> None:
    """Registers the command on ``rekomi admin``'s subcommands (``runner`` and ``org_id`` are
    admin_cli's: how a command runs and prints, and how an id argument is parsed)."""
    cmd = sub.add_parser("dev-token", help="print a JWT of the local dev issuer (development "
                         "only): a brand operator of an org, or an affiliate")
    who = cmd.add_mutually_exclusive_group(required=True)
    who.add_argument("--org", type=org_id, help="a brand operator of this org")
    who.add_argument("--affiliate", type=org_id, help="this affiliate (its e-mail, verified)")
    cmd.add_argument("--role", choices=[r.name for r in Role], default=Role.Owner.name,
                     help="the operator's role (Owner)")
    cmd.add_argument("--email", help="the operator's e-mail (<role>@dev.rekomi.localhost)")
    cmd.add_argument("--user", help="the subject: the audit log's actorUserId")
    cmd.add_argument("--unverified", action="store_true", help="an unverified e-mail")
    cmd.add_argument("--ttl", type=int, default=3600, help="seconds until it expires (3600)")
    cmd.add_argument("--json", action="store_true", help="print the token and its claims")
    cmd.set_defaults(handler=runner(dev_token))
