-- Booking attributed sales, renewals and refunds from the bus (tracking accepts, the ledger books).

-- Money an affiliate owes back: a Paid conversion refunded afterwards leaves one row per affiliate
-- paid on it (the sale's and the override's), which the next payout nets out and then marks
-- settled. One claw-back per conversion and reason, whatever the redeliveries.
CREATE TABLE balance_adjustments (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    affiliate_id uuid NOT NULL REFERENCES affiliates (id),
    currency text NOT NULL,
    amount_cents bigint NOT NULL CHECK (amount_cents < 0),
    conversion_id uuid NOT NULL REFERENCES conversions (id),
    reason text NOT NULL CHECK (reason IN ('refund')),
    created_at timestamptz NOT NULL,
    settled_payout_id uuid,
    UNIQUE (conversion_id, reason)
);
CREATE INDEX balance_adjustments_open ON balance_adjustments (org_id, affiliate_id, currency)
    WHERE settled_payout_id IS NULL;

-- Every renewal of a subscription, earning or not, numbered in the order the ledger booked them
-- (the number decides whether it earns). An earning renewal is its own payable conversion; one
-- that earns nothing has no conversion row, so this row is what makes its redelivery a no-op.
CREATE TABLE subscription_renewals (
    org_id uuid NOT NULL,
    external_event_id text NOT NULL,
    subscription_id text NOT NULL,
    renewal_number integer NOT NULL CHECK (renewal_number >= 1),
    initial_conversion_id uuid NOT NULL REFERENCES conversions (id),
    conversion_id uuid REFERENCES conversions (id),
    amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
    occurred_at timestamptz NOT NULL,
    refunded_at timestamptz,
    PRIMARY KEY (org_id, external_event_id),
    UNIQUE (org_id, subscription_id, renewal_number)
);

-- A refund that arrived before its sale (messages raced or were redelivered out of order): kept
-- here and applied in the transaction that books the sale. Refunds are whole: one per sale.
CREATE TABLE parked_refunds (
    org_id uuid NOT NULL,
    sale_external_event_id text NOT NULL,
    external_event_id text NOT NULL,
    occurred_at timestamptz NOT NULL,
    parked_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, sale_external_event_id)
);

-- A subscription's conversions: whether the ledger has seen it, and its whole timeline.
CREATE INDEX conversions_subscription ON conversions (org_id, stripe_subscription_id, created_at)
    WHERE stripe_subscription_id IS NOT NULL AND parent_affiliate_conversion_id IS NULL;
