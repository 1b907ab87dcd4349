"""Storefront, sub-affiliate and tax-form routes that need gateway-owned data (org handle,
name, home currency) or request details (the actor of an audited read) before the ledger."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import asyncpg
from aiohttp import web

from libs.contracts import storefront as sf
from libs.contracts.subaffiliates import LIST_SUB_AFFILIATES
from libs.contracts.tax_forms import FETCH_FILE, GET_TAX_FORM
from libs.shared.errors import NotFound
from services.gateway.adapters.orgs_repository import OrgsRepository
from services.gateway.entrypoints.http.keys import BUS, POOL, PRINCIPAL
from services.gateway.entrypoints.http.views import actor_of


def _no_program() -> NotFound:
    # An unknown handle answers exactly like a handle without an active program.
    return NotFound("no active program here", code="program_not_found")


async def _org(request: web.Request, *, handle: str | None = None,
               org_id: uuid.UUID | None = None) -> asyncpg.Record:
    async with request.app[POOL].acquire() as conn:
        repo = OrgsRepository(conn)
        row = await (repo.org_by_handle(handle) if handle is not None
                     else repo.org(org_id))  # type: ignore[arg-type]
    if row is None:
        raise _no_program()
    return row


async def by_handle(request: web.Request, _payload: dict[str, Any]) -> sf.StorefrontProgram:
    org = await _org(request, handle=request.match_info["handle"].lower())
    asked = {"orgId": str(org["id"]), "campaign": request.match_info.get("campaign")}
    program = sf.StorefrontListing.model_validate(
        await sf.PROGRAM_BY_HANDLE.call(request.app[BUS], asked))
    return sf.StorefrontProgram(organization_name=org["name"], **dict(program))


async def by_domain(request: web.Request, payload: dict[str, Any]) -> sf.DomainResult:
    found = sf.DomainOwner.model_validate(
        await sf.PROGRAM_BY_DOMAIN.call(request.app[BUS], {"host": payload["host"]}))
    org = await _org(request, org_id=found.org_id)
    return sf.DomainResult(handle=org["handle"], slug=found.slug)


async def sub_affiliates(request: web.Request, payload: dict[str, Any]) -> Any:
    org = await _org(request, org_id=request[PRINCIPAL].org_id)
    return await LIST_SUB_AFFILIATES.call(request.app[BUS],
                                          {**payload, "currency": org["home_currency"]})


async def tax_form(request: web.Request, payload: dict[str, Any]) -> Any:
    """A GET, yet audited: the ledger records who read the link."""
    actor = actor_of(request, request[PRINCIPAL])
    return await GET_TAX_FORM.call(request.app[BUS], {**payload, "actor": actor})


async def signed_file(request: web.Request, payload: dict[str, Any]) -> Any:
    """Serve a download link's file, once (the ledger checks the signature, reads the file and
    uses the link up)."""
    found = await FETCH_FILE.call(request.app[BUS], {
        "token": request.match_info["token"], **payload})
    return web.Response(body=base64.b64decode(found["contentBase64"]),
                        headers={"Cache-Control": "no-store",
                                 "Content-Disposition": "attachment",
                                 "Content-Type": found["contentType"]})
