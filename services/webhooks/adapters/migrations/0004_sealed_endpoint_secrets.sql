-- Endpoint secrets are sealed (AES-256-GCM, libs/shared/secret_box.py). Rows written before
-- this are sealed by the webhooks service when it starts
-- (services/webhooks/adapters/sealed_secrets.py): an SQL file has no key.
COMMENT ON COLUMN endpoints.secret IS
    'sealed: enc:v1:<kid>:<base64url(nonce|ciphertext)>, associated data webhooks.endpoints.secret:<id>';
COMMENT ON COLUMN endpoints.previous_secret IS
    'sealed like secret; signs beside it until previous_secret_expires_at';
