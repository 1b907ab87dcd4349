"""Every endpoint of the reference's inventory (docs/spec/ENDPOINTS.md, a copy of the shared
spec) is routed, or recorded as deliberately not routed yet with the issue that will build it
(services/gateway/entrypoints/http/unrouted.py). The inventory is one place: the table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.gateway.entrypoints.http.routes import ROUTES
from services.gateway.entrypoints.http.unrouted import (
    PROSE_LATER,
    PROSE_ROUTED,
    UNROUTED,
)

INVENTORY = Path(__file__).resolve().parents[2] / "docs" / "spec" / "ENDPOINTS.md"
OPEN_ISSUES = range(18, 27)
# "GET /api/x", "POST/GET /api/x/{id}", ".../{code}" (under the path before it), "?q=" dropped.
_ENDPOINT = re.compile(
    r"\b([A-Z]{3,7}(?:/[A-Z]{3,7})*)\s+((?:\.\.\.)?/(?:[^\s,()?{]|\{[^}\s]*\})*)")
_OPTIONAL = re.compile(r"/\{(\w+)\?\}")


@dataclass(frozen=True)
class Row:
    key: str  # the "#" cell, or the "What" cell of the unnumbered table
    endpoints: tuple[str, ...]  # "METHOD /path"


def parse_inventory(text: str) -> list[Row]:
    rows: list[Row] = []
    header: list[str] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif not all(set(cell) <= set("-: ") for cell in cells):
            row = dict(zip(header, cells, strict=False))
            described = row.get("Method and path") or row.get("What", "")
            rows.append(Row(row.get("#") or row.get("What", ""), endpoints_in(described)))
    return rows


def endpoints_in(text: str) -> tuple[str, ...]:
    found: list[str] = []
    previous = ""
    for methods, path in _ENDPOINT.findall(text):
        if path.startswith("..."):
            path = previous + path[3:]
        previous = path
        for variant in _variants(path):
            found += [f"{method} {variant}" for method in methods.split("/")]
    return tuple(found)


def _variants(path: str) -> list[str]:
    """``/a/{b?}`` is two endpoints, ``/a`` and ``/a/{b}``."""
    optional = _OPTIONAL.search(path)
    if optional is None:
        return [path]
    return [path[:optional.start()], _OPTIONAL.sub(r"/{\1}", path)]


def shape(endpoint: str) -> str:
    """Parameter names differ between the inventory and the routes; their places do not."""
    return re.sub(r"\{\w+\}", "{}", endpoint)


ROUTED = frozenset(shape(f"{route.method} {route.path}") for route in ROUTES)
ROWS = parse_inventory(INVENTORY.read_text())


def test_the_inventory_parses_into_every_row() -> None:
    numbered = [row.key for row in ROWS if row.key.isdigit()]
    assert numbered == [str(n) for n in range(1, 71)]
    assert len(ROWS) == 70 + 7  # and the seven rows Rekomi added
    by_key = {row.key: row for row in ROWS}
    assert by_key["41"].endpoints == ("GET /api/p/by-handle/{handle}",
                                      "GET /api/p/by-handle/{handle}/{campaign}")
    assert by_key["42"].endpoints == ("GET /api/p/by-domain",)
    assert "DELETE /api/v1/affiliates/{id}/coupon-codes/{code}" in {
        e for row in ROWS for e in row.endpoints}


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.key[:30])
def test_every_inventory_endpoint_is_routed_or_recorded(row: Row) -> None:
    if not row.endpoints:
        assert row.key in PROSE_ROUTED or row.key in PROSE_LATER, (
            f"inventory row {row.key!r} names no endpoint: record the routes that serve it "
            "(PROSE_ROUTED) or the issue that will (PROSE_LATER) in unrouted.py")
        return
    for endpoint in row.endpoints:
        assert shape(endpoint) in ROUTED or endpoint in UNROUTED, (
            f"{endpoint} (inventory row {row.key}) has no route and no recorded decision in "
            "services/gateway/entrypoints/http/unrouted.py")


def test_recorded_decisions_are_current() -> None:
    listed = {e for row in ROWS for e in row.endpoints}
    for endpoint, later in UNROUTED.items():
        assert endpoint in listed, f"{endpoint} is not in the inventory"
        assert shape(endpoint) not in ROUTED, f"{endpoint} is routed now: drop its entry"
        assert later.issue in OPEN_ISSUES
    for key, routes in PROSE_ROUTED.items():
        assert {shape(r) for r in routes} <= ROUTED, f"row {key}: {routes}"
    for later in PROSE_LATER.values():
        assert later.issue in OPEN_ISSUES
    rows = {row.key for row in ROWS if not row.endpoints}
    assert set(PROSE_ROUTED) | set(PROSE_LATER) == rows
