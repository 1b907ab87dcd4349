-- Programs: the commission terms an org offers. Slugs are unique per org among live programs,
-- so archiving a program frees its slug.
CREATE TABLE programs (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    name text NOT NULL,
    slug text NOT NULL,
    description text,
    terms_url text,
    is_active boolean NOT NULL,
    default_commission_type text NOT NULL
        CHECK (default_commission_type IN ('Percentage', 'Fixed')),
    default_commission_value numeric(12, 2) NOT NULL CHECK (default_commission_value >= 0),
    default_commission_model text NOT NULL
        CHECK (default_commission_model IN ('Cps', 'Cpc', 'Cpl', 'Cpa', 'RevShare', 'Hybrid')),
    cookie_window_days integer NOT NULL CHECK (cookie_window_days BETWEEN 1 AND 365),
    recurring_months integer CHECK (recurring_months >= 0),
    recurring_delay_invoices integer NOT NULL CHECK (recurring_delay_invoices >= 0),
    attribution_model text NOT NULL CHECK (attribution_model IN ('FirstTouch', 'LastTouch')),
    auto_approve boolean NOT NULL,
    custom_domain text,
    custom_domain_verified boolean NOT NULL DEFAULT false,
    network_visibility text NOT NULL
        CHECK (network_visibility IN ('Private', 'Networked', 'InviteOnly')),
    is_publicly_discoverable boolean NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    archived_at timestamptz
);
CREATE UNIQUE INDEX programs_live_slug ON programs (org_id, slug) WHERE archived_at IS NULL;
CREATE INDEX programs_org_page ON programs (org_id, created_at, id);
