"""The embedded dashboard page's query (``GET /embed/v1/dashboard``): the token and the
display options the widget script reads from its element, validated before they are written
into the page."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

# Base64 in either alphabet, hex or any other URL-safe token text; the public endpoint decides
# whether the token is valid, this only keeps the page's attribute plain text.
EmbedToken = Annotated[str, Field(min_length=1, max_length=512,
                                  pattern=r"^[A-Za-z0-9._~+/=-]+$")]


class EmbedPageQuery(BaseModel):
    token: EmbedToken = Field(description="The embed token minted by POST /api/v1/embed/tokens")
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = Field(
        default=None, description="ISO 4217 code: amounts are shown as money in it; without "
                                  "it, as plain amounts with two decimals")
    locale: Annotated[str, Field(pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$")] | None = (
        Field(default=None, description="BCP 47 language tag for numbers and dates "
                                        "(default: the browser's)"))
