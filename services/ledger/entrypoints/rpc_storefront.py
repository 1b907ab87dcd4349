"""The ledger's storefront, sub-affiliate and tax-form methods: name -> typed use case."""

from __future__ import annotations

from functools import partial

from libs.contracts import storefront as sf
from libs.contracts import subaffiliates as sub
from libs.contracts import tax_forms as tax
from libs.shared.rpc import RpcHandler
from libs.shared.rpc_handlers import typed
from libs.shared.runtime import ServiceContext
from services.ledger.adapters.storage import storage_from
from services.ledger.service_layer import storefront, sub_affiliates, tax_forms


def storefront_handlers(ctx: ServiceContext) -> dict[str, RpcHandler]:
    pool, storage = ctx.pool, storage_from(ctx.settings)
    expires = ctx.settings.tax_form_url_seconds
    return {
        "storefront.by_handle": typed(pool, sf.ProgramByHandle, storefront.program_by_handle),
        "storefront.by_domain": typed(pool, sf.ProgramByDomain, storefront.program_by_domain),
        "storefront.apply": typed(pool, sf.Apply, storefront.apply),
        "programs.sub_affiliate_config": typed(pool, sub.GetSubAffiliateConfig,
                                               sub_affiliates.get_config),
        "programs.put_sub_affiliate_config": typed(pool, sub.PutSubAffiliateConfig,
                                                   sub_affiliates.put_config),
        "affiliates.sub_affiliates": typed(pool, sub.ListSubAffiliates,
                                           sub_affiliates.list_sub_affiliates),
        "tax_forms.get": typed(pool, tax.GetTaxForm, partial(
            tax_forms.get_tax_form, storage=storage, expires_in=expires)),
        "tax_forms.attach": typed(pool, tax.AttachTaxForm, partial(
            tax_forms.attach_tax_form, storage=storage)),
        "storage.fetch": typed(pool, tax.FetchFile, partial(tax_forms.fetch_file,
                                                            storage=storage)),
    }
