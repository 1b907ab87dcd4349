-- Stripe and Paddle connections (issue 23): one row per org and provider. The secrets are
-- sealed (AES-256-GCM, libs/shared/secret_box.py, bound to their cell by the row id), never in
-- clear. The org's handle is copied here at connect time (handles never change), so the public
-- endpoint /api/integrations/{provider}/{orgHandle} finds its row in one indexed read.
CREATE TABLE provider_integrations (
    id                 uuid PRIMARY KEY,
    org_id             uuid NOT NULL,
    provider           text NOT NULL CHECK (provider IN ('stripe', 'paddle')),
    org_handle         text NOT NULL,
    webhook_secret     text NOT NULL,
    restricted_api_key text,
    connected_at       timestamptz NOT NULL,
    UNIQUE (org_id, provider),
    UNIQUE (org_handle, provider)
);

-- Provider events accepted at the endpoint: each (org, provider, event id) once, so Stripe's
-- retries and replays change nothing. The verified body is kept whole; booking conversions
-- from it is the next increment's work (processed_at stays NULL until then).
CREATE TABLE provider_events (
    org_id       uuid NOT NULL,
    provider     text NOT NULL CHECK (provider IN ('stripe', 'paddle')),
    event_id     text NOT NULL,
    event_type   text NOT NULL,
    payload      jsonb NOT NULL,
    received_at  timestamptz NOT NULL,
    processed_at timestamptz,
    PRIMARY KEY (org_id, provider, event_id)
);
