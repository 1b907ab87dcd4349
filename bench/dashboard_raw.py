"""The same-run baseline of ``dashboard_read``: for each endpoint, one plain SQL statement over
the raw rows (tracking's ``clicks``, the ledger's ``conversions``) answering the same question
for the same window, as a dashboard without rollups would. Timed a few times on an idle stack
(median), with PostgreSQL's default settings (parallel workers and all).

Every statement takes ($1 org, $2 window start, $3 window end: whole UTC days, end exclusive)
and runs with ``TimeZone=UTC``, so ``created_at::date`` is the UTC day the rollups count on.
Money is summed per (day, currency) as a converting reader needs it; the earnings rankings
convert in SQL (home currency USD, rates EUR-based: this data set's). Payouts are the Paid
commissions by the weekly run that paid them (the data set's payment rule,
``bench/dashboard_sales.py``): the payouts service's rows are not part of the set."""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import datetime
from typing import Any

import asyncpg

from bench.dashboard_sales import GRACE_DAYS

CLICKS = ("FROM tracking.clicks WHERE org_id = $1 AND created_at >= $2 AND created_at < $3 "
          "AND NOT is_bot")
WINDOW = "FROM ledger.conversions WHERE org_id = $1 AND created_at >= $2 AND created_at < $3"
COUNTED = "status NOT IN ('Refunded', 'Denied')"
COUNTED_ROWS = f"{WINDOW} AND {COUNTED}"
SALE = "type IN ('OneTime', 'Recurring') AND parent_affiliate_conversion_id IS NULL"
LEAD = "type = 'LeadReward'"
FIRST_DAY, LAST_DAY = "$2::timestamptz::date", "($3::timestamptz - interval '1 microsecond')::date"
# Each day's home-currency (USD) value of a euro, from the latest rate on or before it.
_RATES = (f"r AS (SELECT d::date AS day, (SELECT per_eur FROM ledger.fx_rates WHERE currency = "
          f"'USD' AND day <= d::date ORDER BY day DESC LIMIT 1) AS usd FROM "
          f"generate_series({FIRST_DAY}, {LAST_DAY}, interval '1 day') AS d)")
_EARNINGS = (
    f"v AS (SELECT affiliate_id, created_at::date AS day, currency, sum(commission_cents) AS "
    f"cents {COUNTED_ROWS} GROUP BY 1, 2, 3), {_RATES}, e AS (SELECT affiliate_id, "
    "sum(CASE WHEN currency = 'USD' THEN cents ELSE round(cents * r.usd) END)::bigint AS n "
    "FROM v JOIN r USING (day) GROUP BY 1)")
_NAMED = ("SELECT t.affiliate_id, t.n, a.full_name, a.email FROM t JOIN ledger.affiliates a "
          "ON a.id = t.affiliate_id ORDER BY t.n DESC, t.affiliate_id")
_WITH_ORIGIN = (f"FROM ledger.conversions c LEFT JOIN ledger.conversion_origins o ON "
                "o.conversion_id = c.id WHERE c.org_id = $1 AND c.created_at >= $2 AND "
                f"c.created_at < $3 AND {COUNTED} AND {SALE}")
_PAY_DAY = "approved + (8 - extract(isodow FROM approved)::int)"
KIND = ("CASE WHEN attribution_method = 'coupon' THEN 'Coupon' WHEN attribution_method IS NULL "
        "OR attribution_method = 'metadata_or_customer' THEN 'Link' ELSE 'Other' END")

