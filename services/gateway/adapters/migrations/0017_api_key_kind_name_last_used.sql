-- Self-service API keys (issue 26): which kind a key is (``live``: rk_live_..., ``mcp``:
-- rk_mcp_... for the MCP server), the name its Owner gave it (the unused ``label``), and when it
-- was last used. ``last_used_at`` is written by each gateway replica in one batched UPDATE every
-- few seconds (adapters/key_usage.py), never once per request.
ALTER TABLE api_keys RENAME COLUMN label TO name;
ALTER TABLE api_keys ADD COLUMN kind text NOT NULL DEFAULT 'live' CHECK (kind IN ('live', 'mcp'));
ALTER TABLE api_keys ADD COLUMN last_used_at timestamptz;
-- The Owner's list: newest first, per org.
CREATE INDEX api_keys_org_created ON api_keys (org_id, created_at DESC, id DESC);
DROP INDEX api_keys_org;
