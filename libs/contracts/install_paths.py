"""The install assistant's answer (the MCP ``recommend_install`` tool): how a brand should get
its conversions to Rekomi, with the text to paste."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from libs.contracts.common import Resource

InstallPath = Literal["stripe", "paddle", "coupon", "pixel", "s2s"]


class InstallOption(Resource):
    path: InstallPath
    when: str = Field(description="When this path fits, and what it needs.")
    snippet: str = Field(description="What to paste or run for it (HTML, JavaScript or curl).")


class InstallRecommendation(Resource):
    recommended: InstallPath
    reason: str = Field(description="Why, from the org's billing state and tracking settings.")
    steps: list[str] = Field(description="What to do, in order.")
    snippet: str = Field(description="What to paste for the recommended path ('' when the "
                                     "org has no live program to name yet).")
    alternatives: list[InstallOption]
