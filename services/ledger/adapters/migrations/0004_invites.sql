-- Affiliate invites. Only the SHA-256 of the one-time accept token is stored; a Pending invite
-- past expires_at reads as Expired. One live (Pending) invite per email and program.
CREATE TABLE affiliate_invites (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    program_id uuid NOT NULL REFERENCES programs (id),
    email text NOT NULL,
    full_name text,
    requested_slug text,
    note_html text,
    custom_commission_type text CHECK (custom_commission_type IN ('Percentage', 'Fixed')),
    custom_commission_value numeric(12, 2) CHECK (custom_commission_value >= 0),
    auto_approve boolean NOT NULL,
    brand_name text NOT NULL,
    state text NOT NULL CHECK (state IN ('Pending', 'Accepted', 'Expired', 'Revoked')),
    token_hash bytea NOT NULL UNIQUE,
    token_version integer NOT NULL,
    expires_at timestamptz NOT NULL,
    affiliate_id uuid REFERENCES affiliates (id),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    accepted_at timestamptz,
    revoked_at timestamptz
);
CREATE UNIQUE INDEX affiliate_invites_one_pending ON affiliate_invites (program_id, email)
    WHERE state = 'Pending';
CREATE INDEX affiliate_invites_org_page ON affiliate_invites (org_id, created_at, id);
CREATE INDEX affiliate_invites_org_pending ON affiliate_invites (org_id, expires_at)
    WHERE state = 'Pending';

-- Invite e-mail waiting for, or done with, the mail worker: one row per outbox message.
CREATE TABLE invite_mail (
    message_id text PRIMARY KEY,
    org_id uuid NOT NULL,
    invite_id uuid NOT NULL REFERENCES affiliate_invites (id),
    token_version integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    send_after timestamptz NOT NULL DEFAULT clock_timestamp(),
    locked_until timestamptz,
    claimed_at timestamptz,  -- when the last attempt took its pacing slot
    attempts integer NOT NULL DEFAULT 0,
    outcome text CHECK (outcome IN ('sent', 'skipped', 'failed')),
    finished_at timestamptz,
    last_error text
);
CREATE INDEX invite_mail_due ON invite_mail (org_id, created_at) WHERE outcome IS NULL;

-- Per-org pacing shared by every mail worker replica: an org's next e-mail may leave at
-- next_send_at at the earliest.
CREATE TABLE mail_pacing (
    org_id uuid PRIMARY KEY,
    next_send_at timestamptz NOT NULL
);
