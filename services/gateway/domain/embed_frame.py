"""The gateway's own embed page (``/embed/v1/dashboard``, for brands who use an iframe) as
plain rules: where a browser's call from that page comes from, and which pages may frame it."""

from __future__ import annotations

from services.gateway.domain.embed import EmbedToken

SAME_ORIGIN = "same-origin"


def caller_origin(origin: str | None, fetch_site: str | None, own_origin: str | None
                  ) -> str | None:
    """The origin a browser's call to the public dashboard comes from. Browsers send no
    ``Origin`` on a same-origin GET (Fetch standard), so the widget on the gateway's own page
    would read as a server's call; ``Sec-Fetch-Site: same-origin``, which no page can set,
    says the caller is a page of this gateway, whose public origin it then stands for (a
    server could send that header, as it could send any ``Origin``)."""
    if origin is None and fetch_site == SAME_ORIGIN:
        return own_origin
    return origin


def frame_ancestors(token: EmbedToken | None) -> str | None:
    """The page's CSP ``frame-ancestors``: the pages the token allows (none: ``'none'``), so
    a token pasted into another site's iframe is not shown there. None for an unknown token:
    its page shows only the refusal."""
    if token is None:
        return None
    return " ".join(token.allowed_origins) or "'none'"
