-- Metrics (issue 20): the dashboard's read model, kept by the ledger from events as clicks,
-- leads, conversions, refunds, denials and payouts happen, so a dashboard read sums a few
-- hundred rollup rows instead of scanning raw clicks and conversions.
-- Money is kept in its own currency per day; a read converts each (day, currency) sum to the
-- org's home currency with that day's rate (so a change of home currency needs no rebuild).

-- Per org, UTC day, program, affiliate and currency ('' for rows without money: clicks, leads).
CREATE TABLE metric_days (
    org_id uuid NOT NULL,
    day date NOT NULL,
    program_id uuid NOT NULL,
    affiliate_id uuid NOT NULL,
    currency text NOT NULL,
    clicks bigint NOT NULL DEFAULT 0,  -- bots excluded
    bot_clicks bigint NOT NULL DEFAULT 0,
    leads bigint NOT NULL DEFAULT 0,
    conversions bigint NOT NULL DEFAULT 0,  -- sales (OneTime, Recurring), not Refunded/Denied
    revenue_cents bigint NOT NULL DEFAULT 0,
    commission_cents bigint NOT NULL DEFAULT 0,  -- every commission row, not Refunded/Denied
    payouts_cents bigint NOT NULL DEFAULT 0,  -- Paid payouts, on the day they were paid
    refunded bigint NOT NULL DEFAULT 0,  -- sales refunded (on the sale's day)
    recurring bigint NOT NULL DEFAULT 0,  -- of conversions: Recurring rows
    recurring_revenue_cents bigint NOT NULL DEFAULT 0,
    subscription_revenue_cents bigint NOT NULL DEFAULT 0,  -- sales of a subscription (MRR)
    repeat_sales bigint NOT NULL DEFAULT 0,  -- of conversions: by a customer who bought before
    repeat_revenue_cents bigint NOT NULL DEFAULT 0,
    approved bigint NOT NULL DEFAULT 0,  -- of conversions: Approved or Paid now
    paid bigint NOT NULL DEFAULT 0,  -- of conversions: Paid now
    PRIMARY KEY (org_id, day, program_id, affiliate_id, currency)
);
CREATE INDEX metric_days_affiliate ON metric_days (org_id, affiliate_id, day);

-- Sales per way of attribution: Coupon, Link (an affiliate link or the checkout's link
-- metadata), Other (e-mail match, subscription, import ...).
CREATE TABLE metric_attribution (
    org_id uuid NOT NULL,
    day date NOT NULL,
    program_id uuid NOT NULL,
    affiliate_id uuid NOT NULL,
    currency text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('Coupon', 'Link', 'Other')),
    conversions bigint NOT NULL,
    revenue_cents bigint NOT NULL,
    commission_cents bigint NOT NULL,
    PRIMARY KEY (org_id, day, program_id, affiliate_id, currency, kind)
);

-- Non-bot clicks per referrer host ('(direct)' without one).
CREATE TABLE metric_sources (
    org_id uuid NOT NULL,
    day date NOT NULL,
    program_id uuid NOT NULL,
    affiliate_id uuid NOT NULL,
    source text NOT NULL,
    clicks bigint NOT NULL,
    PRIMARY KEY (org_id, day, program_id, affiliate_id, source)
);

-- What the rollups hold of each conversion, by id: makes a redelivered conversion.created a
-- no-op, and lets a refund or a denial take back exactly what was counted.
CREATE TABLE metric_conversions (
    conversion_id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    day date NOT NULL,
    program_id uuid NOT NULL,
    affiliate_id uuid NOT NULL,
    currency text NOT NULL,
    sale boolean NOT NULL,
    lead boolean NOT NULL,  -- a LeadReward row (a free identified signup)
    recurring boolean NOT NULL,
    subscription_id text,
    repeat_customer boolean NOT NULL DEFAULT false,
    kind text NOT NULL,  -- the attribution: Coupon, Link, Other
    amount_cents bigint NOT NULL,
    commission_cents bigint NOT NULL,
    counted boolean NOT NULL,
    stage smallint NOT NULL DEFAULT 0  -- 0 booked, 1 approved, 2 paid
);

-- Each customer's first sale as the rollups saw it (the Stripe customer id, else the brand's
-- customer id, else the e-mail): a later sale by the same customer is "returning".
CREATE TABLE metric_customers (
    org_id uuid NOT NULL,
    customer text NOT NULL,
    first_day date NOT NULL,
    PRIMARY KEY (org_id, customer)
);

-- Each subscription's charges as the rollups saw them: when its last counted charge was.
CREATE TABLE metric_subscriptions (
    org_id uuid NOT NULL,
    subscription_id text NOT NULL,
    program_id uuid NOT NULL,
    affiliate_id uuid NOT NULL,
    first_day date NOT NULL,
    last_day date NOT NULL,
    PRIMARY KEY (org_id, subscription_id)
);
CREATE INDEX metric_subscriptions_last ON metric_subscriptions (org_id, last_day);

-- Events applied once (clicks, leads, payouts): their ids.
CREATE TABLE metric_events (
    event_id uuid PRIMARY KEY,
    applied_at timestamptz NOT NULL
);

-- pendingPayoutsCents reads Approved rows directly: they are few (what awaits the next payout
-- run), and this index answers the sum without touching the table.
CREATE INDEX conversions_pending ON conversions (org_id) INCLUDE (currency, commission_cents)
    WHERE status = 'Approved';
