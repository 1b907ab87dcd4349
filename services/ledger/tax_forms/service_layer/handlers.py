"""Tax forms: attach one (over the bus: there is no public upload route), hand the brand a
short-lived download link (audited on every read), and serve local signed URLs."""

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
from services.ledger.domain.errors import AffiliateNotFound, FileNotFound, TaxFormNotFound
from services.ledger.tax_forms.adapters.local_storage import LocalFileStorage
from services.ledger.tax_forms.adapters.repository import TaxFormsRepository
from services.ledger.tax_forms.adapters.storage import ObjectStorage
from services.ledger.tax_forms.domain import model as domain

SYSTEM = Actor(type=ActorType.system)
CONTENT_TYPES = {"pdf": "application/pdf"}


async def get_tax_form(pool: asyncpg.Pool, cmd: contract.GetTaxForm, *,
                       storage: ObjectStorage, expires_in: int) -> contract.TaxFormLink:
    async with unit_of_work(pool) as tx:
        if await AffiliatesRepository(tx.conn).get(cmd.org_id, cmd.affiliate_id) is None:
            raise AffiliateNotFound("affiliate not found")
        form = await TaxFormsRepository(tx.conn).latest(cmd.org_id, cmd.affiliate_id)
        if form is None:
            raise TaxFormNotFound("this affiliate has not submitted a tax form")
        await tx.audit(org_id=cmd.org_id, actor=cmd.actor, action="affiliate.tax_form_viewed",
                       entity_type="affiliate", entity_id=str(cmd.affiliate_id), before=None,
                       after=domain.form_response(form), created_at=now_utc())
    return domain.link_response(form, storage.presigned_get(form.storage_key, expires_in),
                                expires_in)


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


async def fetch_file(_pool: asyncpg.Pool, cmd: contract.FetchFile, *,
                     storage: ObjectStorage) -> contract.FileContent:
    """The body behind a local signed URL, once its signature and expiry check out."""
    if not isinstance(storage, LocalFileStorage):
        raise FileNotFound("file not found")
    key = storage.verified_key(cmd.token, cmd.exp, cmd.sig)
    data = await storage.read(key)
    return contract.FileContent(
        content_type=CONTENT_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream"),
        content_base64=base64.b64encode(data).decode())
