"""Pure rules about a visit: device class, country, referrer host, UTM values, which param
carries the referral, and FirstTouch/LastTouch."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from libs.contracts.tracking import DeviceClass

BOT = re.compile(r"bot|crawl|spider|slurp|headless|curl|wget|python-|httpclient|java/|"
                 r"go-http|libwww|scrapy|facebookexternalhit|preview|lighthouse|monitor",
                 re.IGNORECASE)
TABLET = re.compile(r"ipad|tablet|kindle|silk|playbook|android(?!.*mobile)", re.IGNORECASE)
MOBILE = re.compile(r"mobi|iphone|ipod|android|windows phone|blackberry|opera mini",
                    re.IGNORECASE)
COUNTRY = re.compile(r"[A-Z]{2}")
PARAM_NAME = re.compile(r"[a-z0-9_-]{2,32}")
SLUG_VALUE = re.compile(r"[a-z0-9-]{1,64}")
MAX_CANDIDATES = 20
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# The reference names no sub-id parameter: these landing-URL params, first usable one wins
# (``sub_id`` is ours; the others are what affiliate networks commonly append).
SUB_ID_KEYS = ("sub_id", "subid", "sub1", "sub")
# A sub-id is a label an affiliate picks (a channel, a post): URL-unreserved characters, at
# most 64, so it is bounded in the rollups and safe as a CSV cell or a path segment.
SUB_ID_VALUE = re.compile(r"[A-Za-z0-9._~-]{1,64}")
UNKNOWN = "unknown"


@lru_cache(maxsize=4096)
def device_class(user_agent: str | None) -> DeviceClass:
    """No User-Agent at all is a script, so a Bot. Cached: real traffic repeats a few thousand
    User-Agents, and the regexes were a fifth of the click path's CPU."""
    if not user_agent or BOT.search(user_agent):
        return DeviceClass.Bot
    if TABLET.search(user_agent):
        return DeviceClass.Tablet
    if MOBILE.search(user_agent):
        return DeviceClass.Mobile
    return DeviceClass.Desktop


def country(header: str | None) -> str:
    """An ISO 3166 alpha-2 code set by a proxy (``XX``/``T1`` from Cloudflare: unknown)."""
    code = (header or "").strip().upper()
    return code if COUNTRY.fullmatch(code) and code != "XX" else UNKNOWN


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def query_of(url: str | None) -> dict[str, str]:
    """The first value of each query param of ``url`` (an unparsable URL has none)."""
    try:
        pairs = parse_qsl(urlsplit(url or "").query, keep_blank_values=False)
    except ValueError:
        return {}
    found: dict[str, str] = {}
    for key, value in pairs:
        found.setdefault(key, value)
    return found


def candidates(query: dict[str, str]) -> list[tuple[str, str]]:
    """The (param, value) pairs that could name a link: a param name an org could configure
    and a slug-shaped value; at most ``MAX_CANDIDATES``, so a crafted URL cannot fan out."""
    pairs = [(k, v.lower()) for k, v in query.items()
             if PARAM_NAME.fullmatch(k) and SLUG_VALUE.fullmatch(v.lower())
             and not k.startswith("utm_")]
    return pairs[:MAX_CANDIDATES]


def utm(query: dict[str, str]) -> dict[str, str | None]:
    return {key: (query.get(key) or None) and query[key][:200] for key in UTM_KEYS}


def sub_id(query: dict[str, str]) -> str | None:
    """The click's sub-id: the first of ``SUB_ID_KEYS`` whose value (trimmed) is usable;
    others are ignored, never cut down (a cut value would merge two channels)."""
    for key in SUB_ID_KEYS:
        value = query.get(key)
        if value is not None and SUB_ID_VALUE.fullmatch(value := value.strip()):
            return value
    return None


@dataclass(frozen=True, slots=True)
class Referral:
    """What the first-party cookie holds: the credited slug, its program, when it was set."""

    slug: str
    program_id: str
    set_at: int


def parse_cookie(value: str | None) -> Referral | None:
    """``<slug>.<programId>.<unix seconds>``; anything else is no cookie."""
    parts = (value or "").rsplit(".", 2)
    if len(parts) != 3 or not parts[0] or not parts[2].isdigit():
        return None
    return Referral(parts[0], parts[1], int(parts[2]))


def cookie_value(referral: Referral) -> str:
    return f"{referral.slug}.{referral.program_id}.{referral.set_at}"


def attribute(model: str, arrived: Referral, current: Referral | None, window_days: int
              ) -> Referral:
    """FirstTouch keeps a live referral of the same program; LastTouch credits the arrival."""
    live = (current is not None and current.program_id == arrived.program_id
            and current.set_at <= arrived.set_at
            and current.set_at + window_days * 86400 > arrived.set_at)
    if model == "FirstTouch" and live:
        assert current is not None
        return current
    return arrived
