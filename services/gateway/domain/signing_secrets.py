"""An org's S2S signing secrets: the current one and, for a while after a rotation, the one it
replaced. Mirrors the webhooks' endpoint secrets (services/webhooks/domain/endpoints.py): a
brand that rotates keeps sending with the old secret until its servers have the new one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.gateway.domain.secrets import new_signing_secret


@dataclass(frozen=True, slots=True)
class SigningSecrets:
    current: str
    previous: str | None = None
    previous_expires_at: datetime | None = None

    def verifying(self, now: datetime) -> tuple[str, ...]:
        """The secrets a request may be signed with now: the current one, then the previous
        one while its overlap lasts."""
        if self.previous is not None and self.previous_expires_at is not None and (
                now < self.previous_expires_at):
            return self.current, self.previous
        return (self.current,)


def rotate(secrets: SigningSecrets, *, now: datetime, overlap: timedelta) -> SigningSecrets:
    """A new secret; the current one keeps verifying beside it for ``overlap``. A secret still
    in its overlap from an earlier rotation stops now (only one previous secret is kept)."""
    return SigningSecrets(new_signing_secret(), secrets.current, now + overlap)
