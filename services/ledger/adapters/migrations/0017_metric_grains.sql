-- Coarser grains of the metric rollups (issue 20's read targets). The per-affiliate tables of
-- 0016 answer reads that name one affiliate; a read over the whole org summed every affiliate's
-- row of every day (hundreds of thousands of rows for a large org). These tables are written
-- from the same batch of increments, in the same transaction, so they always agree with 0016.

-- metric_days without the affiliate: the org-wide summary, series and insight modules.
CREATE TABLE metric_org_days (
    org_id uuid NOT NULL,
    day date NOT NULL,
    program_id uuid NOT NULL,
    currency text NOT NULL,
    clicks bigint NOT NULL DEFAULT 0,
    bot_clicks bigint NOT NULL DEFAULT 0,
    leads bigint NOT NULL DEFAULT 0,
    conversions bigint NOT NULL DEFAULT 0,
    revenue_cents bigint NOT NULL DEFAULT 0,
    commission_cents bigint NOT NULL DEFAULT 0,
    payouts_cents bigint NOT NULL DEFAULT 0,
    refunded bigint NOT NULL DEFAULT 0,
    recurring bigint NOT NULL DEFAULT 0,
    recurring_revenue_cents bigint NOT NULL DEFAULT 0,
    subscription_revenue_cents bigint NOT NULL DEFAULT 0,
    repeat_sales bigint NOT NULL DEFAULT 0,
    repeat_revenue_cents bigint NOT NULL DEFAULT 0,
    approved bigint NOT NULL DEFAULT 0,
    paid bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, day, program_id, currency)
);

CREATE TABLE metric_org_sources (
    org_id uuid NOT NULL,
    day date NOT NULL,
    program_id uuid NOT NULL,
    source text NOT NULL,
    clicks bigint NOT NULL,
    PRIMARY KEY (org_id, day, program_id, source)
);

CREATE TABLE metric_org_attribution (
    org_id uuid NOT NULL,
    day date NOT NULL,
    program_id uuid NOT NULL,
    currency text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('Coupon', 'Link', 'Other')),
    conversions bigint NOT NULL,
    revenue_cents bigint NOT NULL,
    commission_cents bigint NOT NULL,
    PRIMARY KEY (org_id, day, program_id, currency, kind)
);

-- The leaderboard's ranks over [since, now]: per affiliate, day rows (span 1) and ISO-week rows
-- (span 7, ``day`` is the Monday). A window reads the day rows up to its first Monday and the
-- week rows from there on (the current week is wholly inside a window that ends now): about 8
-- rows per affiliate for 30 days instead of 30. Clicks sit in the row of the org's home
-- currency at the time (not a row of their own), so a one-currency org has one row per
-- affiliate and span. Money in another currency is converted at read time with each day's
-- rate, from its day rows.
CREATE TABLE metric_leaders (
    org_id uuid NOT NULL,
    span smallint NOT NULL CHECK (span IN (1, 7)),
    day date NOT NULL,
    program_id uuid NOT NULL,
    affiliate_id uuid NOT NULL,
    currency text NOT NULL,
    clicks bigint NOT NULL DEFAULT 0,
    conversions bigint NOT NULL DEFAULT 0,
    commission_cents bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, span, day, program_id, affiliate_id, currency)
);
CREATE INDEX metric_leaders_currency ON metric_leaders (org_id, currency, day) WHERE span = 1;

-- The last day each affiliate had a click, a lead or a sale: activeAffiliates over a window that
-- ends now is a count of affiliates whose last day is in it.
CREATE TABLE metric_affiliate_activity (
    org_id uuid NOT NULL,
    affiliate_id uuid NOT NULL,
    last_day date NOT NULL,
    PRIMARY KEY (org_id, affiliate_id)
);
CREATE INDEX metric_affiliate_activity_last ON metric_affiliate_activity (org_id, last_day);

-- What 0016's tables already hold, carried over.
INSERT INTO metric_org_days
SELECT org_id, day, program_id, currency, sum(clicks), sum(bot_clicks), sum(leads),
       sum(conversions), sum(revenue_cents), sum(commission_cents), sum(payouts_cents),
       sum(refunded), sum(recurring), sum(recurring_revenue_cents),
       sum(subscription_revenue_cents), sum(repeat_sales), sum(repeat_revenue_cents),
       sum(approved), sum(paid)
FROM metric_days GROUP BY org_id, day, program_id, currency;

INSERT INTO metric_org_sources
SELECT org_id, day, program_id, source, sum(clicks)
FROM metric_sources GROUP BY org_id, day, program_id, source;

INSERT INTO metric_org_attribution
SELECT org_id, day, program_id, currency, kind, sum(conversions), sum(revenue_cents),
       sum(commission_cents)
FROM metric_attribution GROUP BY org_id, day, program_id, currency, kind;

INSERT INTO metric_affiliate_activity
SELECT org_id, affiliate_id, max(day) FROM metric_days
WHERE clicks > 0 OR conversions > 0 OR leads > 0 GROUP BY org_id, affiliate_id;

INSERT INTO metric_leaders
SELECT d.org_id, s.span,
       CASE WHEN s.span = 1 THEN d.day ELSE date_trunc('week', d.day)::date END,
       d.program_id, d.affiliate_id,
       CASE WHEN d.currency = '' THEN coalesce(o.home_currency, 'USD') ELSE d.currency END,
       sum(d.clicks), sum(d.conversions), sum(d.commission_cents)
FROM metric_days d
CROSS JOIN (VALUES (1::smallint), (7::smallint)) AS s (span)
LEFT JOIN org_settings o ON o.org_id = d.org_id
WHERE d.program_id <> '00000000-0000-0000-0000-000000000000'
  AND (d.clicks <> 0 OR d.conversions <> 0 OR d.commission_cents <> 0)
GROUP BY 1, 2, 3, 4, 5, 6;
