-- Affiliates: one person in one program. An email is unique within a program among live rows.
CREATE TABLE affiliates (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    program_id uuid NOT NULL REFERENCES programs (id),
    email text NOT NULL,
    full_name text,
    status text NOT NULL CHECK (status IN ('Pending', 'Approved', 'Rejected', 'Paused', 'Banned')),
    custom_commission_type text CHECK (custom_commission_type IN ('Percentage', 'Fixed')),
    custom_commission_value numeric(12, 2) CHECK (custom_commission_value >= 0),
    tags text[] NOT NULL DEFAULT '{}',
    notes text,
    source text NOT NULL CHECK (source IN ('Direct', 'Public', 'Invite', 'Network')),
    application_data jsonb,
    rejection_reason text,
    recruited_by_affiliate_id uuid REFERENCES affiliates (id),
    applied_at timestamptz,
    approved_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    import_job_id uuid,
    -- Identity, payment and tax fields: stored, never returned to API-key callers.
    paypal_email text,
    CHECK ((custom_commission_type IS NULL) = (custom_commission_value IS NULL)),
    CHECK (recruited_by_affiliate_id IS DISTINCT FROM id)
);
CREATE UNIQUE INDEX affiliates_live_email ON affiliates (program_id, email)
    WHERE deleted_at IS NULL;
CREATE INDEX affiliates_org_page ON affiliates (org_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX affiliates_recruiter ON affiliates (recruited_by_affiliate_id)
    WHERE recruited_by_affiliate_id IS NOT NULL;
CREATE INDEX affiliates_import_job ON affiliates (import_job_id) WHERE import_job_id IS NOT NULL;

-- Links: the slug is what ?via= carries, unique across all orgs, and never reused.
CREATE TABLE affiliate_links (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    affiliate_id uuid NOT NULL REFERENCES affiliates (id),
    slug text NOT NULL UNIQUE,
    custom_alias text,
    is_default boolean NOT NULL,
    format text NOT NULL CHECK (format IN ('Short', 'Query', 'Path', 'Hash')),
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX affiliate_links_one_default ON affiliate_links (affiliate_id)
    WHERE is_default;
