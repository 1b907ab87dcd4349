"""The ledger's tax-form methods: name -> typed use case (the object storage bound in)."""

from __future__ import annotations

from functools import partial

from libs.contracts import tax_forms as tax
from libs.shared.rpc import RpcHandler
from libs.shared.rpc_handlers import typed
from libs.shared.runtime import ServiceContext
from services.ledger.tax_forms.adapters.storage import ObjectStorage
from services.ledger.tax_forms.service_layer import handlers as tax_forms


def tax_form_handlers(ctx: ServiceContext, storage: ObjectStorage) -> dict[str, RpcHandler]:
    pool = ctx.pool
    expires = ctx.settings.tax_form_url_seconds
    return {
        "tax_forms.get": typed(pool, tax.GetTaxForm, partial(
            tax_forms.get_tax_form, storage=storage, expires_in=expires)),
        "tax_forms.attach": typed(pool, tax.AttachTaxForm, partial(
            tax_forms.attach_tax_form, storage=storage)),
        "storage.fetch": typed(pool, tax.FetchFile, partial(tax_forms.fetch_file,
                                                            storage=storage)),
    }
