-- Applied to every service schema before the service's own migrations.
-- outbox: events staged in the same transaction as the change they describe.
CREATE TABLE outbox (
    id uuid PRIMARY KEY,
    routing_key text NOT NULL,
    payload jsonb NOT NULL,
    headers jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    sent_at timestamptz
);
CREATE INDEX outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL;

-- inbox: ids of bus messages already applied, so a redelivery changes nothing.
CREATE TABLE inbox (
    message_id text NOT NULL,
    consumer text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);
