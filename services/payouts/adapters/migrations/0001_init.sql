-- The payouts schema starts with the shared outbox and inbox (libs/shared/sql); its own tables
-- arrive with the issues that give it data.
SELECT 1;
