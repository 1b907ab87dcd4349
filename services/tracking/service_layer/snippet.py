"""The install snippet (row 59) and the loader script it points at."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from libs.contracts.programs import LIST_PROGRAMS
from libs.contracts.tracking import LoaderScript, LoaderText, RenderSnippet, Snippet
from services.tracking.domain.attribution import parse_custom, stored_custom
from services.tracking.domain.errors import NoProgramFound, PixelNotProvisioned
from services.tracking.service_layer.attribution import custom_params
from services.tracking.service_layer.lookups import Tracking

LOADER = Path(__file__).resolve().parent.parent / "static" / "loader.js"


@cache
def _loader_text() -> str:
    return LOADER.read_text()


async def loader_script(_t: Tracking, _cmd: LoaderScript) -> LoaderText:
    return LoaderText(script=_loader_text())


async def _program(t: Tracking, cmd: RenderSnippet) -> dict[str, Any]:
    """The asked-for program, else the org's newest active one."""
    page = await LIST_PROGRAMS.call(t.lookups.bus, {"orgId": str(cmd.org_id), "take": 200})
    live = [p for p in page["items"] if p["isActive"] and p["archivedAt"] is None]
    if cmd.program_id is not None:
        live = [p for p in live if p["id"] == str(cmd.program_id)]
    if not live:
        raise NoProgramFound("no active program matches in this org")
    # createdAt is whole seconds on the wire; ids are time-ordered (UUIDv7) and break a tie
    return max(live, key=lambda p: (p["createdAt"], p["id"]))


def _html(base: str, program_id: str, custom: str | None) -> str:
    params = f' data-rkmi-params="{custom}"' if custom else ""
    return (f'<!-- Rekomi tracking -->\n<script async src="{base}/api/v1/r/loader.js" '
            f'data-program-id="{program_id}"{params}></script>\n<noscript>\n <img '
            f'src="{base}/api/v1/r/c.gif" width="1" height="1" alt="" />\n</noscript>')


async def render(t: Tracking, cmd: RenderSnippet) -> Snippet:
    program = await _program(t, cmd)
    if cmd.with_pixel:
        # No pixel keys exist yet (web-tracking settings arrive later), so none is provisioned.
        raise PixelNotProvisioned("withPixel needs a pixel public key; none is provisioned")
    raw = await custom_params(t.pool, cmd.org_id)
    custom = stored_custom(parse_custom(raw))  # revalidated: only [a-z0-9_-] reaches the HTML
    return Snippet(
        snippet=_html(t.public_base_url, program["id"], custom), program_id=program["id"],
        program_slug=program["slug"], with_pixel=False,
        has_custom_attribution_params=custom is not None, custom_attribution_params=custom)
