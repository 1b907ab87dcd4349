"""A real OpenID Connect issuer for tests: discovery and JWKS served over HTTP on a free
loopback port by aiohttp in a thread of its own (so it answers whatever the test's own loop
is doing), with keys the test adds, rotates and retires, and tokens it signs with them.

    issuer = TestIssuer().start()
    kid = issuer.add_key("RS256")
    token = issuer.operator_token(org_id, "Owner")
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

AUDIENCE = "rekomi-test"
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def new_key(alg: str) -> PrivateKey:
    if alg.startswith("ES"):
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk_of(key: PrivateKey, kid: str, alg: str) -> dict[str, Any]:
    public = key.public_key()
    jwk: dict[str, Any] = (ECAlgorithm.to_jwk(public, as_dict=True)
                           if isinstance(public, ec.EllipticCurvePublicKey)
                           else RSAAlgorithm.to_jwk(public, as_dict=True))
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


class TestIssuer:
    __test__ = False  # not a test class, whatever its name

    def __init__(self, audience: str = AUDIENCE) -> None:
        self.audience = audience
        self.keys: dict[str, tuple[PrivateKey, str]] = {}  # kid -> (key, alg)
        self.published: list[str] = []  # kids in the JWKS, in order
        self.jwks_fetches = 0
        self.discovery_fetches = 0
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---- keys ---------------------------------------------------------------------------
    def add_key(self, alg: str = "RS256", *, publish: bool = True) -> str:
        kid = f"{alg.lower()}-{uuid.uuid4().hex[:8]}"
        self.keys[kid] = (new_key(alg), alg)
        if publish:
            self.published.append(kid)
        return kid

    def rotate(self, alg: str = "RS256") -> str:
        """A new key in the JWKS and the others retired from it (their tokens then fail)."""
        kid = self.add_key(alg, publish=False)
        self.published = [kid]
        return kid

    def jwks(self) -> dict[str, Any]:
        return {"keys": [jwk_of(self.keys[k][0], k, self.keys[k][1]) for k in self.published]}

    # ---- tokens -------------------------------------------------------------------------
    def sign(self, claims: dict[str, Any], kid: str | None = None, *,
             alg: str | None = None, headers: dict[str, Any] | None = None) -> str:
        kid = kid or self.published[-1]
        key, key_alg = self.keys[kid]
        return jwt.encode(claims, key, algorithm=alg or key_alg,
                          headers={"kid": kid, **(headers or {})})

    def claims(self, *, exp_in: float = 300, **extra: Any) -> dict[str, Any]:
        now = int(time.time())
        return {"iss": self.url, "aud": self.audience, "iat": now, "nbf": now,
                "exp": int(now + exp_in), "sub": f"user-{uuid.uuid4().hex[:8]}", **extra}

    def operator_token(self, org_id: object, role: str = "Owner", *, verified: bool = True,
                       sub: str | None = None, kid: str | None = None, **extra: Any) -> str:
        claims = self.claims(org_id=str(org_id), role=role, email=f"{role.lower()}@brand.test",
                             email_verified=verified, **extra)
        if sub is not None:
            claims["sub"] = sub
        return self.sign(claims, kid)

    def affiliate_token(self, email: str, *, verified: bool = True, sub: str | None = None
                        ) -> str:
        claims = self.claims(email=email, email_verified=verified)
        if sub is not None:
            claims["sub"] = sub
        return self.sign(claims)

    def operator_auth(self, org_id: object, role: str = "Owner", **kw: Any) -> dict[str, str]:
        """Authorization headers of a dashboard operator (``operator_token``)."""
        return {"Authorization": f"Bearer {self.operator_token(org_id, role, **kw)}"}

    def affiliate_auth(self, email: str, **kw: Any) -> dict[str, str]:
        """Authorization headers of an affiliate signed in to their portal."""
        return {"Authorization": f"Bearer {self.affiliate_token(email, **kw)}"}

    # ---- serving ------------------------------------------------------------------------
    def _app(self) -> web.Application:
        async def discovery(_request: web.Request) -> web.Response:
            self.discovery_fetches += 1
            return web.json_response({"issuer": self.url, "jwks_uri": f"{self.url}/jwks"})

        async def keys(_request: web.Request) -> web.Response:
            self.jwks_fetches += 1
            return web.json_response(self.jwks())

        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", discovery)
        app.router.add_get("/jwks", keys)
        return app

    def start(self) -> TestIssuer:
        ready = threading.Event()

        def serve() -> None:
            loop = self._loop = asyncio.new_event_loop()
            self._runner = web.AppRunner(self._app(), shutdown_timeout=0.1)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            self.port = self._runner.addresses[0][1]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name="test-oidc-issuer", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("test issuer did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
