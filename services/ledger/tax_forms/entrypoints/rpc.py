"""The ledger's tax-form and signed-file methods: declared symbol -> typed use case."""

from __future__ import annotations

from functools import partial

from libs.contracts import tax_forms as tax
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from services.ledger.tax_forms.adapters.signed_links import LinkSigner
from services.ledger.tax_forms.adapters.storage import ObjectStorage
from services.ledger.tax_forms.service_layer import handlers as tax_forms


def add_tax_form_handlers(table: HandlerTable, ctx: ServiceContext,
                          storage: ObjectStorage) -> None:
    pool, expires = ctx.pool, ctx.settings.tax_form_url_seconds
    signer = LinkSigner.from_settings(ctx.settings)
    table.add(tax.GET_TAX_FORM, pool,
              partial(tax_forms.get_tax_form, signer=signer, expires_in=expires))
    table.add(tax.ATTACH_TAX_FORM, pool, partial(tax_forms.attach_tax_form, storage=storage))
    table.add(tax.FETCH_FILE, pool,
              partial(tax_forms.fetch_file, signer=signer, storage=storage))
