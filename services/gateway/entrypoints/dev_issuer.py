"""``python -m services.gateway.entrypoints.dev_issuer``: the local OpenID Connect issuer that
``rekomi run`` (``make run``) starts in development, so the dashboard's JWT path can be tried
without an identity provider: ``rekomi admin dev-token --org ID --role Owner`` prints a token
it signed. It serves the discovery document and the JWKS, nothing else; the gateway trusts it
only in development with no ``REKOMI_JWT_ISSUER`` set, and it refuses to start in production
(as the gateway refuses any http issuer there)."""

from __future__ import annotations

import sys
from pathlib import Path

from aiohttp import web

from libs.shared.settings import get_settings
from services.gateway.adapters.dev_keys import public_jwk, signing_key
from services.gateway.service_layer.token_verifier import dev_issuer_url

JWKS_PATH = "/jwks.json"


def issuer_app(issuer: str, folder: Path) -> web.Application:
    jwks = {"keys": [public_jwk(signing_key(folder))]}
    discovery = {"issuer": issuer, "jwks_uri": issuer + JWKS_PATH,
                 "id_token_signing_alg_values_supported": ["ES256"]}

    async def configuration(_request: web.Request) -> web.Response:
        return web.json_response(discovery)

    async def keys(_request: web.Request) -> web.Response:
        return web.json_response(jwks)

    app = web.Application()
    app.router.add_get("/.well-known/openid-configuration", configuration)
    app.router.add_get(JWKS_PATH, keys)
    return app


def main() -> int:
    settings = get_settings()
    if settings.env == "production":
        print("rekomi dev issuer: refused in production (REKOMI_ENV=production)",
              file=sys.stderr)
        return 2
    issuer = dev_issuer_url(settings)
    port = int(issuer.rsplit(":", 1)[1])
    web.run_app(issuer_app(issuer, Path(settings.dev_issuer_dir)), host="127.0.0.1",
                port=port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
