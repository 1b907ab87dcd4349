"""The embed widget (issue 22, inventory row 69 and "the embed widget script"): the script a
brand's page includes, and the page served for an iframe. Answered by the gateway itself."""

from __future__ import annotations

from libs.contracts.embed_widget import EmbedPageQuery
from services.gateway.entrypoints.http import embed_widget_views as views
from services.gateway.entrypoints.http.route_table import Route

SCRIPT_NOTE = (
    "JavaScript, no dependencies, no cookies or storage. Renders the affiliate dashboard in "
    "an open shadow root on every `[data-rekomi-embed][data-token]` element of the page, "
    "calling `GET /api/embed/public/dashboard` on this origin from the page's own origin (the "
    "token's `allowedOrigins` must name it). `Cache-Control: public, max-age=300` and an "
    "`ETag` (`If-None-Match` answers 304); `Access-Control-Allow-Origin: *`.")
PAGE_NOTE = (
    "A minimal HTML page holding one widget element, for brands who prefer an `<iframe>`. "
    "The widget's call then comes from this gateway's own page, so the token's "
    "`allowedOrigins` must list the gateway's public origin too. `Cache-Control: no-store`, "
    "`Referrer-Policy: no-referrer` (the token is in the URL) and a Content-Security-Policy "
    "that admits this origin's script and calls only, with `frame-ancestors` naming the "
    "token's origins (`'none'` when it lists none).")

EMBED_WIDGET_ROUTES: list[Route] = [
    Route("GET", "/embed/v1/dashboard.js", None, "The embed widget script", "Embed",
          public=True, local=views.script, media_type="application/javascript",
          operation="embed.widget_script", description=SCRIPT_NOTE),
    Route("GET", "/embed/v1/dashboard", None, "The embedded dashboard page (for an iframe)",
          "Embed", public=True, query=EmbedPageQuery, local=views.page, media_type="text/html",
          operation="embed.widget_page", description=PAGE_NOTE),
]
