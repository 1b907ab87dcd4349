"""The ledger's invite methods: declared symbol -> typed use case (the settings they need
bound in)."""

from __future__ import annotations

from functools import partial

from libs.contracts import invites as c
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from libs.shared.settings import Settings
from services.ledger.invites.service_layer import creation as invites
from services.ledger.invites.service_layer import lifecycle as lifecycle
from services.ledger.invites.service_layer.creation import InviteConfig


def invite_config(settings: Settings) -> InviteConfig:
    return InviteConfig(token_secret=settings.invite_token_secret,
                        accept_url_base=settings.invite_accept_url_base)


def add_invite_handlers(table: HandlerTable, ctx: ServiceContext) -> None:
    pool, config = ctx.pool, invite_config(ctx.settings)
    table.add(c.CREATE_INVITE, pool, partial(invites.create_invite, config=config))
    table.add(c.CREATE_BULK_INVITES, pool, partial(invites.create_bulk_invites, config=config))
    table.add(c.LIST_INVITES, pool, lifecycle.list_invites)
    table.add(c.RESEND_INVITE, pool, partial(lifecycle.resend_invite, config=config))
    table.add(c.REVOKE_INVITE, pool, lifecycle.revoke_invite)
    table.add(c.PREVIEW_INVITE, pool, lifecycle.preview_invite)
    table.add(c.ACCEPT_INVITE, pool, lifecycle.accept_invite)
