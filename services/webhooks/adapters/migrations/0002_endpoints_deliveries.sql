-- Customer webhook endpoints and their deliveries.
CREATE TABLE endpoints (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    url text NOT NULL,
    events text[] NOT NULL,
    description text,
    -- Needed in clear to sign deliveries; never returned except on create and rotation.
    secret text NOT NULL,
    previous_secret text,
    previous_secret_expires_at timestamptz,
    is_active boolean NOT NULL,
    disabled_at timestamptz,
    disabled_reason text,
    -- First failed attempt since the last success (the 5-day auto-disable clock).
    failing_since timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX endpoints_org_page ON endpoints (org_id, created_at, id);

-- One row per (endpoint, event): stored before the first attempt; a redelivered bus message
-- hits the unique key and adds nothing.
CREATE TABLE deliveries (
    id text PRIMARY KEY,  -- ULID, sent as X-Rekomi-Delivery-Id
    org_id uuid NOT NULL,
    endpoint_id uuid NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    body text NOT NULL,  -- the exact bytes every attempt sends and signs
    status text NOT NULL CHECK (status IN ('Pending', 'Succeeded', 'Failed', 'Retrying')),
    attempts integer NOT NULL DEFAULT 0,
    last_status_code integer,
    last_error text,
    last_response_body text,
    next_attempt_at timestamptz,
    created_at timestamptz NOT NULL,
    delivered_at timestamptz,
    -- A dispatcher holds a delivery while it sends it; an expired lease (a dead dispatcher)
    -- lets another one try again with the same delivery id.
    lease_until timestamptz,
    lease_token uuid,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX deliveries_due ON deliveries (endpoint_id, next_attempt_at)
    WHERE status IN ('Pending', 'Retrying');
CREATE INDEX deliveries_leased ON deliveries (endpoint_id) WHERE lease_until IS NOT NULL;
CREATE INDEX deliveries_endpoint_page ON deliveries (endpoint_id, created_at, id);

-- Every attempt, for the delivery log.
CREATE TABLE delivery_attempts (
    delivery_id text NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempted_at timestamptz NOT NULL,
    status_code integer,
    error text,
    response_body text,
    duration_ms integer NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, attempted_at);
