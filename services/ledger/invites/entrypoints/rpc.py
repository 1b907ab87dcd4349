"""The ledger's invite methods: name -> typed use case (the settings they need bound in)."""

from __future__ import annotations

from functools import partial
from typing import Any

from libs.contracts import invites as c
from libs.shared.rpc import RpcHandler
from libs.shared.rpc_handlers import typed
from libs.shared.runtime import ServiceContext
from libs.shared.settings import Settings
from services.ledger.invites.service_layer import creation as invites
from services.ledger.invites.service_layer import lifecycle as lifecycle
from services.ledger.invites.service_layer.creation import InviteConfig


def invite_config(settings: Settings) -> InviteConfig:
    return InviteConfig(token_secret=settings.invite_token_secret,
                        accept_url_base=settings.invite_accept_url_base)


def invite_handlers(ctx: ServiceContext) -> dict[str, RpcHandler]:
    pool, config = ctx.pool, invite_config(ctx.settings)

    def bound(use_case: Any) -> Any:
        fn: Any = partial(use_case, config=config)
        return fn

    handlers: dict[str, RpcHandler] = {
        "invites.create": typed(pool, c.CreateInvite, bound(invites.create_invite)),
        "invites.bulk": typed(pool, c.CreateBulkInvites, bound(invites.create_bulk_invites)),
        "invites.list": typed(pool, c.ListInvites, lifecycle.list_invites),
        "invites.resend": typed(pool, c.ResendInvite, bound(lifecycle.resend_invite)),
        "invites.revoke": typed(pool, c.RevokeInvite, lifecycle.revoke_invite),
        "invites.preview": typed(pool, c.PreviewInvite, lifecycle.preview_invite),
        "invites.accept": typed(pool, c.AcceptInvite, lifecycle.accept_invite),
    }
    return handlers



