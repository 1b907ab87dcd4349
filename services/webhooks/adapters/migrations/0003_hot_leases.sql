-- Leasing a delivery only writes lease_until/lease_token. With no index on them and room left
-- on each page, that update is HOT (no index entries), which was most of a claim's cost. The
-- per-endpoint in-flight cap, which needed the index to count leases, is kept by each
-- dispatcher process in memory instead (see services/webhooks/adapters/claims.py).
DROP INDEX IF EXISTS deliveries_leased;
-- A claim leases runs of rows inserted together, so half a page is kept for their new versions.
ALTER TABLE deliveries SET (fillfactor = 50);
