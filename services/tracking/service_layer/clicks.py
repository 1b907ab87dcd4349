"""Record a click: resolve the link, decide the referral, buffer the row."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from libs.contracts.tracking import (
    ClickResult,
    DeviceClass,
    RecordClick,
    ResolveShortLink,
    ShortLinkTarget,
)
from services.tracking.domain import visits
from services.tracking.domain.attribution import effective_order
from services.tracking.domain.errors import LandingUrlNotConfigured, LinkNotFound
from services.tracking.service_layer.lookups import Link, Tracking


async def _param_link(t: Tracking, query: dict[str, str]) -> Link | None:
    """The link named by the best attribution param of the URL, by its org's order."""
    best: tuple[int, Link] | None = None
    for key, value in visits.candidates(query):
        link = await t.lookups.links.get(value)
        if link is None:
            continue
        settings = await t.lookups.settings.get(link.org_id)
        order = effective_order(settings["custom_params"])
        if key in order and (best is None or order.index(key) < best[0]):
            best = (order.index(key), link)
    return best[1] if best else None


async def _resolve(t: Tracking, cmd: RecordClick, query: dict[str, str]) -> Link:
    data = cmd.data
    link = (await t.lookups.links.get(data.slug) if data.slug
            else await _param_link(t, query))
    if link is None or (data.program_id and link.program_id != data.program_id):
        raise LinkNotFound("no active affiliate link matches this visit")
    return link


async def _current(t: Tracking, cookie: str | None, arrived: Link) -> visits.Referral | None:
    """The visitor's referral cookie, if it names a live link of the same program."""
    current = visits.parse_cookie(cookie)
    if current is None or current.slug == arrived.slug:
        return current
    link = await t.lookups.links.get(current.slug)
    return current if link is not None and link.program_id == arrived.program_id else None


async def record_click(t: Tracking, cmd: RecordClick) -> ClickResult:
    data = cmd.data
    query = visits.query_of(data.landing_url)
    link = await _resolve(t, cmd, query)
    terms = await t.lookups.terms.get((link.org_id, link.program_id))
    if not terms.active:
        raise LinkNotFound("this link's program is inactive or archived")
    now = int(time.time())
    arrived = visits.Referral(link.slug, str(link.program_id), now)
    credited = visits.attribute(terms.attribution_model, arrived,
                                await _current(t, data.cookie, link),
                                terms.cookie_window_days)
    device = visits.device_class(cmd.visitor.user_agent)
    utm = visits.utm(query)
    if not data.prerecorded:
        t.writer.add((
            link.org_id, link.program_id, link.affiliate_id, link.slug, credited.slug, None,
            visits.host_of(data.referrer), data.landing_url, *utm.values(), device.value,
            visits.country(cmd.visitor.country), device == DeviceClass.Bot, cmd.source.value,
            datetime.fromtimestamp(now, UTC), visits.sub_id(query)))
    return ClickResult(
        counted=device != DeviceClass.Bot, slug=link.slug, attributed_slug=credited.slug,
        program_id=link.program_id, attribution_model=terms.attribution_model,
        device_class=device, cookie=visits.cookie_value(credited),
        max_age_seconds=max(0, credited.set_at + terms.cookie_window_days * 86400 - now))


async def short_link(t: Tracking, cmd: ResolveShortLink) -> ShortLinkTarget:
    """Record the click of a short link and answer where to send the visitor."""
    link = await t.lookups.links.get(cmd.slug)
    if link is None:
        raise LinkNotFound("no active affiliate link has this slug")
    landing = (await t.lookups.settings.get(link.org_id))["landing_url"]
    if not landing:
        raise LandingUrlNotConfigured(
            "this brand has not set a landing URL (PATCH /api/v1/settings/tracking)")
    target = _with_params(landing, {**cmd.query, "via": link.slug, "rkm": "r"})
    click = RecordClick.model_validate({"source": "redirect", "visitor": cmd.visitor,
                                        "data": {"landingUrl": target, "slug": link.slug,
                                                 "referrer": cmd.visitor.referer}})
    return ShortLinkTarget(location=target, **dict(await record_click(t, click)))


def _with_params(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    merged = dict(parse_qsl(parts.query))
    merged.update(params)
    return urlunsplit(parts._replace(query=urlencode(merged)))
