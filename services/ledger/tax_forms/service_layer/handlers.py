"""Tax forms: attach one (over the bus: there is no public upload route), hand the brand a
short-lived, single-use download link (audited on every read), and serve those links."""

from __future__ import annotations

import base64
import binascii
import uuid

import asyncpg

from libs.contracts import tax_forms as contract
from libs.contracts.common import Actor, ActorType
from libs.shared.clock import now_utc
from libs.shared.errors import ValidationFailed
from libs.shared.ids import new_id
from libs.shared.uow import unit_of_work
from services.ledger.affiliates.adapters.repository import AffiliatesRepository
from services.ledger.domain.errors import AffiliateNotFound, SignedUrlInvalid, TaxFormNotFound
from services.ledger.tax_forms.adapters.repository import (
    DownloadLinksRepository,
    TaxFormsRepository,
)
from services.ledger.tax_forms.adapters.signed_links import LinkSigner
from services.ledger.tax_forms.adapters.storage import ObjectStorage
from services.ledger.tax_forms.domain import model as domain

SYSTEM = Actor(type=ActorType.system)


async def get_tax_form(pool: asyncpg.Pool, cmd: contract.GetTaxForm, *,
                       signer: LinkSigner, expires_in: int) -> contract.TaxFormLink:
    now = now_utc()
    async with unit_of_work(pool) as tx:
        if await AffiliatesRepository(tx.conn).get(cmd.org_id, cmd.affiliate_id) is None:
            raise AffiliateNotFound("affiliate not found")
        form = await TaxFormsRepository(tx.conn).latest(cmd.org_id, cmd.affiliate_id)
        if form is None:
            raise TaxFormNotFound("this affiliate has not submitted a tax form")
        link = domain.download_link(form, link_id=new_id(), now=now, expires_in=expires_in)
        await DownloadLinksRepository(tx.conn).add(link)
        await tx.audit(org_id=cmd.org_id, actor=cmd.actor, action="affiliate.tax_form_viewed",
                       entity_type="affiliate", entity_id=str(cmd.affiliate_id), before=None,
                       after=domain.form_response(form), created_at=now)
    return domain.link_response(form, signer.url(str(link.id), link.exp), expires_in)


def _decoded(text: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("contentBase64 is not base64", field="contentBase64") from None
    if not data or len(data) > contract.MAX_TAX_FORM_BYTES:
        raise ValidationFailed("a tax form is 1 byte to 2 MiB", field="contentBase64")
    return data


async def _known_affiliate(pool: asyncpg.Pool, org_id: uuid.UUID, affiliate_id: uuid.UUID
                           ) -> None:
    async with pool.acquire() as conn:
        if await AffiliatesRepository(conn).get(org_id, affiliate_id) is None:
            raise AffiliateNotFound("affiliate not found")


async def attach_tax_form(pool: asyncpg.Pool, cmd: contract.AttachTaxForm, *,
                          storage: ObjectStorage) -> contract.TaxFormRecord:
    data, now, form_id = _decoded(cmd.data.content_base64), now_utc(), new_id()
    key = domain.storage_key(cmd.org_id, cmd.affiliate_id, form_id, cmd.data.content_type)
    form = domain.TaxForm(id=form_id, org_id=cmd.org_id, affiliate_id=cmd.affiliate_id,
                          type=cmd.data.type.value, storage_key=key,
                          content_type=cmd.data.content_type, size_bytes=len(data),
                          submitted_at=now)
    # Upload first, then record: a row never names a missing file, and no transaction (locks, a
    # pooled connection) stays open across the upload. A failure after the upload leaves only
    # an object no row names, under a fresh key nothing else uses: harmless, and never served.
    await _known_affiliate(pool, cmd.org_id, cmd.affiliate_id)
    await storage.put(key, data, form.content_type)
    async with unit_of_work(pool) as tx:
        if await AffiliatesRepository(tx.conn).get(cmd.org_id, cmd.affiliate_id) is None:
            raise AffiliateNotFound("affiliate not found")  # deleted during the upload
        await TaxFormsRepository(tx.conn).add(form)
        await tx.audit(org_id=cmd.org_id, actor=cmd.actor or SYSTEM,
                       action="affiliate.tax_form_submitted", entity_type="affiliate",
                       entity_id=str(cmd.affiliate_id), before=None,
                       after=domain.form_response(form), created_at=now)
    return domain.form_response(form)


def _link_id(token: str) -> uuid.UUID:
    try:
        return uuid.UUID(token)
    except ValueError:
        raise SignedUrlInvalid("this link is not valid") from None


async def fetch_file(pool: asyncpg.Pool, cmd: contract.FetchFile, *, signer: LinkSigner,
                     storage: ObjectStorage) -> contract.FileContent:
    """The file behind a download link, once: signature and expiry first (no database read
    for a forged or stale link), then the link's row is locked, the file read and the link
    marked used in one transaction. A concurrent use waits for that row and then finds the
    link used; a read that fails rolls back and leaves the link usable."""
    signer.verify(cmd.token, cmd.exp, cmd.sig)
    async with unit_of_work(pool) as tx:
        links = DownloadLinksRepository(tx.conn)
        link = await links.locked(_link_id(cmd.token))
        if link is None:
            raise SignedUrlInvalid("this link is not valid")
        domain.check_unused(link)
        data = await storage.read(link.storage_key)
        await links.mark_used(link.id, now_utc())
    return contract.FileContent(content_type=link.content_type,
                                content_base64=base64.b64encode(data).decode())
