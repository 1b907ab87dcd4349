"""The affiliate side's memberships as plain data: which of the caller's memberships the ledger
holds, and how one reads to the affiliate (org, program, links, balances)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from libs.contracts.affiliate_sessions import Membership
from libs.contracts.affiliates import AffiliateStatus as S
from libs.contracts.me import (
    MembershipBalance,
    MembershipLink,
    MembershipOrg,
    MembershipProgram,
    MyMembership,
)
from services.ledger.affiliates.domain.model import Affiliate
from services.ledger.domain.errors import AffiliateNotFound, ProgramNotFound
from services.ledger.programs.domain.model import Program


@dataclass(frozen=True, slots=True)
class Member:
    """One of the caller's memberships with the live affiliate row behind it."""

    membership: Membership
    affiliate: Affiliate

    @property
    def org_name(self) -> str:
        assert self.membership.org_name is not None  # refused earlier (needs_org_names)
        return self.membership.org_name

    @property
    def org_handle(self) -> str:
        assert self.membership.org_handle is not None  # refused earlier (needs_org_names)
        return self.membership.org_handle


def members_of(memberships: list[Membership], found: list[Affiliate]) -> list[Member]:
    """Pairs each affiliate the ledger found with the membership that named it."""
    given = {(m.org_id, m.affiliate_id): m for m in memberships}
    return [Member(given[(a.org_id, a.id)], a) for a in found]


def short_link(base_url: str, slug: str) -> str:
    """The short link tracking redirects (``GET /r/{slug}``)."""
    return f"{base_url.rstrip('/')}/r/{slug}"


def membership_view(member: Member, program: Program, balances: list[MembershipBalance], *,
                    base_url: str) -> MyMembership:
    """Links only while Approved: no other status's links track (the storefront likewise
    hands out no link slug before approval)."""
    a = member.affiliate
    links = [MembershipLink(slug=link.slug, url=short_link(base_url, link.slug),
                            is_default=link.is_default)
             for link in a.links] if a.status == S.Approved else []
    return MyMembership(
        affiliate_id=a.id, email=a.email, status=a.status, joined_at=a.created_at,
        organization=MembershipOrg(id=a.org_id, name=member.org_name,
                                   handle=member.org_handle),
        program=MembershipProgram(id=program.id, name=program.name, slug=program.slug),
        links=links, balances=balances)


def program_ids(members: list[Member]) -> list[uuid.UUID]:
    return list(dict.fromkeys(m.affiliate.program_id for m in members))


def scoped(members: list[Member], *, affiliate_id: uuid.UUID | None = None,
           program_id: uuid.UUID | None = None) -> list[Member]:
    """The memberships of ``affiliate_id`` and/or in ``program_id`` (all without either). None
    is 404: another affiliate's id or program is as unknown as a made-up one."""
    chosen = [m for m in members if affiliate_id in (None, m.affiliate.id)
              and program_id in (None, m.affiliate.program_id)]
    if not chosen and affiliate_id is not None:
        raise AffiliateNotFound("affiliate not found", field="affiliateId")
    if not chosen and program_id is not None:
        raise ProgramNotFound("program not found", field="programId")
    return chosen
