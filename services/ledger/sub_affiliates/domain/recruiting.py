"""Sub-affiliate recruiting, affiliate side: whose recruitment link a caller gets, what it reads,
and a recruit as its recruiter sees it (the money rules are ``model.py``'s).

A campaign is visible to a recruiter when the caller holds an Approved membership in it and the
storefront lists it (active, not archived): only an Approved recruiter's
``recruitedByAffiliateId`` is honoured at application, and only a listed campaign takes
applications, so any other link would recruit no one."""

from __future__ import annotations

from libs.contracts import me as contract
from libs.contracts.affiliates import AffiliateStatus as S
from services.ledger.affiliates.domain.memberships import Member
from services.ledger.affiliates.domain.model import Affiliate
from services.ledger.domain.errors import ProgramNotFound
from services.ledger.programs.domain.model import Program
from services.ledger.storefront.domain.model import is_listed
from services.ledger.sub_affiliates.domain.model import SubAffiliateConfig, Totals

# The reference's shape: the campaign's storefront page, on the org's branded subdomain.
RECRUIT_URL = "https://{handle}.rekomi.com/{slug}?recruited_by={affiliate_id}"


def recruiter(members: list[Member], program: Program | None) -> tuple[Member, Program]:
    """The caller's Approved membership in ``program`` and the program, if the storefront
    lists it; else 404."""
    approved = [m for m in members if m.affiliate.status == S.Approved]
    if not approved or program is None or not is_listed(program):
        raise ProgramNotFound("program not found", field="programId")
    return approved[0], program


def recruit_link(member: Member, program: Program, config: SubAffiliateConfig
                 ) -> contract.RecruitLink:
    if not config.enabled:
        raise contract.SubAffiliateRecruitingDisabled(
            "sub-affiliate recruiting is turned off for this campaign", field="programId")
    affiliate_id = member.affiliate.id
    return contract.RecruitLink(
        affiliate_id=affiliate_id, program_id=program.id, program_slug=program.slug,
        url=RECRUIT_URL.format(handle=member.org_handle, slug=program.slug,
                               affiliate_id=affiliate_id))


def recruit_item(recruit: Affiliate, *, currency: str, totals: Totals) -> contract.Recruit:
    return contract.Recruit(
        affiliate_id=recruit.id, email=recruit.email, full_name=recruit.full_name,
        status=recruit.status, total_commission_generated_cents=totals.commission_cents,
        override_earned_cents=totals.override_cents, currency=currency,
        joined_at=recruit.created_at)
