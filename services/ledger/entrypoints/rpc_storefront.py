"""The ledger's storefront, sub-affiliate and tax-form methods: declared symbol -> use case."""

from __future__ import annotations

from functools import partial

from libs.contracts import storefront as sf
from libs.contracts import subaffiliates as sub
from libs.contracts import tax_forms as tax
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from services.ledger.adapters.storage import storage_from
from services.ledger.service_layer import storefront, sub_affiliates, tax_forms


def add_storefront_handlers(table: HandlerTable, ctx: ServiceContext) -> None:
    pool, storage = ctx.pool, storage_from(ctx.settings)
    expires = ctx.settings.tax_form_url_seconds
    table.add(sf.PROGRAM_BY_HANDLE, pool, storefront.program_by_handle)
    table.add(sf.PROGRAM_BY_DOMAIN, pool, storefront.program_by_domain)
    table.add(sf.APPLY, pool, storefront.apply)
    table.add(sub.GET_SUB_AFFILIATE_CONFIG, pool, sub_affiliates.get_config)
    table.add(sub.PUT_SUB_AFFILIATE_CONFIG, pool, sub_affiliates.put_config)
    table.add(sub.LIST_SUB_AFFILIATES, pool, sub_affiliates.list_sub_affiliates)
    table.add(tax.GET_TAX_FORM, pool,
              partial(tax_forms.get_tax_form, storage=storage, expires_in=expires))
    table.add(tax.ATTACH_TAX_FORM, pool, partial(tax_forms.attach_tax_form, storage=storage))
    table.add(tax.FETCH_FILE, pool, partial(tax_forms.fetch_file, storage=storage))
