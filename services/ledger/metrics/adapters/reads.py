"""The sums the dashboard reads from the rollups. A read that names an affiliate uses the
per-affiliate tables (0016, indexed by affiliate); one over the whole org uses the org-wide
grain (0017), a few rows per day. The program filter is added to the SQL only when given, so
each shape of read gets a plan for it (``($n IS NULL OR ...)`` turns into a filter that a generic
plan cannot push into the index)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from libs.shared.db import Conn
from services.ledger.metrics.adapters.rollups import CHURN_DAYS
from services.ledger.metrics.domain.grains import monday
from services.ledger.metrics.domain.rollup import COLUMNS, DEFAULT_HOME


class Scope:
    """Which rows a read sums: the org, its window of days and the optional filters, as the
    table to read and the WHERE clause with its arguments."""

    def __init__(self, org_id: uuid.UUID, first: date, last: date,
                 program_id: uuid.UUID | None = None,
                 affiliate_id: uuid.UUID | None = None) -> None:
        self.org_id, self.first, self.last = org_id, first, last
        self.program_id, self.affiliate_id = program_id, affiliate_id

    def where(self, day: str = "day", *extra: Any) -> tuple[str, list[Any]]:
        """``day`` is the expression the window bounds; ``extra`` arguments follow the
        window's ($4...)."""
        args: list[Any] = [self.org_id, self.first, self.last, *extra]
        clauses = ["org_id = $1", f"{day} BETWEEN $2 AND $3"]
        for column, value in (("program_id", self.program_id),
                              ("affiliate_id", self.affiliate_id)):
            if value is not None:
                args.append(value)
                clauses.append(f"{column} = ${len(args)}")
        return " AND ".join(clauses), args

    def table(self, per_affiliate: str, org_wide: str) -> str:
        return per_affiliate if self.affiliate_id is not None else org_wide


# Each subscription the rollups saw, with its churn day ($4 is CHURN_DAYS; least() ignores
# a missing end).
_CHURN = ("(SELECT s.org_id, s.program_id, s.affiliate_id, "
          "least(e.end_day, s.last_day + $4::int) AS churn_day FROM metric_subscriptions s "
          "LEFT JOIN subscription_ends e USING (org_id, subscription_id)) AS churn")

RANKABLE = ("clicks", "conversions", "earnings", "epc")
# Earnings per click as Python's round(earnings / clicks) gives it: halves to even. (A float
# quotient could round otherwise only within one ulp of a half, past 2**52 cents.)
_Q, _R = "(abs(earnings) / clicks)", "(abs(earnings) % clicks)"
EPC = (f"(CASE WHEN earnings < 0 THEN -1 ELSE 1 END * ({_Q} + CASE WHEN 2 * {_R} > clicks "
       f"OR (2 * {_R} = clicks AND {_Q} % 2 = 1) THEN 1 ELSE 0 END))")


@dataclass(frozen=True, slots=True)
class Board:
    """What a leaderboard read sums: the org's window (``last`` is today), the home currency,
    the exact factor (numerator, denominator) of each foreign (day, currency) and, to rank
    in SQL, the column to rank by and how many to keep."""

    org_id: uuid.UUID
    first: date
    last: date
    program_id: uuid.UUID | None
    home: str
    factors: Sequence[tuple[date, str, int, int]] = ()
    rank_by: str | None = None  # clicks | conversions | earnings | epc
    limit: int = 0

    @property
    def start_of_weeks(self) -> date:
        """The first Monday on or after ``first``: week rows from there on."""
        return self.first if self.first.weekday() == 0 else monday(self.first) + timedelta(7)


