"""SQL for tax forms; scoped by org like every other query."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from libs.shared.db import Conn
from services.ledger.tax_forms.domain.model import DownloadLink, TaxForm

_COLUMNS = [f.name for f in dataclasses.fields(TaxForm)]
_LINK_COLUMNS = [f.name for f in dataclasses.fields(DownloadLink)]


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


class DownloadLinksRepository:
    """Handed-out download links; a link is looked up by its id alone (the public route has
    no org), after its signature checked out."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def add(self, link: DownloadLink) -> None:
        await self.conn.execute(
            f"INSERT INTO download_links ({', '.join(_LINK_COLUMNS)}) "
            f"VALUES ({', '.join(f'${i + 1}' for i in range(len(_LINK_COLUMNS)))})",
            *dataclasses.astuple(link))

    async def locked(self, link_id: uuid.UUID) -> DownloadLink | None:
        """The link, row-locked until the transaction ends: a concurrent use of the same link
        waits here, then sees it used."""
        row = await self.conn.fetchrow(
            f"SELECT {', '.join(_LINK_COLUMNS)} FROM download_links WHERE id = $1 FOR UPDATE",
            link_id)
        return DownloadLink(**dict(row)) if row else None

    async def mark_used(self, link_id: uuid.UUID, at: datetime) -> None:
        await self.conn.execute("UPDATE download_links SET used_at = $2 WHERE id = $1",
                                link_id, at)
