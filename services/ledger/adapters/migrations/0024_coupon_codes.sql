-- Coupon codes assigned to affiliates: the provider ingestion credits a checkout whose
-- redeemed code is here. Unique per org whatever the case (SARAH20 and sarah20 are one code);
-- the code is kept as the brand typed it.
CREATE TABLE coupon_codes (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    affiliate_id uuid NOT NULL REFERENCES affiliates (id),
    code text NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{1,64}$'),
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX coupon_codes_org_code ON coupon_codes (org_id, lower(code));
-- An affiliate's codes, in the list's (created_at, id) order.
CREATE INDEX coupon_codes_affiliate ON coupon_codes (affiliate_id, created_at, id);
