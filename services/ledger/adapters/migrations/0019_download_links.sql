-- Download links handed out for stored files (tax forms). The reference calls a tax-form link
-- single-use: using one locks its row, reads the file and sets used_at in one transaction, so
-- of two concurrent uses exactly one serves the file and the other answers 410
-- signed_url_used. Rows stay as the record of when each audited link was used.
CREATE TABLE download_links (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    storage_key text NOT NULL,
    content_type text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
