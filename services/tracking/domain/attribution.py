"""Attribution params: parsing a brand's custom list and merging it with the defaults."""

from __future__ import annotations

import re

from libs.contracts.attribution import DEFAULT_PARAMS, MAX_CUSTOM_ENTRIES, MAX_TOTAL_CHARS
from services.tracking.domain.errors import (
    AttributionParamsTooLong,
    InvalidAttributionParam,
    TooManyAttributionParams,
)

PARAM = re.compile(r"[a-z0-9_-]{2,32}")


def parse_custom(raw: str | None) -> list[str]:
    """The entries of a custom list, trimmed and de-duplicated (first wins); raises on a list
    that is too long, has too many entries, or holds an entry outside ``[a-z0-9_-]{2,32}``."""
    if raw is None or not raw.strip():
        return []
    if len(raw) > MAX_TOTAL_CHARS:
        raise AttributionParamsTooLong(
            f"custom attribution params may hold at most {MAX_TOTAL_CHARS} characters",
            field="custom")
    entries = list(dict.fromkeys(e.strip() for e in raw.split(",") if e.strip()))
    if len(entries) > MAX_CUSTOM_ENTRIES:
        raise TooManyAttributionParams(
            f"at most {MAX_CUSTOM_ENTRIES} custom attribution params", field="custom")
    invalid = [e for e in entries if not PARAM.fullmatch(e)]
    if invalid:
        raise InvalidAttributionParam(
            "each attribution param must match [a-z0-9_-]{2,32}", field="custom",
            extra={"invalid": invalid})
    return entries


def stored_custom(entries: list[str]) -> str | None:
    return ",".join(entries) or None


def effective_order(custom: str | None) -> list[str]:
    """Custom params first (in their order), then the defaults; no param appears twice."""
    extra = [p for p in (custom or "").split(",") if p and p not in DEFAULT_PARAMS]
    return [*dict.fromkeys(extra), *DEFAULT_PARAMS]
