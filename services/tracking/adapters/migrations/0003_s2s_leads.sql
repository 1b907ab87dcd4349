-- S2S events tracking accepted: one row per (org, externalEventId), sales and refunds sharing the
-- key space, so a repeat of either is answered "deduped" (money invariant 1 starts here). The
-- conversion id is chosen here and travels to the ledger, which books under it.
CREATE TABLE s2s_events (
    org_id            uuid NOT NULL,
    external_event_id text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('sale', 'refund')),
    conversion_id     uuid NOT NULL,
    affiliate_id      uuid NOT NULL,
    program_id        uuid NOT NULL,
    subscription_id   text,
    refund_of         text,
    accepted_at       timestamptz NOT NULL,
    PRIMARY KEY (org_id, external_event_id)
);
-- A renewal finds the affiliate of its subscription's first sale.
CREATE INDEX s2s_events_subscription ON s2s_events (org_id, subscription_id, accepted_at)
    WHERE subscription_id IS NOT NULL AND kind = 'sale';

-- Leads: the e-mail a later sale without a slug is matched against (first referral per program
-- keeps it). A lead without an externalEventId is keyed by (program, e-mail).
CREATE TABLE leads (
    org_id            uuid NOT NULL,
    program_id        uuid NOT NULL,
    email             text NOT NULL,
    affiliate_id      uuid NOT NULL,
    conversion_id     uuid NOT NULL,
    external_event_id text,
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (org_id, program_id, email)
);
CREATE UNIQUE INDEX leads_external_event ON leads (org_id, external_event_id)
    WHERE external_event_id IS NOT NULL;
CREATE INDEX leads_email ON leads (org_id, email, created_at);
