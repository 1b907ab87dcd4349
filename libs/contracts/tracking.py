"""Browser tracking: the click beacon's body, the tracking service's methods and replies."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StrictBool, StrictStr

from libs.contracts.common import Actor, ApiModel, Resource
from libs.contracts.programs import OrgScoped
from libs.shared.rpc import Rpc

Text = Annotated[StrictStr, Field(max_length=2048)]
Slug = Annotated[StrictStr, Field(min_length=1, max_length=64)]


class DeviceClass(StrEnum):
    Mobile = "Mobile"
    Tablet = "Tablet"
    Desktop = "Desktop"
    Bot = "Bot"


class ClickSource(StrEnum):
    js = "js"
    gif = "gif"
    redirect = "redirect"


class ClickBody(ApiModel):
    """What the loader posts. ``landingUrl`` carries the attribution param (``?via=``...); the
    server picks it by the org's effective order unless ``slug`` names the link directly.
    ``cookie`` is the visitor's current referral cookie, so the server decides FirstTouch or
    LastTouch."""

    landing_url: Text = Field(alias="landingUrl")
    referrer: Text | None = None
    program_id: uuid.UUID | None = Field(default=None, alias="programId")
    slug: Slug | None = None
    cookie: Annotated[StrictStr, Field(max_length=512)] | None = None
    # The short-link redirect already recorded this visit (the landing URL carries ``rkm=r``):
    # the loader still asks for the referral cookie, but no second click row is written.
    prerecorded: StrictBool = False


class ClickResult(BaseModel):
    """``cookie`` is the value the loader stores (first-party, ``maxAgeSeconds``)."""

    counted: bool
    slug: str
    attributed_slug: str = Field(alias="attributedSlug")
    program_id: uuid.UUID = Field(alias="programId")
    attribution_model: str = Field(alias="attributionModel")
    device_class: DeviceClass = Field(alias="deviceClass")
    cookie: str
    max_age_seconds: int = Field(alias="maxAgeSeconds")

    model_config = ConfigDict(populate_by_name=True)


class Visitor(BaseModel):
    """Request details the gateway adds: they never come from the JSON body."""

    user_agent: str | None = Field(default=None, alias="userAgent")
    country: str | None = None
    referer: str | None = None

    model_config = ConfigDict(populate_by_name=True)


class RecordClick(BaseModel):
    source: ClickSource
    visitor: Visitor
    data: ClickBody


class ResolveShortLink(BaseModel):
    slug: Slug
    visitor: Visitor
    query: dict[str, str] = Field(default_factory=dict)


class TrackingSettingsBody(ApiModel):
    landing_url: AnyHttpUrl | None = Field(alias="landingUrl")


class TrackingSettings(BaseModel):
    landing_url: str | None = Field(alias="landingUrl")

    model_config = ConfigDict(populate_by_name=True)


class GetTrackingSettings(OrgScoped):
    pass


class UpdateTrackingSettings(OrgScoped):
    actor: Actor
    data: TrackingSettingsBody


class SnippetQuery(BaseModel):
    program_id: uuid.UUID | None = Field(default=None, alias="programId")
    with_pixel: bool = Field(default=False, alias="withPixel")

    model_config = ConfigDict(populate_by_name=True)


class RenderSnippet(OrgScoped):
    program_id: uuid.UUID | None = Field(default=None, alias="programId")
    with_pixel: bool = Field(default=False, alias="withPixel")


class Snippet(BaseModel):
    snippet: str
    program_id: uuid.UUID = Field(alias="programId")
    program_slug: str = Field(alias="programSlug")
    with_pixel: bool = Field(alias="withPixel")
    has_custom_attribution_params: bool = Field(alias="hasCustomAttributionParams")
    custom_attribution_params: str | None = Field(alias="customAttributionParams")

    model_config = ConfigDict(populate_by_name=True)


class LoaderScript(BaseModel):
    """Ask for the loader's JavaScript (the gateway caches the answer)."""


class ShortLinkTarget(ClickResult):
    location: str


class LoaderText(Resource):
    script: str


# ---- declared methods ------------------------------------------------------------------------
GET_TRACKING_SETTINGS = Rpc("tracking", "settings.get", GetTrackingSettings, TrackingSettings)
UPDATE_TRACKING_SETTINGS = Rpc("tracking", "settings.update", UpdateTrackingSettings,
                               TrackingSettings)
RECORD_CLICK = Rpc("tracking", "clicks.record", RecordClick, ClickResult)
REDIRECT_SHORT_LINK = Rpc("tracking", "links.redirect", ResolveShortLink, ShortLinkTarget)
RENDER_SNIPPET = Rpc("tracking", "snippet.render", RenderSnippet, Snippet)
LOADER_SCRIPT = Rpc("tracking", "loader.script", LoaderScript, LoaderText)
