-- The affiliate's own insights (issue 21): links and channels (sub-ids) as click dimensions,
-- and the commission of the sales in every dimension row (an affiliate sees their commission,
-- never the brand's revenue).

-- The link a sale came through, as tracking sent it (``linkSlug``: the affiliateSlug that
-- credited it, else its originating click's link), written in the booking transaction beside
-- conversion_origins. Only sales with a link have a row.
CREATE TABLE conversion_links (
    conversion_id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    slug text NOT NULL
);

-- The originating click's sub-id (NULL: the click had none).
ALTER TABLE conversion_origins ADD COLUMN sub_id text;

-- What each conversion added under the new dimensions, so a refund or denial takes it back
-- (NULL: no link / no originating click, counted under '(unknown)').
ALTER TABLE metric_conversions
    ADD COLUMN link text,
    ADD COLUMN channel text;

ALTER TABLE metric_dims ADD COLUMN commission_cents bigint NOT NULL DEFAULT 0;
ALTER TABLE metric_org_dims ADD COLUMN commission_cents bigint NOT NULL DEFAULT 0;

-- The sales counted so far (those in the dimension rows: counted, with their hour of week):
-- their commission into the rows of the values they were counted under, and each under
-- '(unknown)' link and channel (clicks before this are tracking's rows: a metrics rebuild
-- counts their links and sub-ids).
CREATE TEMPORARY TABLE counted_sale_values ON COMMIT DROP AS
SELECT m.org_id, m.day, m.program_id, m.affiliate_id, m.currency, v.dimension, v.value,
       count(*) AS conversions, sum(m.amount_cents) AS revenue_cents,
       sum(m.commission_cents) AS commission_cents
FROM metric_conversions m
CROSS JOIN LATERAL (VALUES
    ('source', coalesce(m.source, '(unknown)')), ('country', coalesce(m.country, '(unknown)')),
    ('device', coalesce(m.device, '(unknown)')),
    ('utm_source', coalesce(m.utm_source, '(unknown)')),
    ('utm_medium', coalesce(m.utm_medium, '(unknown)')),
    ('utm_campaign', coalesce(m.utm_campaign, '(unknown)')), ('hour', m.cell::text),
    ('delay', coalesce(m.delay, '(unknown)')), ('link', '(unknown)'),
    ('channel', '(unknown)')) AS v (dimension, value)
WHERE m.counted AND m.sale AND m.cell IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7;

UPDATE metric_dims d SET commission_cents = s.commission_cents
FROM counted_sale_values s
WHERE d.org_id = s.org_id AND d.day = s.day AND d.program_id = s.program_id
  AND d.affiliate_id = s.affiliate_id AND d.currency = s.currency
  AND d.dimension = s.dimension AND d.value = s.value;

INSERT INTO metric_dims (org_id, day, program_id, affiliate_id, currency, dimension, value,
                         clicks, conversions, revenue_cents, commission_cents)
SELECT org_id, day, program_id, affiliate_id, currency, dimension, value, 0, conversions,
       revenue_cents, commission_cents
FROM counted_sale_values WHERE dimension IN ('link', 'channel');

UPDATE metric_org_dims o SET commission_cents = s.commission_cents
FROM (SELECT org_id, day, program_id, currency, dimension, value,
             sum(commission_cents) AS commission_cents
      FROM metric_dims WHERE dimension NOT IN ('link', 'channel') AND commission_cents <> 0
      GROUP BY 1, 2, 3, 4, 5, 6) s
WHERE o.org_id = s.org_id AND o.day = s.day AND o.program_id = s.program_id
  AND o.currency = s.currency AND o.dimension = s.dimension AND o.value = s.value;

INSERT INTO metric_org_dims (org_id, day, program_id, currency, dimension, value, clicks,
                             conversions, revenue_cents, commission_cents)
SELECT org_id, day, program_id, currency, dimension, value, 0, sum(conversions),
       sum(revenue_cents), sum(commission_cents)
FROM metric_dims WHERE dimension IN ('link', 'channel')
GROUP BY 1, 2, 3, 4, 5, 6;
