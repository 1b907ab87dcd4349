"""What tracking hands the ledger for CPC: the non-bot clicks of one affiliate in one closed time
bucket. ``bucketId`` is the bucket's own id in tracking; each bucket is published once (its close
and the event commit together), and the ledger books it under ``cpc:<bucketId>``, so a redelivery
books nothing twice."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from libs.contracts.common import ApiModel

CLICKS_AGGREGATED = "tracking.clicks.aggregated"


class ClicksAggregated(ApiModel):
    org_id: uuid.UUID = Field(alias="orgId")
    program_id: uuid.UUID = Field(alias="programId")
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    bucket_id: uuid.UUID = Field(alias="bucketId")
    bucket_start: datetime = Field(alias="bucketStart")
    bucket_end: datetime = Field(alias="bucketEnd")
    clicks: int = Field(gt=0, description="Non-bot clicks, including any that arrived late "
                                          "for an earlier, already closed bucket.")
