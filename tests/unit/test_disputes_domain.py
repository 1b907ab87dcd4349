"""The dispute state machine: open holds, the first close is the outcome (a lost one refunds
the sale), and nothing after a close or a repeated open changes anything."""

from __future__ import annotations

from services.ledger.conversions.domain.disputes import Step, closed, opened, refund_event_id


def test_a_new_dispute_opens() -> None:
    assert opened(None) == Step("open")


def test_an_open_seen_again_or_after_the_close_changes_nothing() -> None:
    assert [opened(state) for state in ("open", "won", "lost")] == [None, None, None]


def test_won_releases_and_lost_refunds_the_sale() -> None:
    assert closed("open", won=True) == Step("won", refunds_sale=False)
    assert closed("open", won=False) == Step("lost", refunds_sale=True)


def test_a_close_before_its_open_is_the_outcome() -> None:
    assert closed(None, won=True) == Step("won")
    assert closed(None, won=False) == Step("lost", refunds_sale=True)


def test_the_first_close_is_final() -> None:
    for state in ("won", "lost"):
        assert closed(state, won=True) is None
        assert closed(state, won=False) is None


def test_a_lost_dispute_books_one_refund_of_its_own() -> None:
    assert refund_event_id("dp_1") == "dispute:dp_1"
