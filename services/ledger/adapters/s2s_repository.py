"""SQL for S2S: a link slug to the affiliate it credits (in one org), and lead e-mails."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import asyncpg

from libs.shared.db import Conn
from services.ledger.domain.commissions import Terms, effective_terms
from services.ledger.domain.s2s import Target

_TARGET = (
    "SELECT a.id AS affiliate_id, a.org_id, a.program_id, a.custom_commission_type, "
    "a.custom_commission_value, r.id AS recruiter_id, p.default_commission_type, "
    "p.default_commission_value, p.default_commission_model, p.sub_affiliate_enabled, "
    "p.sub_affiliate_percent FROM affiliate_links l "
    "JOIN affiliates a ON a.id = l.affiliate_id AND a.deleted_at IS NULL "
    "JOIN programs p ON p.id = a.program_id "
    "LEFT JOIN affiliates r ON r.id = a.recruited_by_affiliate_id AND r.deleted_at IS NULL "
    "WHERE l.slug = $1")


def target_from(row: asyncpg.Record) -> Target:
    terms: Terms = effective_terms(
        row["default_commission_type"], row["default_commission_value"],
        row["default_commission_model"], row["custom_commission_type"],
        row["custom_commission_value"])
    percent = row["sub_affiliate_percent"] if row["sub_affiliate_enabled"] else Decimal(0)
    return Target(org_id=row["org_id"], affiliate_id=row["affiliate_id"],
                  program_id=row["program_id"], terms=terms, recruiter_id=row["recruiter_id"],
                  override_percent=percent)


class S2SRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def target(self, org_id: uuid.UUID | None, slug: str) -> Target | None:
        """The slug's affiliate; with ``org_id``, only inside that org (else None)."""
        row = await self.conn.fetchrow(
            _TARGET + " AND ($2::uuid IS NULL OR l.org_id = $2)", slug, org_id)
        return target_from(row) if row else None

    async def link_lead(self, target: Target, email: str, conversion_id: uuid.UUID,
                        now: datetime) -> None:
        """The e-mail a later sale is matched against; the first referral keeps it."""
        await self.conn.execute(
            "INSERT INTO lead_emails (org_id, email, affiliate_id, program_id, conversion_id, "
            "created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            target.org_id, email, target.affiliate_id, target.program_id, conversion_id, now)
