"""The public embedded dashboard's body: the ledger's figures for the token's affiliate, in the
org's home currency, themed with the org's brand (name and colour: the gateway's own org row,
cached per replica)."""

from __future__ import annotations

from libs.contracts.embed import EMBED_FIGURES, EmbedDashboard, EmbedFigures
from libs.shared.bus import Bus
from libs.shared.bus_rpc import RemoteError
from services.gateway.adapters.principal_cache import PrincipalCache
from services.gateway.domain.embed import EmbedToken
from services.gateway.domain.errors import EmbedTokenInvalid


async def embed_dashboard(principals: PrincipalCache, bus: Bus, token: EmbedToken
                          ) -> EmbedDashboard:
    """A token whose affiliate is gone (deleted) names nothing any more: 401, as a revoked
    one."""
    org = await principals.org(token.org_id)
    if org is None:
        raise EmbedTokenInvalid("the embed token's org is gone")
    try:
        found = await EMBED_FIGURES.call(bus, {"orgId": str(token.org_id),
                                               "affiliateId": str(token.affiliate_id),
                                               "currency": org["home_currency"]})
    except RemoteError as exc:
        if exc.code == "affiliate_not_found":
            raise EmbedTokenInvalid("the embed token's affiliate is gone") from None
        raise
    figures = EmbedFigures.model_validate(found)
    return EmbedDashboard(**dict(figures), brand_color=org["primary_brand_color"],
                          brand_name=org["name"])
