"""Slug rules as properties: every generated slug is valid, and an arbitrary string is accepted
exactly when it has the documented shape (3-64 of a-z, 0-9, '-', no '-' at either end) and is
not a reserved word."""

from __future__ import annotations

import string

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from libs.shared.errors import ValidationFailed
from services.ledger.affiliates.domain.links import (
    RESERVED_SLUGS,
    check_slug,
    generated_slug,
    slug_problem,
)
from services.ledger.domain.errors import SlugReserved

ALPHABET = string.ascii_lowercase + string.digits
SLUGGY = st.text(alphabet=ALPHABET + "-", min_size=0, max_size=70)


def documented_shape(slug: str) -> bool:
    return (3 <= len(slug) <= 64 and all(ch in ALPHABET + "-" for ch in slug)
            and not slug.startswith("-") and not slug.endswith("-"))


@given(name=st.one_of(st.none(), st.text(max_size=300)), email=st.text(max_size=300))
@example(name=None, email="@")
@example(name="---", email="a@b.c")
@example(name="İstanbul Ǆ ﬁ", email="x")
def test_generated_slugs_are_always_valid(name: str | None, email: str) -> None:
    slug = generated_slug(name, email)
    assert slug_problem(slug) is None, slug
    assert documented_shape(slug)
    check_slug(slug)


@given(st.one_of(SLUGGY, st.text(max_size=70), st.sampled_from(sorted(RESERVED_SLUGS))))
@example("abc\n")
@example("ab")
@example("a" * 64)
@example("a" * 65)
@example("-abc")
@example("abc-")
@example("ABC")
def test_arbitrary_strings_accepted_iff_documented_shape_and_not_reserved(slug: str) -> None:
    expected = documented_shape(slug) and slug not in RESERVED_SLUGS
    assert (slug_problem(slug) is None) == expected, repr(slug)
    if expected:
        check_slug(slug)
    else:
        error = SlugReserved if documented_shape(slug) else ValidationFailed
        with pytest.raises(error):
            check_slug(slug)


@given(st.sampled_from(sorted(RESERVED_SLUGS)))
def test_reserved_words_are_refused_as_reserved(slug: str) -> None:
    assert slug_problem(slug) == ("reserved" if documented_shape(slug) else "invalid")
