-- S2S signing secrets are sealed (AES-256-GCM, libs/shared/secret_box.py): the column holds
-- "enc:v1:<key id>:<nonce and ciphertext>". Rows written before this are sealed by the gateway
-- when it starts (services/gateway/adapters/sealed_secrets.py): an SQL file has no key.
-- A rotated-out secret keeps verifying until previous_signing_secret_expires_at.
ALTER TABLE orgs
    ADD COLUMN IF NOT EXISTS previous_signing_secret text,
    ADD COLUMN IF NOT EXISTS previous_signing_secret_expires_at timestamptz;
COMMENT ON COLUMN orgs.signing_secret IS
    'sealed: enc:v1:<kid>:<base64url(nonce|ciphertext)>, associated data gateway.orgs.signing_secret:<id>';
COMMENT ON COLUMN orgs.previous_signing_secret IS
    'sealed like signing_secret; verifies until previous_signing_secret_expires_at';
