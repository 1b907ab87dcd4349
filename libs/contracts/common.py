"""Shapes shared by every contract: the caller identity, request and reply bases."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from libs.shared import jsonutil
from libs.shared.errors import ValidationFailed
from libs.shared.timestamps import WIRE_TIMESTAMP_PATTERN, wire_timestamp

# The opaque ``nextCursor`` of a previous page: base64url text (libs/shared/pagination.py).
CursorText = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]*$", max_length=512,
                                  description="`nextCursor` of the previous page")]
# A CSV export's response header: "true" when more rows matched than the export's cap let
# through (narrow the filters and call again), else "false".
EXPORT_TRUNCATED_HEADER = "X-Rekomi-Truncated"
_ISO_DATE_OR_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:$|[Tt ]\d{2}:\d{2})")


def _iso_datetime(value: Any) -> Any:
    """A date-time in a query is ISO 8601 text, a date-time or a date (its midnight), as the
    schema says; pydantic alone would also read ``0.5`` or ``1700000000`` as a Unix time."""
    if isinstance(value, str) and not _ISO_DATE_OR_TIME.match(value):
        raise ValueError("must be an ISO 8601 date-time or date, e.g. 2024-05-01T00:00:00Z")
    return value


QueryDatetime = Annotated[datetime, BeforeValidator(_iso_datetime), WithJsonSchema(
    {"type": "string", "anyOf": [{"format": "date-time"}, {"format": "date"}]})]

# A moment in a reply (every date-time of a ``Resource``): read as any date-time, written as
# JSON by ``wire_timestamp`` (whole seconds, UTC, ``Z``). The schema's pattern documents that,
# and lets the conformance run check every reply's moments. Bus messages keep plain
# ``datetime`` (full precision: ordering and last-writer-wins compare them).
Timestamp = Annotated[
    datetime, PlainSerializer(wire_timestamp, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": WIRE_TIMESTAMP_PATTERN})]


def _whole_number(value: Any) -> Any:
    """JSON has one number type: ``30.0`` is the integer 30 (JSON Schema agrees); ``30.5``,
    ``true`` and ``"30"`` are not integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    return value


# After the bounds: ``Annotated[int, Field(ge=1), WHOLE_NUMBER]`` (before them, pydantic writes
# ``ge``/``le`` into the schema instead of minimum/maximum).
WHOLE_NUMBER = BeforeValidator(_whole_number)


def _number_not_text(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a number")
    return value


# A JSON number, never text, read as a Decimal (commission values, percentages).
NOT_TEXT = BeforeValidator(_number_not_text)


def number_schema(minimum: int, maximum: int, *, decimal_places: int = 2,
                  description: str | None = None) -> WithJsonSchema:
    """What a ``NOT_TEXT`` Decimal field enforces, as its schema: pydantic alone describes a
    Decimal as number-or-string and leaves the ``ge``/``le`` bounds out."""
    schema: dict[str, Any] = {"type": "number", "minimum": minimum, "maximum": maximum,
                              "multipleOf": 10 ** -decimal_places}
    if description is not None:
        schema["description"] = description
    return WithJsonSchema(schema)


class ApiModel(BaseModel):
    """Request bodies: unknown keys are refused so a typo never passes silently, and text with
    NUL characters (which PostgreSQL cannot store) is refused before it reaches a database."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: Any) -> Any:
        if not _may_hold_nul(data):
            return data
        field = _nul_path(data, ())
        if field is not None:
            raise ValidationFailed("text must not contain NUL (\\u0000) characters",
                                   field=field or None)
        return data


class PatchBody(ApiModel):
    """A PATCH body: every key optional, only the keys sent change. ``NULLABLE`` names the
    fields (by field name) that null clears; null for any other key is refused."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Self:
        for name in self.model_fields_set - self.NULLABLE:
            if getattr(self, name) is None:
                alias = type(self).model_fields[name].alias or name
                raise ValidationFailed(f"{alias} cannot be null", field=alias)
        return self


def _may_hold_nul(data: Any) -> bool:
    """A cheap screen before the walk: every S2S sale is validated three times on its way, and
    the walk cost more than the rest of some of those validations. The JSON codec writes a NUL
    as ``\\u0000``, so its absence rules a NUL out; a hit (which a literal backslash-u0000
    can also cause) or data the codec cannot write goes to the exact walk."""
    try:
        return b"\\u0000" in jsonutil.dumps(data)
    except TypeError:
        return True


def _nul_path(value: Any, path: tuple[str, ...]) -> str | None:
    """The dotted path of the first string holding a NUL character, or None."""
    if isinstance(value, str):
        return ".".join(path) if "\x00" in value else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return ".".join(path)
        found = _nul_path(item, (*path, str(key)))
        if found is not None:
            return found
    return None


class ActorType(StrEnum):
    user = "user"
    api_key = "api_key"
    mcp = "mcp"
    system = "system"
    admin = "admin"


class Actor(BaseModel):
    """Who asked for a change; travels with every mutating command into the audit row."""

    type: ActorType
    key_id: uuid.UUID | None = Field(default=None, alias="keyId")
    user_id: str | None = Field(default=None, alias="userId")
    ip: str | None = None
    user_agent: str | None = Field(default=None, alias="userAgent")

    model_config = ConfigDict(populate_by_name=True)


class Resource(BaseModel):
    """A reply shape: built by field name in the owning service, serialised by alias."""

    model_config = ConfigDict(populate_by_name=True)


def as_json(model: BaseModel) -> dict[str, Any]:
    """The model as its wire JSON (for audit snapshots and event bodies)."""
    return model.model_dump(mode="json", by_alias=True)
