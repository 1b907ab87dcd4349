-- The relay deletes what it sent (0001), so sent_at is always NULL and the relay no longer
-- filters on it: its "oldest first" read needs a plain index on created_at instead of the
-- partial one. sent_at itself stays, always NULL, so the relays of a previous release keep
-- working while a rolling deploy replaces them.
CREATE INDEX outbox_created ON outbox (created_at);
DROP INDEX outbox_unsent;
