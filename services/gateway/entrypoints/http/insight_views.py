"""Insight modules over HTTP, the brand's (``/api/v1/dashboard/insights/{module}``) and the
affiliate's own (``/api/me/insights/{module}``) alike: the module named in the path picks the
owner's method, an unknown one is the gateway's own 404 listing the modules, and
``format=csv`` asks the owner for rows and writes them with the formula-injection guard."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from typing import Any

from aiohttp import web

from libs.contracts import insights as ins
from libs.shared.csvsafe import csv_lines
from libs.shared.errors import NotFound
from libs.shared.rpc import Rpc
from services.gateway.entrypoints.http.keys import BUS

# What every insight route's description ends with.
UNKNOWN_AND_CSV = (
    "An unknown module is 404 `insight_module_not_found`, with `modules` listing them. "
    "`format=csv` answers the same rows as `text/csv` (a list's items one per row, else one "
    "row of fields; text cells that start with = + - @, TAB or CR are prefixed with `'`).")
InsightView = Callable[[web.Request, dict[str, Any]], Awaitable[Any]]


def csv_answer(rows: ins.InsightRows, name: str) -> web.Response:
    """Text cells that start with = + - @, TAB or CR are prefixed with ``'`` (csv_lines)."""
    return web.Response(
        body=csv_lines([rows.header, *([str(c) if isinstance(c, float) else c for c in r]
                                       for r in rows.rows)]).encode(),
        content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def insight_view(modules: type[StrEnum], methods: Mapping[Any, Rpc[Any, Any]],
                 as_rows: Rpc[Any, Any]) -> InsightView:
    """``methods``: each module of ``modules`` -> its owner's method; ``as_rows``: the
    owner's CSV method (the module's answer as rows)."""
    names = [module.value for module in modules]

    async def view(request: web.Request, payload: dict[str, Any]) -> Any:
        name = payload["module"]
        if name not in names:
            raise NotFound(f"no insight module {name!r}", code="insight_module_not_found",
                           field="module", extra={"modules": names})
        if payload.get("format") == ins.InsightFormat.csv.value:
            rows = ins.InsightRows.model_validate(await as_rows.call(request.app[BUS], payload))
            return csv_answer(rows, name)
        return await methods[modules(name)].call(request.app[BUS], payload)

    return view
