"""The fault harness's verdict: any loss (or a leftover event) fails the run."""

from __future__ import annotations

from typing import Any

from tests.chaos.__main__ import lost, table
from tests.chaos.harness import Fault, Run


def clean() -> dict[str, Any]:
    return {"sales": 12, "answered200": 10, "retried": 2, "retryNot200": 0, "booked": 12,
            "answeredNotBooked": 0,
            "bookedTwice": 0, "wrongCommission": 0, "outboxLeft": {"tracking": 0},
            "deadLettered": 0, "payoutRuns": 4, "payouts": 3, "runRefusals": {503: 1},
            "paidTwice": 0, "notPaid": 0, "paidNotBooked": 0, "linesNotCommissions": 0}


def test_a_clean_run_is_not_a_loss_and_each_kind_of_loss_is() -> None:
    assert not lost(clean())
    for key, value in [("answeredNotBooked", 1), ("bookedTwice", 1), ("wrongCommission", 1),
                       ("retryNot200", 1),
                       ("outboxLeft", {"tracking": 3}), ("deadLettered", 1),
                       ("paidTwice", 1), ("notPaid", 1), ("paidNotBooked", 1),
                       ("linesNotCommissions", 1), ("payouts", 0)]:
        assert lost({**clean(), key: value}), key


def test_the_table_names_each_fault_and_its_recovery() -> None:
    run = Run(faults=[Fault("SIGKILL tracking", at=10.0, back_at=11.0, first_ok=12.5),
                      Fault("restart PostgreSQL", at=20.0, restart=True)])
    text = table(run, started=0.0, result=clean())
    assert "SIGKILL tracking" in text and "2.50" in text and "1.00" in text
    assert "restart PostgreSQL" in text and "never" in text
    assert "answeredNotBooked    0" in text
