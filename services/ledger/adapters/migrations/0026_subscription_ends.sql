-- Subscriptions the brand's billing ended explicitly (issue 23: Stripe's
-- customer.subscription.deleted, Paddle's subscription.canceled), by UTC day. The recurring
-- insight counts a subscription churned on the earlier of this day and the day its charges
-- are inferred to have stopped. Written only by its consumer: the ends are not derivable
-- from conversions, so a rollup rebuild leaves this table alone.
CREATE TABLE subscription_ends (
    org_id uuid NOT NULL,
    subscription_id text NOT NULL,
    end_day date NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, subscription_id)
);
