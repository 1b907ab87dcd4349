"""Dashboard and portal sign-in: from a bearer JWT to a principal.

- A brand operator (routes with ``Auth.KEY_OR_JWT`` / ``Auth.JWT_ONLY``): the verified claims
  name an org and a role (``domain/claims.py``); the org's plan comes from the same cache the
  API keys use (emptied by NOTIFY on any change). A token without an org or a role there is
  403 (empty body); one naming an org that does not exist is 401.
- An affiliate (``Auth.AFFILIATE_JWT``): the verified e-mail claim, resolved by the ledger to
  the person's affiliate rows across orgs (``adapters/affiliate_directory.py``), each with its
  org's name and handle. An e-mail the issuer has not verified is 403 ``email_not_verified``:
  anyone can type an address. A brand operator's token (an org and a role) is 403 (empty
  body) there, as an API key is: it is the dashboard's, not an affiliate's."""

from __future__ import annotations

from libs.contracts.affiliate_sessions import Membership as Row
from libs.shared.settings import Settings
from services.gateway.adapters.affiliate_directory import AffiliateDirectory
from services.gateway.adapters.jwks import JwksClient
from services.gateway.adapters.principal_cache import PrincipalCache
from services.gateway.domain.claims import (
    ClaimMap,
    affiliate_identity_of,
    operator_of,
    parse_role_map,
)
from services.gateway.domain.errors import EmailNotVerified, Forbidden, Unauthorized
from services.gateway.domain.plans import SubscriptionStatus, Tier
from services.gateway.domain.principal import AffiliatePrincipal, Membership, Principal
from services.gateway.domain.scopes import Scope
from services.gateway.service_layer.token_verifier import JwtVerifier, policy_from_settings


def claim_map(settings: Settings) -> ClaimMap:
    return ClaimMap(user=settings.jwt_user_claim, org=settings.jwt_org_claim,
                    role=settings.jwt_role_claim, email=settings.jwt_email_claim,
                    email_verified=settings.jwt_email_verified_claim,
                    affiliate=settings.jwt_affiliate_claim,
                    role_names=parse_role_map(settings.jwt_role_map))


class Sessions:
    def __init__(self, verifier: JwtVerifier, cmap: ClaimMap, principals: PrincipalCache,
                 affiliates: AffiliateDirectory) -> None:
        self.verifier = verifier
        self.cmap = cmap
        self.principals = principals
        self.affiliates = affiliates

    @classmethod
    def from_settings(cls, settings: Settings, principals: PrincipalCache,
                      affiliates: AffiliateDirectory) -> Sessions | None:
        """None when no issuer is trusted; a misconfiguration raises (the gateway does not
        start rather than trust the wrong tokens)."""
        policy = policy_from_settings(settings)
        if policy is None:
            return None
        jwks = JwksClient(policy.issuer, settings.jwt_jwks_url,
                          cache_seconds=settings.jwt_jwks_cache_seconds,
                          min_refresh_seconds=settings.jwt_jwks_min_refresh_seconds,
                          timeout_seconds=settings.jwt_jwks_timeout_seconds)
        return cls(JwtVerifier(policy, jwks), claim_map(settings), principals, affiliates)

    async def close(self) -> None:
        await self.verifier.jwks.close()

    async def operator(self, token: str) -> Principal:
        claims = await self.verifier.claims(token)
        found = operator_of(claims, self.cmap)
        if found is None:
            raise Forbidden("the token names no org or no role in it")
        org_id, operator = found
        org = await self.principals.org(org_id)
        if org is None:
            raise Unauthorized("the token's organization is unknown")
        return Principal(key_id=None, org_id=org_id, scope=Scope.read_write,
                         plan=Tier(org["plan"]),
                         status=SubscriptionStatus(org["subscription_status"]),
                         operator=operator)

    async def affiliate(self, token: str) -> AffiliatePrincipal:
        claims = await self.verifier.claims(token)
        if operator_of(claims, self.cmap) is not None:
            # A brand operator's token speaks for an org: its e-mail is no affiliate identity.
            raise Forbidden("a dashboard token on the affiliate portal")
        identity = affiliate_identity_of(claims, self.cmap)
        if identity is None:
            raise Forbidden("the token names no affiliate identity")
        if not identity.verified:
            raise EmailNotVerified("verify your e-mail address to use the affiliate portal")
        found = await self.affiliates.memberships(identity.email)
        return AffiliatePrincipal(subject=identity.subject, email=identity.email,
                                  memberships=await self._with_orgs(found))

    async def _with_orgs(self, found: tuple[Row, ...]) -> tuple[Membership, ...]:
        """Each membership with its org's name and handle, from the org rows every replica
        caches (a change NOTIFYs); a row of an org the gateway does not know is left out."""
        named = []
        for m in found:
            org = await self.principals.org(m.org_id)
            if org is not None:
                named.append(Membership(org_id=m.org_id, affiliate_id=m.affiliate_id,
                                        program_id=m.program_id, status=m.status.value,
                                        org_name=org["name"], org_handle=org["handle"]))
        return tuple(named)
