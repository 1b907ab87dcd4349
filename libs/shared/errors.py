"""The error envelope ``{"error", "message", "field"}`` and the error that carries it."""

from __future__ import annotations

from typing import Any


class RekomiError(Exception):
    """An error with a stable machine code; services raise subclasses, the gateway maps codes."""

    code: str = "internal_error"

    def __init__(self, message: str = "", *, field: str | None = None, code: str | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message or self.code)
        if code is not None:
            self.code = code
        self.message = message or self.code.replace("_", " ")
        self.field = field
        self.extra = extra or {}

    def envelope(self) -> dict[str, Any]:
        return envelope(self.code, self.message, self.field, **self.extra)


class ValidationFailed(RekomiError):
    code = "validation_failed"


class NotFound(RekomiError):
    code = "not_found"


class Conflict(RekomiError):
    code = "conflict"


def envelope(error: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"error": error, "message": message, "field": field}
    body.update(extra)
    return body


def pydantic_field(loc: tuple[int | str, ...]) -> str | None:
    """Turn a pydantic error location into the dotted ``field`` the envelope reports."""
    parts = [str(p) for p in loc if p not in ("body", "query")]
    return ".".join(parts) or None
