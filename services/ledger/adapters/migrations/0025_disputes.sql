-- Disputes of a sale's payment (issue 23), keyed by the provider's dispute id. An open one
-- holds the sale's commission and its override's (both carry the sale's external_event_id):
-- the approval job and payout runs skip them. Won or lost is final; lost refunds the sale.
-- A dispute may be recorded before the ledger has booked its sale (its sale is held once it
-- lands), or closed before it was seen open (the close wins).
CREATE TABLE conversion_disputes (
    org_id uuid NOT NULL,
    dispute_id text NOT NULL,
    sale_external_event_id text NOT NULL,
    state text NOT NULL CHECK (state IN ('open', 'won', 'lost')),
    opened_at timestamptz,
    closed_at timestamptz,
    PRIMARY KEY (org_id, dispute_id),
    CHECK ((state = 'open') = (closed_at IS NULL))
);
-- What the hold asks of every Pending or Approved row it looks at: is its sale disputed now.
CREATE INDEX conversion_disputes_open ON conversion_disputes (org_id, sale_external_event_id)
    WHERE state = 'open';
