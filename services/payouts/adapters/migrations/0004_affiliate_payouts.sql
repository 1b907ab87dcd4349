-- An affiliate's own payouts, newest first (GET /api/v1/me/payouts): read through this index, so
-- the read costs the affiliate's payouts, not its org's whole history.
CREATE INDEX payouts_affiliate_page ON payouts (affiliate_id, created_at, id);
