CREATE TABLE orgs (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    handle text NOT NULL UNIQUE,
    plan text NOT NULL CHECK (plan IN ('Trial', 'Starter', 'Growth', 'Pro')),
    subscription_status text NOT NULL
        CHECK (subscription_status IN ('None', 'Trialing', 'Active', 'PastDue', 'Canceled')),
    home_currency text NOT NULL DEFAULT 'USD',
    home_currency_changed_at timestamptz,
    payout_grace_days integer NOT NULL DEFAULT 30,
    -- The S2S signing secret must be readable to verify HMACs; encrypt at rest (disk/KMS).
    signing_secret text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES orgs (id),
    scope text NOT NULL CHECK (scope IN ('read', 'read_write')),
    key_hash bytea NOT NULL UNIQUE,
    display_prefix text NOT NULL,
    label text,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX api_keys_org ON api_keys (org_id);

-- Append-only; rows arrive from every service as audit.recorded events (id = event id).
CREATE TABLE audit_log (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    action text NOT NULL,
    entity_type text NOT NULL,
    entity_id text NOT NULL,
    actor_type text NOT NULL,
    actor_user_id text,
    actor_key_id uuid,
    ip text,
    user_agent text,
    request_id text,
    before jsonb,
    after jsonb,
    created_at timestamptz NOT NULL
);
CREATE INDEX audit_log_org_time ON audit_log (org_id, created_at DESC);