RAW: dict[str, str] = {
    "summary": (
        f"WITH c AS (SELECT affiliate_id, count(*) AS clicks {CLICKS} GROUP BY 1), "
        f"v AS (SELECT affiliate_id, created_at::date AS day, currency, count(*) FILTER (WHERE "
        f"{SALE}) AS sales, count(*) FILTER (WHERE {LEAD}) AS leads, sum(commission_cents) AS "
        f"cents {COUNTED_ROWS} GROUP BY 1, 2, 3) "
        "SELECT (SELECT coalesce(sum(clicks), 0) FROM c)::bigint AS clicks, "
        "(SELECT coalesce(sum(sales), 0) FROM v)::bigint AS conversions, "
        "(SELECT coalesce(sum(leads), 0) FROM v)::bigint AS leads, "
        "(SELECT count(*) FROM (SELECT affiliate_id FROM c UNION SELECT affiliate_id FROM v "
        "WHERE sales > 0 OR leads > 0) a) AS active, "
        "(SELECT json_agg(x)::text FROM (SELECT day, currency, sum(cents) AS cents FROM v "
        "GROUP BY 1, 2) x) AS earnings, "
        "(SELECT sum(commission_cents) FROM ledger.conversions WHERE org_id = $1 "
        "AND status = 'Approved')::bigint AS pending"),
    "timeseries clicks": f"SELECT created_at::date AS day, count(*) AS n {CLICKS} GROUP BY 1",
    "timeseries conversions": (
        f"SELECT created_at::date AS day, count(*) AS n {COUNTED_ROWS} AND {SALE} GROUP BY 1"),
    "timeseries leads": (
        f"SELECT created_at::date AS day, count(*) AS n {COUNTED_ROWS} AND {LEAD} GROUP BY 1"),
    "timeseries payouts": (
        f"WITH p AS (SELECT (created_at + interval '{GRACE_DAYS} days')::date AS approved, "
        "currency, "
        "commission_cents FROM ledger.conversions WHERE org_id = $1 AND status = 'Paid') "
        f"SELECT {_PAY_DAY} AS day, currency, sum(commission_cents)::bigint AS n FROM p "
        f"WHERE {_PAY_DAY} BETWEEN {FIRST_DAY} AND {LAST_DAY} GROUP BY 1, 2"),
    "leaderboard clicks": (
        f"WITH t AS (SELECT affiliate_id, count(*) AS n {CLICKS} GROUP BY 1 "
        f"ORDER BY n DESC, affiliate_id LIMIT 10) {_NAMED}"),
    "leaderboard conversions": (
        f"WITH t AS (SELECT affiliate_id, count(*) AS n {COUNTED_ROWS} AND {SALE} GROUP BY 1 "
        f"ORDER BY n DESC, affiliate_id LIMIT 10) {_NAMED}"),
    "leaderboard earnings": (
        f"WITH {_EARNINGS}, t AS (SELECT affiliate_id, n FROM e ORDER BY n DESC, affiliate_id "
        f"LIMIT 10) {_NAMED}"),
    "leaderboard epc": (
        f"WITH c AS (SELECT affiliate_id, count(*) AS clicks {CLICKS} GROUP BY 1), {_EARNINGS}, "
        "t AS (SELECT c.affiliate_id, round(coalesce(e.n, 0)::numeric / c.clicks) AS n FROM c "
        f"LEFT JOIN e USING (affiliate_id) ORDER BY n DESC, c.affiliate_id LIMIT 10) {_NAMED}"),
    "traffic-sources": (
        "SELECT coalesce(nullif(referrer_host, ''), '(direct)') AS source, count(*) AS n, "
        f"round(count(*) * 100.0 / sum(count(*)) OVER (), 1) AS pct {CLICKS} GROUP BY 1 "
        "ORDER BY n DESC, source LIMIT 20"),
    "insights overview": (
        f"WITH c AS (SELECT count(*) AS clicks {CLICKS}), v AS (SELECT created_at::date AS day, "
        f"currency, count(*) FILTER (WHERE {SALE} AND {COUNTED}) AS sales, count(*) FILTER "
        f"(WHERE {LEAD} AND {COUNTED}) AS leads, sum(amount_cents) FILTER (WHERE {SALE} AND "
        f"{COUNTED}) AS revenue, sum(commission_cents) FILTER (WHERE {COUNTED}) AS commission, "
        f"count(*) FILTER (WHERE {SALE} AND status = 'Refunded') AS refunded, count(*) FILTER "
        f"(WHERE type = 'Recurring' AND {COUNTED}) AS recurring {WINDOW} GROUP BY 1, 2) "
        "SELECT (SELECT clicks FROM c) AS clicks, (SELECT json_agg(v)::text FROM v) AS days"),
    "insights funnel": (
        f"SELECT (SELECT count(*) {CLICKS}) AS clicks, count(*) FILTER (WHERE {LEAD}) AS leads, "
        f"count(*) FILTER (WHERE {SALE}) AS conversions, count(*) FILTER (WHERE {SALE} AND "
        "status IN ('Approved', 'Paid')) AS approved, count(*) FILTER (WHERE "
        f"{SALE} AND status = 'Paid') AS paid {COUNTED_ROWS}"),
    "insights attribution": (
        f"SELECT {KIND} AS kind, created_at::date AS day, currency, count(*) AS n, "
        f"sum(amount_cents) AS revenue, sum(commission_cents) AS commission {COUNTED_ROWS} "
        f"AND {SALE} GROUP BY 1, 2, 3"),
    "insights recurring": (
        "WITH v AS (SELECT created_at::date AS day, currency, count(*) AS sales, count(*) "
        "FILTER (WHERE type = 'Recurring') AS recurring, sum(amount_cents) AS revenue, "
        "sum(amount_cents) FILTER (WHERE type = 'Recurring') AS recurring_revenue, "
        "sum(amount_cents) FILTER (WHERE stripe_subscription_id IS NOT NULL) AS "
        f"subscription_revenue {COUNTED_ROWS} AND {SALE} GROUP BY 1, 2), "
        "s AS (SELECT stripe_subscription_id, max(created_at)::date AS last FROM "
        "ledger.conversions WHERE org_id = $1 AND stripe_subscription_id IS NOT NULL AND "
        f"{SALE} GROUP BY 1) SELECT (SELECT json_agg(v)::text FROM v) AS days, (SELECT count(*) "
        f"FROM s WHERE last + 35 BETWEEN {FIRST_DAY} AND {LAST_DAY}) AS churned"),
    # A sale is returning when its customer bought before, in the order the rollups see sales
    # (by day, then id): the customer's first sale of all time is the only new one.
    "insights customers": (
        "WITH s AS (SELECT id, created_at, currency, amount_cents, status, "
        "coalesce(stripe_customer_id, customer_id, lower(customer_email)) AS who FROM "
        f"ledger.conversions WHERE org_id = $1 AND {SALE}), f AS (SELECT DISTINCT ON (who) who, "
        "id AS first_id FROM s WHERE who IS NOT NULL ORDER BY who, created_at::date, id) "
        "SELECT coalesce(s.id <> f.first_id, false) AS returning, s.created_at::date AS day, "
        "s.currency, count(*) AS n, sum(s.amount_cents) AS revenue FROM s LEFT JOIN f "
        f"USING (who) WHERE s.created_at >= $2 AND s.created_at < $3 AND s.{COUNTED} "
        "GROUP BY 1, 2, 3"),
    # A sale's originating click is in conversion_origins (written when the sale was booked):
    # the raw rows these two modules read beside the conversions.
    "insights sale-origin": (
        f"WITH s AS (SELECT c.created_at::date AS day, c.currency, c.amount_cents, "
        "o.conversion_id IS NOT NULL AS attributed, coalesce(o.referrer_host, '(direct)') AS "
        f"host {_WITH_ORIGIN}) SELECT count(*) AS total, count(*) FILTER (WHERE attributed) AS "
        "attributed, (SELECT json_agg(x)::text FROM (SELECT host, day, currency, count(*) AS n, "
        "sum(amount_cents) AS revenue FROM s WHERE attributed GROUP BY 1, 2, 3) x) AS hosts "
        "FROM s"),
    "insights time-to-convert": (
        "SELECT CASE WHEN o.conversion_id IS NULL THEN '(unknown)' WHEN c.created_at - "
        "o.clicked_at < interval '1 hour' THEN '<1h' WHEN c.created_at - o.clicked_at < "
        "interval '1 day' THEN '1-24h' WHEN c.created_at - o.clicked_at < interval '7 days' "
        f"THEN '1-7d' ELSE '>7d' END AS bucket, count(*) AS n {_WITH_ORIGIN} GROUP BY 1"),
    # The click modules: one group-by of the clicks each.
    "insights geography": f"SELECT country, count(*) AS n {CLICKS} GROUP BY 1",
    "insights devices": f"SELECT device_class, count(*) AS n {CLICKS} GROUP BY 1",
    "insights utm": (
        f"SELECT utm_source, utm_medium, utm_campaign, count(*) AS n {CLICKS} GROUP BY 1, 2, 3"),
    "insights time-patterns": (
        f"SELECT extract(isodow FROM created_at) AS dow, extract(hour FROM created_at) AS hour, "
        f"count(*) AS n {CLICKS} GROUP BY 1, 2"),
}
REPEATS = 3


async def connect(dsn: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn, server_settings={"TimeZone": "UTC",
                                                       "application_name": "bench-raw"})


async def timed(conn: asyncpg.Connection, name: str, org_id: uuid.UUID, start: datetime,
                end: datetime) -> tuple[float, list[dict[str, Any]]]:
    """One warm-up, then the median of ``REPEATS`` runs (ms), and the rows."""
    sql = RAW[name]
    rows = await conn.fetch(sql, org_id, start, end)
    samples = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        rows = await conn.fetch(sql, org_id, start, end)
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples), [dict(r) for r in rows]
