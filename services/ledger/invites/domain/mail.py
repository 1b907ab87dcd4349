"""The invite e-mail as plain data: subject, HTML and text bodies."""

from __future__ import annotations

import html
from dataclasses import dataclass

import nh3


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    to: str
    subject: str
    html: str
    text: str
    headers: dict[str, str]


def invite_mail(*, to: str, brand: str, program: str, note_html: str | None, url: str,
                invite_id: str) -> OutgoingMail:
    """``note_html`` is the invite's stored note: sanitized, merge tags already rendered."""
    subject = f"{brand} invites you to join {program}"
    note = note_html or ""
    body = (f"<p>{html.escape(brand)} invites you to join their affiliate program "
            f"<strong>{html.escape(program)}</strong>.</p>{note}"
            f'<p><a href="{html.escape(url, quote=True)}">Accept the invitation</a></p>'
            f"<p>Or open this link: {html.escape(url)}</p>")
    note_text = html.unescape(nh3.clean(note.replace("</p>", "</p>\n"), tags=set())).strip()
    text = (f"{brand} invites you to join their affiliate program {program}.\n\n"
            + (f"{note_text}\n\n" if note_text else "")
            + f"Accept the invitation: {url}\n")
    return OutgoingMail(to=to, subject=subject, html=body, text=text,
                        headers={"X-Rekomi-Invite-Id": invite_id})
