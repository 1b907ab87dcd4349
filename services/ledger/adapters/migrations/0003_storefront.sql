-- Sub-affiliate recruiting per program: the recruiter earns percent % of a recruit's commission.
ALTER TABLE programs
    ADD COLUMN sub_affiliate_enabled boolean NOT NULL DEFAULT false,
    ADD COLUMN sub_affiliate_percent numeric(5, 2) NOT NULL DEFAULT 0
        CHECK (sub_affiliate_percent BETWEEN 0 AND 100);

-- The public storefront resolves verified custom domains and each org's primary campaign.
CREATE INDEX programs_verified_domain ON programs (custom_domain)
    WHERE custom_domain_verified AND archived_at IS NULL;

-- An affiliate's W-9 / W-8BEN: the file lives in object storage under storage_key; the latest
-- submission is the one served.
CREATE TABLE tax_forms (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    affiliate_id uuid NOT NULL REFERENCES affiliates (id),
    type text NOT NULL CHECK (type IN ('W9', 'W8BEN', 'W8BENE')),
    storage_key text NOT NULL UNIQUE,
    content_type text NOT NULL,
    size_bytes integer NOT NULL CHECK (size_bytes >= 0),
    submitted_at timestamptz NOT NULL
);
CREATE INDEX tax_forms_latest ON tax_forms (org_id, affiliate_id, submitted_at DESC);
