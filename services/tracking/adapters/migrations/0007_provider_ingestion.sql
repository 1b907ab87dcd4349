-- Booking from provider events (issue 23). Each stored event is processed once: processed_at
-- and what came of it (booked, duplicate, unattributed, ignored, ...). An unattributed
-- payment stays here whole, so a later coupon assignment or import can explain it. The org's
-- payout grace days at receipt travel with the event, as they do with an S2S sale.
ALTER TABLE provider_events ADD COLUMN outcome text;
ALTER TABLE provider_events ADD COLUMN payout_grace_days int NOT NULL DEFAULT 0;

-- A provider customer credited once is credited again (attribution metadata_or_customer):
-- the affiliate of the customer's first attributed payment.
CREATE TABLE provider_customers (
    org_id       uuid NOT NULL,
    provider     text NOT NULL,
    customer_id  text NOT NULL,
    affiliate_id uuid NOT NULL,
    program_id   uuid NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (org_id, provider, customer_id)
);

-- The ids a refund or dispute may name a payment by (charge, payment intent, invoice,
-- transaction) and the sale (its externalEventId) they belong to, with what was paid.
CREATE TABLE provider_payments (
    org_id      uuid NOT NULL,
    provider    text NOT NULL,
    payment_ref text NOT NULL,
    sale_key    text NOT NULL,
    paid_cents  bigint NOT NULL,
    PRIMARY KEY (org_id, provider, payment_ref)
);

-- Paddle refunds arrive one adjustment at a time; a sale's refunded share is their sum.
CREATE TABLE provider_refunds (
    org_id        uuid NOT NULL,
    provider      text NOT NULL,
    refund_id     text NOT NULL,
    sale_key      text NOT NULL,
    amount_cents  bigint NOT NULL,
    PRIMARY KEY (org_id, provider, refund_id)
);
CREATE INDEX provider_refunds_sale ON provider_refunds (org_id, provider, sale_key);

-- Subscriptions the provider ended: no renewal of one is booked after its end.
CREATE TABLE provider_subscription_ends (
    org_id          uuid NOT NULL,
    provider        text NOT NULL,
    subscription_id text NOT NULL,
    ended_at        timestamptz NOT NULL,
    PRIMARY KEY (org_id, provider, subscription_id)
);
