-- The org profile and billing fields the reference's GET /api/organizations/me and
-- GET /api/billing/state report. Nothing writes them over the API yet (the profile's writes are
-- dashboard-only; Stripe billing and the Stripe connection are later issues): a new or
-- existing org reads as unset, on UTC, without white-labelling or a Stripe link.
ALTER TABLE orgs
    ADD COLUMN billing_email text,
    ADD COLUMN timezone text NOT NULL DEFAULT 'UTC',
    ADD COLUMN primary_brand_color text,
    ADD COLUMN logo_url text,
    ADD COLUMN description text,
    ADD COLUMN white_label_enabled boolean NOT NULL DEFAULT false,
    ADD COLUMN trial_ends_at timestamptz,
    ADD COLUMN billing_interval text CHECK (billing_interval IN ('Monthly', 'Annual')),
    ADD COLUMN stripe_subscription_id text,
    -- The linkage flags are whether these are known (stripeCustomerLinked: Rekomi bills the
    -- org through Stripe; stripeConnectLinked: the org's own Stripe account is connected).
    ADD COLUMN stripe_customer_id text,
    ADD COLUMN stripe_connect_account_id text;
