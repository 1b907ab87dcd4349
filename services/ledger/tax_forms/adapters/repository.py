"""SQL for tax forms; scoped by org like every other query."""

from __future__ import annotations

import dataclasses
import uuid

from libs.shared.db import Conn
from services.ledger.tax_forms.domain.model import TaxForm

_COLUMNS = [f.name for f in dataclasses.fields(TaxForm)]


class TaxFormsRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def latest(self, org_id: uuid.UUID, affiliate_id: uuid.UUID) -> TaxForm | None:
        row = await self.conn.fetchrow(
            f"SELECT {', '.join(_COLUMNS)} FROM tax_forms WHERE org_id = $1 "
            "AND affiliate_id = $2 ORDER BY submitted_at DESC, id DESC LIMIT 1",
            org_id, affiliate_id)
        return TaxForm(**dict(row)) if row else None

    async def add(self, form: TaxForm) -> None:
        await self.conn.execute(
            f"INSERT INTO tax_forms ({', '.join(_COLUMNS)}) "
            f"VALUES ({', '.join(f'${i + 1}' for i in range(len(_COLUMNS)))})",
            *dataclasses.astuple(form))
