-- Stripe and Paddle ingestion (issue 23): a program may count a provider sale's tax in the amount
-- its commission is computed on (off by default: commission is on the amount net of tax).
ALTER TABLE programs ADD COLUMN commission_includes_tax boolean NOT NULL DEFAULT false;
