-- Click dimensions of the insight modules (issue 20): sale-origin, geography, devices, utm,
-- time-patterns, time-to-convert.

-- A sale's originating click, as tracking found it from the S2S body's optional `referral`
-- (the loader's cookie value) and sent it with the sale; written in the booking transaction.
-- Only sales with such a click have a row.
CREATE TABLE conversion_origins (
    conversion_id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    referrer_host text,  -- NULL: the click had no (usable) referrer
    country text NOT NULL,  -- ISO alpha-2, or 'unknown'
    device_class text NOT NULL,  -- Mobile | Tablet | Desktop | Bot
    utm_source text,
    utm_medium text,
    utm_campaign text,
    clicked_at timestamptz NOT NULL
);

-- Per (org, UTC day, program, affiliate, currency, dimension, value): non-bot clicks (the
-- device dimension counts bot clicks too, as Bot), sales and their revenue. Click rows have
-- currency ''. Dimensions and values: services/ledger/metrics/domain/dimensions.py. Every
-- counted sale is in every dimension ('(unknown)' without an originating click), so a
-- dimension's sales add up to all sales.
CREATE TABLE metric_dims (
    org_id uuid NOT NULL,
    day date NOT NULL,
    program_id uuid NOT NULL,
    affiliate_id uuid NOT NULL,
    currency text NOT NULL,
    dimension text NOT NULL,
    value text NOT NULL,
    clicks bigint NOT NULL DEFAULT 0,
    conversions bigint NOT NULL DEFAULT 0,
    revenue_cents bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, day, program_id, affiliate_id, currency, dimension, value)
);
-- A read names an affiliate and one dimension over a window of days.
CREATE INDEX metric_dims_affiliate ON metric_dims (org_id, affiliate_id, dimension, day);

-- The org-wide twin (as 0017's), written from the same increments in the same transaction.
CREATE TABLE metric_org_dims (
    org_id uuid NOT NULL,
    day date NOT NULL,
    program_id uuid NOT NULL,
    currency text NOT NULL,
    dimension text NOT NULL,
    value text NOT NULL,
    clicks bigint NOT NULL DEFAULT 0,
    conversions bigint NOT NULL DEFAULT 0,
    revenue_cents bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, day, program_id, currency, dimension, value)
);
CREATE INDEX metric_org_dims_dimension ON metric_org_dims (org_id, dimension, day);

-- What each conversion added to the dimension rows, so a refund or denial takes it back:
-- the hour of week of its own time (NULL: counted before this migration and not carried over,
-- so in no dimension row) and its originating click's values (NULL without one).
ALTER TABLE metric_conversions
    ADD COLUMN cell smallint,
    ADD COLUMN source text,
    ADD COLUMN country text,
    ADD COLUMN device text,
    ADD COLUMN utm_source text,
    ADD COLUMN utm_medium text,
    ADD COLUMN utm_campaign text,
    ADD COLUMN delay text;

-- Sales counted before: no sale had an originating click yet, so each goes under '(unknown)'
-- in every click dimension and at its own hour of week in time-patterns (clicks before this
-- migration are tracking's rows and are not carried over).
UPDATE metric_conversions m
SET cell = (extract(dow FROM c.created_at AT TIME ZONE 'UTC') * 24
            + extract(hour FROM c.created_at AT TIME ZONE 'UTC'))::smallint
FROM conversions c
WHERE c.id = m.conversion_id AND m.counted AND m.sale;

INSERT INTO metric_dims
SELECT m.org_id, m.day, m.program_id, m.affiliate_id, m.currency, d.dimension,
       CASE WHEN d.dimension = 'hour' THEN m.cell::text ELSE '(unknown)' END,
       0, count(*), sum(m.amount_cents)
FROM metric_conversions m
CROSS JOIN (VALUES ('source'), ('country'), ('device'), ('utm_source'), ('utm_medium'),
                   ('utm_campaign'), ('hour'), ('delay')) AS d (dimension)
WHERE m.cell IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7;

INSERT INTO metric_org_dims
SELECT org_id, day, program_id, currency, dimension, value, sum(clicks), sum(conversions),
       sum(revenue_cents)
FROM metric_dims GROUP BY org_id, day, program_id, currency, dimension, value;
