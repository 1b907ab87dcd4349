"""Conversions: booked sales, leads and overrides, owned by the ledger (read side)."""

from __future__ import annotations

from libs.contracts.conversions import ConversionDetail, ConversionList, ConversionListQuery
from services.gateway.domain.plans import Tier
from services.gateway.entrypoints.http.route_table import Route

CONVERSION_ID = {"id": "conversionId"}

CONVERSION_ROUTES: list[Route] = [
    Route("GET", "/api/v1/conversions", "ledger", "conversions.list", "List conversions",
          "Conversions", plan=Tier.Starter, query=ConversionListQuery, response=ConversionList,
          description="Cursor-paginated, oldest first. Filters: affiliateId, programId, status, "
                      "since (createdAt >= since). Amounts are integer cents of `currency`."),
    Route("GET", "/api/v1/conversions/{id}", "ledger", "conversions.get", "Get a conversion",
          "Conversions", plan=Tier.Starter, response=ConversionDetail,
          path_params=CONVERSION_ID,
          description="With the events timeline (`initial`, `renewal`). Another org's id is 404."),
]
