-- Conversions: sales, lead rewards, click rewards, bonuses and sub-affiliate overrides, each in
-- integer minor units of its own currency. Commission is computed once, when booked.
CREATE TABLE conversions (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    program_id uuid NOT NULL REFERENCES programs (id),
    affiliate_id uuid NOT NULL REFERENCES affiliates (id),
    amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
    currency text NOT NULL,
    commission_cents bigint NOT NULL CHECK (commission_cents >= 0),
    status text NOT NULL
        CHECK (status IN ('Pending', 'Approved', 'Paid', 'Denied', 'Refunded')),
    type text NOT NULL
        CHECK (type IN ('OneTime', 'Recurring', 'Bonus', 'ClickReward', 'LeadReward')),
    external_event_id text,
    stripe_subscription_id text,
    stripe_customer_id text,
    customer_id text,
    customer_email text,
    attribution_method text,
    coupon_code text,
    parent_affiliate_conversion_id uuid REFERENCES conversions (id),
    created_at timestamptz NOT NULL,
    approved_at timestamptz,
    refunded_at timestamptz,
    CHECK (parent_affiliate_conversion_id IS NULL OR amount_cents = 0)
);
-- Money invariant 1: one external sale (or lead) per org makes at most one conversion.
CREATE UNIQUE INDEX conversions_external_event ON conversions (org_id, external_event_id)
    WHERE external_event_id IS NOT NULL AND parent_affiliate_conversion_id IS NULL;
-- Invariant 6: at most one override beside each parent sale (one tier).
CREATE UNIQUE INDEX conversions_one_override ON conversions (parent_affiliate_conversion_id)
    WHERE parent_affiliate_conversion_id IS NOT NULL;
CREATE INDEX conversions_org_page ON conversions (org_id, created_at, id);
CREATE INDEX conversions_affiliate ON conversions (affiliate_id, created_at);

-- The events timeline of a conversion (initial, renewal, refund ...).
CREATE TABLE conversion_events (
    id uuid PRIMARY KEY,
    conversion_id uuid NOT NULL REFERENCES conversions (id),
    event_type text NOT NULL CHECK (event_type IN ('initial', 'renewal', 'refund')),
    amount_cents bigint NOT NULL,
    commission_cents bigint NOT NULL,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX conversion_events_conversion ON conversion_events (conversion_id, occurred_at);

-- Leads: the customer email a later sale is matched against (email-match fallback).
CREATE TABLE lead_emails (
    org_id uuid NOT NULL,
    email text NOT NULL,
    affiliate_id uuid NOT NULL REFERENCES affiliates (id),
    program_id uuid NOT NULL REFERENCES programs (id),
    conversion_id uuid NOT NULL REFERENCES conversions (id),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, email, program_id)
);
