"""The invite note: HTML sanitized to a strict allowlist, then merge tags rendered with escaped
values (so a value can never smuggle markup in)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

import nh3

ALLOWED_TAGS = frozenset({"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "a"})
MERGE_TAG = re.compile(r"\{\{\s*([A-Za-z]+\.[A-Za-z]+)\s*\}\}")


def _https_href_only(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href" and not value.lower().startswith("https://"):
        return None
    return value


def sanitize_note(raw: str) -> str:
    """Only p, br, strong, b, em, i, u, ul, ol, li and a; only ``href`` on ``a``, and only an
    absolute https:// URL; everything else (tags, attributes, scripts, comments) removed."""
    return nh3.clean(raw, tags=set(ALLOWED_TAGS), attributes={"a": {"href"}, "*": set()},
                     url_schemes={"https"}, link_rel=None, strip_comments=True,
                     attribute_filter=_https_href_only).strip()


def render_merge_tags(sanitized: str, values: Mapping[str, str]) -> str:
    """Replace ``{{affiliate.firstName}}``-style tags by their HTML-escaped value; unknown tags
    stay as written."""
    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else html.escape(value, quote=True)

    return MERGE_TAG.sub(replace, sanitized)


def render_note(raw: str | None, values: Mapping[str, str]) -> str | None:
    if raw is None:
        return None
    return render_merge_tags(sanitize_note(raw), values) or None
