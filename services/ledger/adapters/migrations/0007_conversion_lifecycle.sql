-- Pending conversions become Approved once the org's payout grace days have passed. The moment
-- is fixed when the conversion is booked (the gateway passes the org's payoutGraceDays in), so a
-- later change of the setting does not rewrite history.
ALTER TABLE conversions ADD COLUMN approve_after timestamptz;
CREATE INDEX conversions_due ON conversions (approve_after) WHERE status = 'Pending';
