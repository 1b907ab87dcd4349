-- Embed tokens (the reference's white-label iframe): a per-affiliate credential for the public
-- embedded dashboard, shown once and kept only as its SHA-256. At most one live (not revoked)
-- token per org, program and affiliate; rotating or replacing one revokes the old row, which
-- stays for the audit trail. Program and affiliate are the ledger's ids (no foreign key across
-- services); the affiliate's program is read from the ledger when the token is minted.
CREATE TABLE embed_tokens (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES orgs (id),
    program_id uuid NOT NULL,
    affiliate_id uuid NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    -- Serialised origins (scheme://host[:port]), matched exactly against Origin; may be empty
    -- (the public dashboard then answers 403 no_allowed_origins_configured).
    allowed_origins text[] NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE UNIQUE INDEX embed_tokens_live ON embed_tokens (org_id, program_id, affiliate_id)
    WHERE revoked_at IS NULL;
