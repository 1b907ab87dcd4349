"""Wires the ledger: each bounded context's request handlers and subscriptions onto the bus,
and its periodic jobs."""

from __future__ import annotations

from dataclasses import dataclass

from libs.shared.rpc_handlers import HandlerTable, service_table
from libs.shared.runtime import ServiceContext
from libs.shared.settings import Settings
from services.ledger.affiliates.entrypoints.rpc import add_affiliate_handlers
from services.ledger.click_rewards.entrypoints.consumers import subscribe_click_rewards
from services.ledger.conversions.entrypoints.consumers import subscribe as subscribe_attributed
from services.ledger.conversions.entrypoints.dispute_consumers import subscribe_disputes
from services.ledger.conversions.entrypoints.jobs import start_conversion_lifecycle
from services.ledger.conversions.entrypoints.rpc import add_conversion_handlers
from services.ledger.coupon_codes.entrypoints.rpc import add_coupon_code_handlers
from services.ledger.embed.entrypoints.rpc import add_embed_handlers
from services.ledger.fx.adapters.source import FxSource, HttpFxSource
from services.ledger.fx.entrypoints.jobs import start_fx_refresh
from services.ledger.fx.entrypoints.rpc import add_fx_handlers
from services.ledger.imports.entrypoints.rpc import add_imports_handlers
from services.ledger.invites.adapters.mail import Mailer, smtp_mailer
from services.ledger.invites.entrypoints.mail_worker import start_invite_mail
from services.ledger.invites.entrypoints.rpc import add_invite_handlers
from services.ledger.metrics.entrypoints.consumers import subscribe_metrics
from services.ledger.metrics.entrypoints.rpc import add_metrics_handlers
from services.ledger.metrics.entrypoints.subscription_ends import subscribe_subscription_ends
from services.ledger.org_settings.entrypoints.consumers import subscribe_org_settings
from services.ledger.payables.entrypoints.consumers import subscribe_payables
from services.ledger.payables.entrypoints.rpc import add_payables_handlers
from services.ledger.programs.entrypoints.rpc import add_program_handlers
from services.ledger.storefront.entrypoints.rpc import add_storefront_handlers
from services.ledger.sub_affiliates.entrypoints.rpc import add_sub_affiliate_handlers
from services.ledger.tax_forms.adapters.storage import ObjectStorage, storage_from
from services.ledger.tax_forms.entrypoints.rpc import add_tax_form_handlers
from services.ledger.usage.entrypoints.rpc import add_usage_handlers


@dataclass(frozen=True, slots=True)
class OutsideSystems:
    """The ledger's outside systems, chosen here from the settings, once."""

    storage: ObjectStorage  # tax-form files: S3-compatible or local (REKOMI_STORAGE_BACKEND)
    mailer: Mailer  # invite e-mail: SMTP (development: the local catcher)
    fx_source: FxSource  # FX rates files over HTTP(S)

    @classmethod
    def from_settings(cls, settings: Settings) -> OutsideSystems:
        return cls(storage=storage_from(settings), mailer=smtp_mailer(settings),
                   fx_source=HttpFxSource(settings.fx_fetch_timeout_seconds))


def handlers(ctx: ServiceContext, outside: OutsideSystems) -> HandlerTable:
    """Every context's request/reply methods, in one table."""
    table = service_table(ctx)
    add_program_handlers(table, ctx)
    add_affiliate_handlers(table, ctx)
    add_coupon_code_handlers(table, ctx)
    add_storefront_handlers(table, ctx)
    add_sub_affiliate_handlers(table, ctx)
    add_tax_form_handlers(table, ctx, outside.storage)
    add_imports_handlers(table, ctx)
    add_invite_handlers(table, ctx)
    add_conversion_handlers(table, ctx)
    add_fx_handlers(table, ctx, outside.fx_source)
    add_payables_handlers(table, ctx)
    add_metrics_handlers(table, ctx)
    add_usage_handlers(table, ctx)
    add_embed_handlers(table, ctx)
    return table


async def wire(ctx: ServiceContext) -> None:
    outside = OutsideSystems.from_settings(ctx.settings)
    await ctx.bus.serve(handlers(ctx, outside).handlers)
    await subscribe_attributed(ctx.bus, ctx.pool)  # sales, refunds, leads tracking accepted
    await subscribe_disputes(ctx.bus, ctx.pool)  # payment disputes: hold, release or refund
    await subscribe_click_rewards(ctx.bus, ctx.pool)  # CPC: closed click buckets
    await subscribe_org_settings(ctx.bus, ctx.pool)  # the copy of each org's settings
    await subscribe_payables(ctx.bus, ctx.pool)  # payouts paid or cancelled: settle the claims
    await subscribe_metrics(ctx.bus, ctx.pool)  # the dashboard's rollups
    await subscribe_subscription_ends(ctx.bus, ctx.pool)  # ended subscriptions: the churn count
    await start_invite_mail(ctx, outside.mailer)  # invite e-mail: queue consumer + paced sender
    start_conversion_lifecycle(ctx)  # Pending -> Approved after the payout grace days
    start_fx_refresh(ctx, outside.fx_source)  # from REKOMI_FX_RATES_URL, daily (off when unset)
