"""Rebuilding the dashboard's rollups from the owners' data (``rekomi admin metrics-rebuild``),
one UTC day at a time: tracking answers an org's clicks of a day as rollup cells, payouts its
payouts paid that day, and the ledger replaces the day's rollups with what they and its own
conversions say. The ledger keeps the cursor, so an interrupted rebuild resumes where it
stopped."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from libs.contracts.metrics import ClickCell
from libs.shared.rpc import Rpc


class _OrgDay(BaseModel):
    org_id: uuid.UUID = Field(alias="orgId")
    day: date

    model_config = ConfigDict(populate_by_name=True)


class ClickCellsQuery(_OrgDay):
    pass


class ClickCells(BaseModel):
    cells: list[ClickCell]

    model_config = ConfigDict(populate_by_name=True)


class FirstClickQuery(BaseModel):
    org_id: uuid.UUID = Field(alias="orgId")

    model_config = ConfigDict(populate_by_name=True)


class FirstClick(BaseModel):
    day: date | None = Field(description="The UTC day of the org's first click; null: none.")


class PaidOnQuery(_OrgDay):
    pass


class PaidPayout(BaseModel):
    id: uuid.UUID
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    currency: str
    amount_cents: int = Field(alias="amountCents")
    paid_at: AwareDatetime = Field(alias="paidAt")

    model_config = ConfigDict(populate_by_name=True)


class PaidPayouts(BaseModel):
    payouts: list[PaidPayout]


class PlanRebuild(BaseModel):
    org_id: uuid.UUID = Field(alias="orgId")
    first_click_day: date | None = Field(alias="firstClickDay")
    since: date | None = Field(default=None, description="null: the org's first data")
    through: date
    restart: bool = False

    model_config = ConfigDict(populate_by_name=True)


class RebuildPlan(BaseModel):
    first_day: date = Field(alias="firstDay")
    last_day: date = Field(alias="lastDay")
    next_day: date = Field(alias="nextDay", description="after lastDay: nothing left to do")
    resumed: bool

    model_config = ConfigDict(populate_by_name=True)


class RebuildDay(_OrgDay):
    cells: list[ClickCell]
    payouts: list[PaidPayout]


class DayRebuilt(BaseModel):
    day: date
    conversions: int
    clicks: int
    payouts: int
    next_day: date = Field(alias="nextDay")

    model_config = ConfigDict(populate_by_name=True)


CLICK_CELLS = Rpc("tracking", "clicks.cells_of_day", ClickCellsQuery, ClickCells)
FIRST_CLICK = Rpc("tracking", "clicks.first_day", FirstClickQuery, FirstClick)
PAID_ON = Rpc("payouts", "payouts.paid_on", PaidOnQuery, PaidPayouts)
PLAN_REBUILD = Rpc("ledger", "metrics.rebuild_plan", PlanRebuild, RebuildPlan)
REBUILD_DAY = Rpc("ledger", "metrics.rebuild_day", RebuildDay, DayRebuilt)
