"""``rekomi admin load-fx`` against the running stack: the command reaches the ledger over the
bus, and a repeated load changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg

from libs.shared.settings import Settings
from tests.common.stack import Stack, rekomi

DAILY = Path(__file__).resolve().parents[1] / "fixtures" / "fx" / "eurofxref-daily.xml"


async def _clear_fixture_day() -> None:
    conn = await asyncpg.connect(Settings().database_url)
    try:
        await conn.execute("DELETE FROM ledger.fx_rates WHERE day = '2024-05-17'")
    finally:
        await conn.close()


async def test_load_fx_from_a_file_twice(stack: Stack) -> None:
    await _clear_fixture_day()
    first = json.loads(rekomi("admin", "load-fx", "--file", str(DAILY), "--json",
                              env=stack.env).stdout)
    assert (first["inserted"], first["updated"], first["lastDay"]) == (30, 0, "2024-05-17")
    again = json.loads(rekomi("admin", "load-fx", "--file", str(DAILY), "--json",
                              env=stack.env).stdout)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 30)


async def test_load_fx_reports_errors_cleanly(stack: Stack, tmp_path: Path) -> None:
    bad = tmp_path / "rates.csv"
    bad.write_text("Date,USD\n2024-05-17,not-a-rate\n")
    result = rekomi("admin", "load-fx", "--file", str(bad), "--json", env=stack.env,
                    check=False)
    assert result.returncode == 1
    assert json.loads(result.stderr)["error"] == "fx_file_invalid"
    missing = rekomi("admin", "load-fx", "--file", str(tmp_path / "nope.xml"), "--json",
                     env=stack.env, check=False)
    assert (missing.returncode, json.loads(missing.stderr)["field"]) == (1, "file")
