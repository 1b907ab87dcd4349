-- org.settings_changed is staged with every change to an org from now on; orgs created before
-- it existed are announced once here, in the migration's transaction, so an upgraded install
-- converges like a fresh one (the relay sends these rows when the gateway runs). The body is
-- libs/contracts/orgs.py:OrgSettings (tests/integration/test_org_settings.py checks it).
INSERT INTO outbox (id, routing_key, payload)
SELECT gen_random_uuid(), 'org.settings_changed', jsonb_build_object(
    'orgId', id, 'homeCurrency', home_currency, 'payoutGraceDays', payout_grace_days,
    'planTier', plan, 'subscriptionStatus', subscription_status, 'changedAt', updated_at)
FROM orgs;
