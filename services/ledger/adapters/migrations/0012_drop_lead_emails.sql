-- Lead e-mails moved to tracking (tracking.leads), which attributes later sales by e-mail; the
-- ledger only books the LeadReward rows.
DROP TABLE lead_emails;
