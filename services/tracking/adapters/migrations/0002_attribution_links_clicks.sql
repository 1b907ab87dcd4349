-- Per-org tracking settings: custom attribution params and the short-link landing URL.
CREATE TABLE org_settings (
    org_id        uuid PRIMARY KEY,
    custom_params text,
    landing_url   text,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Read model of the ledger's affiliate links, fed by affiliate.* events. ``event_at`` is the
-- createdAt of the last event applied: an older event never overwrites a newer one.
CREATE TABLE link_index (
    slug          text PRIMARY KEY,
    org_id        uuid NOT NULL,
    program_id    uuid NOT NULL,
    affiliate_id  uuid NOT NULL,
    active        boolean NOT NULL,
    event_at      timestamptz NOT NULL
);
CREATE INDEX link_index_affiliate ON link_index (affiliate_id);

-- One row per visit through a link. Bot visits are stored flagged (is_bot) and never counted.
CREATE TABLE clicks (
    id              bigserial PRIMARY KEY,
    org_id          uuid NOT NULL,
    program_id      uuid NOT NULL,
    affiliate_id    uuid NOT NULL,
    slug            text NOT NULL,
    attributed_slug text NOT NULL,
    visitor_id      text,
    referrer_host   text,
    landing_url     text,
    utm_source      text,
    utm_medium      text,
    utm_campaign    text,
    utm_term        text,
    utm_content     text,
    device_class    text NOT NULL,
    country         text NOT NULL,
    is_bot          boolean NOT NULL DEFAULT false,
    source          text NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX clicks_org_time ON clicks (org_id, created_at);
CREATE INDEX clicks_affiliate_time ON clicks (affiliate_id, created_at);
