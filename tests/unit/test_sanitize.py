"""The invite note: allowlist sanitizing, https-only links, merge tags escaped after."""

from __future__ import annotations

import pytest

from services.ledger.invites.domain.sanitize import render_merge_tags, render_note, sanitize_note

VALUES = {"affiliate.firstName": "Al", "program.commission": "30%", "brand.name": "A&B"}


@pytest.mark.parametrize(("raw", "clean"), [
    ("<p>ok</p><br><strong>s</strong><b>b</b><em>e</em><i>i</i><u>u</u>",
     "<p>ok</p><br><strong>s</strong><b>b</b><em>e</em><i>i</i><u>u</u>"),
    ("<ul><li>a</li></ul><ol><li>b</li></ol>", "<ul><li>a</li></ul><ol><li>b</li></ol>"),
    ("<script>alert(1)</script>x", "x"),
    ("<style>p{}</style><h1>t</h1><img src=x onerror=y>", "t"),
    ('<p onclick="x" style="y" class="z" title="t" lang="en">p</p>', "<p>p</p>"),
    ('<a href="https://ok.example/a?b=1&c=2" target="_blank">l</a>',
     '<a href="https://ok.example/a?b=1&amp;c=2">l</a>'),
    ('<a href="http://plain.example/">l</a>', "<a>l</a>"),
    ('<a href="javascript:alert(1)">l</a>', "<a>l</a>"),
    ('<a href="/relative">l</a>', "<a>l</a>"),
    ('<a href="data:text/html,x">l</a>', "<a>l</a>"),
    ("<!-- secret -->text", "text"),
    ('<iframe src="https://x"></iframe><form><input></form>', ""),
])
def test_allowlist(raw: str, clean: str) -> None:
    assert sanitize_note(raw) == clean


def test_merge_tags_render_escaped_values_and_keep_unknown_ones() -> None:
    out = render_merge_tags("<p>{{ affiliate.firstName }} {{brand.name}} {{program.commission}}"
                            " {{nope.tag}}</p>",
                            {**VALUES, "affiliate.firstName": '<script>"x"</script>'})
    assert out == ("<p>&lt;script&gt;&quot;x&quot;&lt;/script&gt; A&amp;B 30% {{nope.tag}}"
                   "</p>")


def test_tags_render_after_sanitizing_so_values_cannot_smuggle_markup() -> None:
    note = '<a href="https://x.example/{{brand.name}}">{{affiliate.firstName}}</a>'
    values = {**VALUES, "brand.name": '"><script>', "affiliate.firstName": "<img src=x>"}
    assert render_note(note, values) == (
        '<a href="https://x.example/&quot;&gt;&lt;script&gt;">&lt;img src=x&gt;</a>')


def test_empty_notes() -> None:
    assert render_note(None, VALUES) is None
    assert render_note("<script>x</script>", VALUES) is None