class Reads:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def by_day(self, scope: Scope) -> list[asyncpg.Record]:
        """Per (day, currency): every column summed over the window."""
        where, args = scope.where()
        return list(await self.conn.fetch(
            f"SELECT day, currency, {', '.join(f'sum({c})::bigint AS {c}' for c in COLUMNS)} "
            f"FROM {scope.table('metric_days', 'metric_org_days')} WHERE {where} "
            "GROUP BY day, currency ORDER BY day", *args))

    async def by_kind(self, scope: Scope) -> list[asyncpg.Record]:
        """Per (kind, day, currency): sales, revenue and commission by way of attribution."""
        where, args = scope.where()
        return list(await self.conn.fetch(
            "SELECT kind, day, currency, sum(conversions)::bigint AS conversions, "
            "sum(revenue_cents)::bigint AS revenue_cents, "
            "sum(commission_cents)::bigint AS commission_cents FROM "
            f"{scope.table('metric_attribution', 'metric_org_attribution')} WHERE {where} "
            "GROUP BY kind, day, currency", *args))

    async def sources(self, scope: Scope) -> list[asyncpg.Record]:
        where, args = scope.where()
        return list(await self.conn.fetch(
            "SELECT source, sum(clicks)::bigint AS clicks FROM "
            f"{scope.table('metric_sources', 'metric_org_sources')} WHERE {where} "
            "GROUP BY source ORDER BY sum(clicks) DESC, source", *args))

    async def dims(self, scope: Scope, dimension: str) -> list[asyncpg.Record]:
        """Per (value, day, currency) of one click dimension: clicks, sales, their revenue
        and commission."""
        where, args = scope.where("day", dimension)
        return list(await self.conn.fetch(
            "SELECT value, day, currency, sum(clicks)::bigint AS clicks, "
            "sum(conversions)::bigint AS conversions, "
            "sum(revenue_cents)::bigint AS revenue_cents, "
            "sum(commission_cents)::bigint AS commission_cents FROM "
            f"{scope.table('metric_dims', 'metric_org_dims')} WHERE {where} "
            "AND dimension = $4 GROUP BY value, day, currency", *args))

    async def home_currencies(self, org_ids: list[uuid.UUID]) -> set[str]:
        """The distinct home currencies of these orgs (the default for an org without
        settings)."""
        rows = await self.conn.fetch(
            "SELECT DISTINCT coalesce(s.home_currency, $2) FROM unnest($1::uuid[]) AS o "
            "LEFT JOIN org_settings s ON s.org_id = o", org_ids, DEFAULT_HOME)
        return {r[0] for r in rows}

    async def active_affiliates(self, org_id: uuid.UUID, first: date) -> int:
        """Affiliates with a click, a lead or a sale from ``first`` on (the window ends now)."""
        found: int = await self.conn.fetchval(
            "SELECT count(*) FROM metric_affiliate_activity WHERE org_id = $1 "
            "AND last_day >= $2", org_id, first)
        return found

    async def leaders(self, board: Board) -> list[asyncpg.Record]:
        """Per affiliate over ``[first, last]`` (``last`` is today): clicks, sales and
        ``earnings``, the commission in ``home`` plus each foreign (affiliate, day, currency)
        sum converted with its day's factor and rounded half away from zero, exactly as
        ``normalize`` rounds (numeric ``div`` is exact). Home-currency sums come from the day
        rows up to the first Monday, then the week rows; foreign ones from the day rows (their
        day's rate). Ranked and cut in SQL when ``board.rank_by`` is given.

        Why in SQL: on ``make bench``'s dashboard_read set (10,000 affiliates, 30 days, 10% of
        sales in EUR) the Python conversion and ranking it replaced took 289-309 ms per board
        in-process, this 36-92 ms (same process, alternating); over HTTP, p99 590-620 ms
        before, 88-164 ms after (two runs 25 minutes apart on one machine)."""
        args: list[Any] = [board.org_id, board.first, board.start_of_weeks, board.last,
                           board.home]
        program = ""
        if board.program_id is not None:
            args.append(board.program_id)
            program = f" AND program_id = ${len(args)}"
        home = ("SELECT affiliate_id, sum(clicks) AS clicks, sum(conversions) AS conversions, "
                "coalesce(sum(commission_cents) FILTER (WHERE currency = $5), 0) AS cents "
                "FROM metric_leaders WHERE org_id = $1 AND ((span = 1 AND day >= $2 AND "
                f"day < $3) OR (span = 7 AND day >= $3 AND day <= $4)){program} "
                "GROUP BY affiliate_id")
        if board.factors:
            days, currencies, numerators, denominators = zip(*board.factors, strict=True)
            args += [list(days), list(currencies), [Decimal(n) for n in numerators],
                     [Decimal(d) for d in denominators], sorted(set(currencies))]
            n = len(args)
            # A union, not a join of the two sums: a generic plan (asyncpg prepares, and
            # PostgreSQL plans generically from the sixth run) guessed one foreign row and
            # nested-looped 10,000 x 5,000 rows: 1.3 s instead of 0.1.
            home = (
                f"WITH f AS (SELECT * FROM unnest(${n - 4}::date[], ${n - 3}::text[], "
                f"${n - 2}::numeric[], ${n - 1}::numeric[]) AS f (day, currency, num, den)), "
                "d AS (SELECT affiliate_id, day, currency, sum(commission_cents) AS cents "
                "FROM metric_leaders WHERE org_id = $1 AND span = 1 AND "
                f"currency = ANY(${n}::text[]) AND day BETWEEN $2 AND $4{program} "
                "GROUP BY affiliate_id, day, currency) "
                f"SELECT affiliate_id, sum(clicks) AS clicks, sum(conversions) AS conversions, "
                f"sum(cents) AS cents FROM ({home} UNION ALL SELECT affiliate_id, 0, 0, "
                "sign(cents) * div(2 * abs(cents) * num + den, 2 * den) FROM d "
                "JOIN f USING (day, currency)) AS t GROUP BY affiliate_id")
        if board.rank_by not in (None, *RANKABLE):
            raise ValueError(f"cannot rank by {board.rank_by!r}")
        ranked = "" if board.rank_by is None else (
            f"{' WHERE clicks > 0' if board.rank_by == 'epc' else ''} ORDER BY "
            f"{EPC if board.rank_by == 'epc' else board.rank_by} DESC, affiliate_id "
            f"LIMIT {int(board.limit)}")
        return list(await self.conn.fetch(
            "SELECT * FROM (SELECT affiliate_id, clicks::bigint AS clicks, conversions::bigint "
            f"AS conversions, cents::bigint AS earnings FROM ({home}) AS a) AS b{ranked}",
            *args))

    async def foreign_days(self, org_id: uuid.UUID, first: date, last: date,
                           program_id: uuid.UUID | None, home: str) -> list[asyncpg.Record]:
        """The (day, currency) pairs with commission in currencies other than ``home`` (few:
        most orgs sell in one currency), and whether any of it is not zero."""
        program = "" if program_id is None else " AND program_id = $5"
        return list(await self.conn.fetch(
            "SELECT day, currency, bool_or(commission_cents <> 0) AS owed FROM metric_org_days "
            f"WHERE org_id = $1 AND day BETWEEN $2 AND $3 AND currency NOT IN ('', $4){program} "
            "GROUP BY day, currency", org_id, first, last, home,
            *([] if program_id is None else [program_id])))

    async def churned(self, scope: Scope) -> int:
        """Subscriptions that churned in the window, each once, on the earlier of: the day
        the provider ended it (``subscription_ends``), and the day its charges are inferred
        to have stopped (``CHURN_DAYS`` after the last one). An end whose subscription the
        rollups have not seen counts once its first charge is counted."""
        where, args = scope.where("churn_day", CHURN_DAYS)
        found: int = await self.conn.fetchval(f"SELECT count(*) FROM {_CHURN} WHERE {where}",
                                              *args)
        return found

    async def pending(self, org_id: uuid.UUID) -> list[tuple[str, int]]:
        """Approved commission awaiting payout, per currency (the conversions_pending index)."""
        rows = await self.conn.fetch(
            "SELECT currency, sum(commission_cents)::bigint FROM conversions "
            "WHERE org_id = $1 AND status = 'Approved' GROUP BY currency", org_id)
        return [(r[0], r[1]) for r in rows]
