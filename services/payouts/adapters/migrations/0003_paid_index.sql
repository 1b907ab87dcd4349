-- What an org paid since a moment (the gateway's billing state: payouts this month) is read
-- through this index, so the read costs this month's payouts, not the org's whole history.
CREATE INDEX payouts_paid ON payouts (org_id, paid_at) WHERE status = 'Paid';
