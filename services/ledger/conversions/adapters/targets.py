"""The terms a booked sale is computed with, from a row of affiliate + program + recruiter, and
their statuses (a Banned one's rows are booked Denied)."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from services.ledger.conversions.domain.booking import Target
from services.ledger.conversions.domain.commissions import Terms, effective_terms
from services.ledger.conversions.domain.denials import BANNED


def target_from(row: asyncpg.Record) -> Target:
    terms: Terms = effective_terms(
        row["default_commission_type"], row["default_commission_value"],
        row["default_commission_model"], row["custom_commission_type"],
        row["custom_commission_value"])
    percent = row["sub_affiliate_percent"] if row["sub_affiliate_enabled"] else Decimal(0)
    return Target(org_id=row["org_id"], affiliate_id=row["affiliate_id"],
                  program_id=row["program_id"], terms=terms, recruiter_id=row["recruiter_id"],
                  override_percent=percent, banned=row["affiliate_status"] == BANNED,
                  recruiter_banned=row["recruiter_status"] == BANNED,
                  commission_includes_tax=row["commission_includes_tax"])
