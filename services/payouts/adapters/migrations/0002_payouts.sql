-- Payout runs and payouts (issue 19). The ledger claims the commissions a run pays (its
-- payout_claims); this schema records what was paid to whom, how, and what each attempt did.

-- A run, written before the ledger is asked to claim, so a crash between the claim and the
-- payouts' own write is found and finished (or released) by the recovery job.
CREATE TABLE payout_runs (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    method text NOT NULL CHECK (method IN ('Manual', 'StripeConnect', 'PayPal', 'Wise')),
    period_start date NOT NULL,
    period_end date NOT NULL,
    notes text,
    external_transaction_id text,
    state text NOT NULL CHECK (state IN ('Claiming', 'Claimed', 'Refused', 'Released')),
    created_at timestamptz NOT NULL
);
CREATE INDEX payout_runs_claiming ON payout_runs (created_at) WHERE state = 'Claiming';

-- One payment to one affiliate in one currency. attempt: 1 for the run, +1 per retry; the
-- provider's idempotency key is derived from (id, attempt). next_attempt_at: when the transfer
-- worker (re)sends a Processing payout's current attempt; lease_until: a worker is sending it.
CREATE TABLE payouts (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    run_id uuid NOT NULL REFERENCES payout_runs (id),
    affiliate_id uuid NOT NULL,
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    currency text NOT NULL,
    method text NOT NULL CHECK (method IN ('Manual', 'StripeConnect', 'PayPal', 'Wise')),
    status text NOT NULL
        CHECK (status IN ('Pending', 'Processing', 'Paid', 'Failed', 'Cancelled')),
    attempt integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    stripe_transfer_id text,
    external_transaction_id text,
    notes text,
    failure_reason text,
    period_start date NOT NULL,
    period_end date NOT NULL,
    created_at timestamptz NOT NULL,
    paid_at timestamptz,
    failed_at timestamptz,
    cancelled_at timestamptz,
    next_attempt_at timestamptz,
    lease_until timestamptz,
    sends integer NOT NULL DEFAULT 0
);
CREATE INDEX payouts_org_page ON payouts (org_id, created_at, id);
CREATE INDEX payouts_run ON payouts (run_id);
CREATE INDEX payouts_due ON payouts (next_attempt_at) WHERE status = 'Processing';

-- A payout's line items: one per commission (positive) or claw-back (negative); the payout's
-- amount is their sum (money invariant 2).
CREATE TABLE payout_line_items (
    id uuid PRIMARY KEY,
    payout_id uuid NOT NULL REFERENCES payouts (id),
    conversion_id uuid NOT NULL,
    amount_cents bigint NOT NULL
);
CREATE INDEX payout_line_items_payout ON payout_line_items (payout_id);
