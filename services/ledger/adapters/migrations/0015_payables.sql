-- Payables (issue 19): a payout claims the commissions it pays here, in their owner, before any
-- money moves. conversions.payout_id and balance_adjustments.settled_payout_id are the claim:
-- a row is in at most one live payout (money invariant 2), and a payout cancelled after it
-- failed gives its rows back (NULL again).
ALTER TABLE conversions ADD COLUMN payout_id uuid;
-- What a run looks for: Approved, unclaimed, payable rows of an org by affiliate and day.
CREATE INDEX conversions_payable ON conversions (org_id, affiliate_id, created_at)
    WHERE status = 'Approved' AND payout_id IS NULL AND NOT locked;
CREATE INDEX conversions_payout ON conversions (payout_id) WHERE payout_id IS NOT NULL;
CREATE INDEX balance_adjustments_payout ON balance_adjustments (settled_payout_id)
    WHERE settled_payout_id IS NOT NULL;

-- Where each method pays an affiliate: stored, never returned to API-key callers (the reference
-- lists StripeConnectAccountId and PaypalEmail among the fields it omits).
ALTER TABLE affiliates
    ADD COLUMN stripe_account_id text,
    ADD COLUMN wise_recipient_id text;

-- A program may require a tax form on file before its affiliates are paid.
ALTER TABLE programs ADD COLUMN requires_tax_form boolean NOT NULL DEFAULT false;

-- One row per payout run that claimed (or was released before it could): a repeated claim of
-- the same run answers what the first one claimed, and a released run never claims again.
CREATE TABLE payout_claims (
    run_id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    status text NOT NULL CHECK (status IN ('Claimed', 'Released')),
    created_at timestamptz NOT NULL,
    released_at timestamptz
);

-- The payouts a claim made, as the ledger follows them: Claimed until the payouts service says
-- Paid (its rows turn Paid) or Cancelled (its rows are given back).
CREATE TABLE claimed_payouts (
    payout_id uuid PRIMARY KEY,
    run_id uuid NOT NULL REFERENCES payout_claims (run_id),
    org_id uuid NOT NULL,
    affiliate_id uuid NOT NULL REFERENCES affiliates (id),
    currency text NOT NULL,
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    state text NOT NULL CHECK (state IN ('Claimed', 'Paid', 'Cancelled')),
    settled_at timestamptz
);
CREATE INDEX claimed_payouts_run ON claimed_payouts (run_id);
