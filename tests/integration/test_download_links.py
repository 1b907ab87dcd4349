"""Single-use download links on the real database: of many concurrent uses of one link exactly
one gets the file, and a use whose read fails leaves the link usable."""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from libs.contracts.tax_forms import FetchFile, FileContent
from libs.shared.errors import RekomiError
from services.ledger.domain.errors import FileNotFound, SignedUrlUsed
from services.ledger.tax_forms.adapters.local_storage import LocalFileStorage
from services.ledger.tax_forms.adapters.repository import DownloadLinksRepository
from services.ledger.tax_forms.adapters.signed_links import LinkSigner
from services.ledger.tax_forms.domain.model import DownloadLink
from services.ledger.tax_forms.service_layer.handlers import fetch_file

SIGNER = LinkSigner("http://gw", b"test-secret")
PDF = b"%PDF-1.4 single use"


async def _link(pool: asyncpg.Pool, key: str) -> FetchFile:
    now = datetime.now(UTC)
    link = DownloadLink(id=uuid.uuid4(), org_id=uuid.uuid4(), storage_key=key,
                        content_type="application/pdf", created_at=now,
                        expires_at=now + timedelta(minutes=5))
    async with pool.acquire() as conn:
        await DownloadLinksRepository(conn).add(link)
    exp = int(time.time()) + 300
    sig = SIGNER.url(str(link.id), exp).rsplit("sig=", 1)[1]
    return FetchFile(token=str(link.id), exp=exp, sig=sig)


async def _use(pool: asyncpg.Pool, storage: LocalFileStorage, cmd: FetchFile
               ) -> FileContent | RekomiError:
    try:
        return await fetch_file(pool, cmd, signer=SIGNER, storage=storage)
    except RekomiError as exc:
        return exc


async def test_concurrent_uses_get_the_file_exactly_once(pool: asyncpg.Pool,
                                                         tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path)
    await storage.put("tax-forms/a.pdf", PDF, "application/pdf")
    for _ in range(3):
        cmd = await _link(pool, "tax-forms/a.pdf")
        results = await asyncio.gather(*(_use(pool, storage, cmd) for _ in range(8)))
        served = [r for r in results if isinstance(r, FileContent)]
        assert len(served) == 1
        assert base64.b64decode(served[0].content_base64) == PDF
        assert served[0].content_type == "application/pdf"
        assert all(isinstance(r, SignedUrlUsed) for r in results if r not in served)
        async with pool.acquire() as conn:
            used = await conn.fetchval("SELECT used_at FROM download_links WHERE id = $1",
                                       uuid.UUID(cmd.token))
        assert used is not None


async def test_a_failed_read_leaves_the_link_usable(pool: asyncpg.Pool, tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path)
    cmd = await _link(pool, "tax-forms/late.pdf")
    with pytest.raises(FileNotFound):
        await fetch_file(pool, cmd, signer=SIGNER, storage=storage)
    await storage.put("tax-forms/late.pdf", PDF, "application/pdf")
    assert isinstance(await _use(pool, storage, cmd), FileContent)
    assert isinstance(await _use(pool, storage, cmd), SignedUrlUsed)
