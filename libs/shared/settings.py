"""Every setting Rekomi reads, from environment variables (prefix ``REKOMI_``): here, and the
dashboard sign-in's in ``signin_settings.py``, which ``Settings`` inherits."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from libs.shared.signin_settings import SignInSettings

SERVICES = ("gateway", "tracking", "ledger", "payouts", "webhooks")
# They consume from the bus what the gateway and tracking accepted (and serve reads);
# see ``background_nice``.
BACKGROUND_SERVICES = frozenset({"ledger", "payouts", "webhooks"})


class Settings(SignInSettings):
    model_config = SettingsConfigDict(env_prefix="REKOMI_", extra="ignore")

    env: str = "development"
    database_url: str = "postgresql://postgres@127.0.0.1:5432/rekomi"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Keys in Redis and names on the broker carry this prefix so several stacks can share servers.
    namespace: str = "rekomi"

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8080
    # Each back-end service serves /healthz, /readyz and /metrics on base + its index in SERVICES.
    ops_host: str = "127.0.0.1"
    ops_base_port: int = 9100

    db_pool_min: int = 2
    db_pool_max: int = 10
    rpc_timeout_seconds: float = 5.0
    bus_prefetch: int = 64
    # A message that fails this many deliveries goes to the dead-letter queue.
    bus_delivery_limit: int = 5
    outbox_batch_size: int = 1000
    outbox_poll_seconds: float = 0.5
    # Least time between two relay runs: a busy second's events leave in packs, not one by one.
    # With 3,000 S2S sales/s on two cores, 0.1 s instead of 0.02 s cut the stack's CPU by about
    # 5 points of a core in interleaved runs (ledger 27.7 -> 24.8, webhooks 7.3 -> 5.9, broker
    # 21 -> 19.5): bigger, rarer packs at every hop after the commit; the S2S p99 did not move
    # with it. Each event reaches its consumers up to this much later while the relay is busy.
    outbox_min_interval_seconds: float = 0.1

    rate_limit_per_minute: int = 1200
    # Calls without a valid key (unknown routes, public pages) are limited per client address.
    anonymous_rate_limit_per_minute: int = 600
    # Public writes (affiliate applications, invite acceptance) per client address.
    strict_write_rate_limit_per_minute: int = 20
    # The public embedded dashboard: calls per client address, and per embed token on top.
    embed_ip_rate_limit_per_minute: int = 300
    embed_token_rate_limit_per_minute: int = 60
    # Stripe's and Paddle's webhooks, per org endpoint (not per address: a provider sends
    # every account's events from a few addresses). A provider retries a 429 for days.
    provider_webhook_rate_limit_per_minute: int = 60000
    # How long a gateway replica trusts its cached view of an API key; revocations are also
    # pushed to every replica at once through PostgreSQL NOTIFY.
    api_key_cache_seconds: float = 30.0
    # How often a replica writes its API keys' last-use times (one batched UPDATE): the key
    # list's ``lastUsedAt`` is about this far behind at most.
    api_key_last_used_flush_seconds: float = 5.0
    max_body_bytes: int = 4 * 1024 * 1024

    # ---- Idempotency-Key (gateway; routes flagged ``idempotent`` in the route table) ----
    # How long a key is remembered: within it the same request is answered the stored response
    # and another request with the key is refused; after it the key runs again. Rows older
    # than this are purged every purge interval.
    idempotency_window_seconds: float = 3600.0
    # An in-flight key whose gateway died mid-request may be taken over after this; well above
    # any request's own time (the RPC timeout), so a live request is never run twice.
    idempotency_lease_seconds: float = 120.0
    idempotency_purge_interval_seconds: float = 60.0

    # ---- secrets at rest (libs/shared/secret_box.py; README "Secrets at rest") ----
    # "kid2:<base64 32 bytes>,kid1:<base64 32 bytes>": AES-256-GCM keys; the first seals, all
    # open. Required outside development; in development an unset ring is made at first use
    # in the dev key file (what `make run` uses).
    secrets_keys: SecretStr = SecretStr("")
    secrets_dev_key_file: str = ".run/secrets-keys"
    # Rows re-sealed per transaction by the start-up step and `rekomi admin rotate-secrets-key`.
    secrets_reseal_batch: int = 500
    # After an S2S signing-secret rotation the previous secret keeps verifying this long.
    signing_secret_overlap_hours: float = 24.0

    # ---- audit log (gateway) ----
    # GET /api/v1/audit-log/export.csv: rows per call (the reference: 10,000) and rows per
    # page read from the database while the gateway streams.
    audit_export_max_rows: int = 10_000
    audit_export_page_rows: int = 1000

    log_level: str = "INFO"
    log_json: bool = True

    # ---- webhooks (customer webhook deliveries) ----
    # Allow http:// and loopback hosts (127.0.0.0/8, ::1, localhost) as endpoint URLs, so a
    # developer's first webhook can go to a receiver on their own machine. On by default in
    # development (what `make run` starts), off in every other environment (production takes
    # https and global addresses only); setting it explicitly wins either way.
    webhooks_allow_loopback: bool = Field(
        default_factory=lambda fields: fields["env"] == "development")
    # Multiplies every retry delay and the 5-day auto-disable window (tests use ~0.001).
    webhooks_retry_time_scale: float = 1.0
    # One delivery attempt (connect + send + response) may take this long before it fails.
    webhooks_timeout_seconds: float = 10.0
    # Deliveries one dispatcher process sends at once, across all endpoints.
    webhooks_dispatch_concurrency: int = 128
    # Deliveries one dispatcher process has in flight to one endpoint at once (with R
    # replicas the endpoint sees at most R x this).
    webhooks_endpoint_concurrency: int = 8
    # Attempts per second one dispatcher process starts towards one endpoint (0 = no cap).
    webhooks_endpoint_rate_per_second: float = 200.0
    # How often an idle dispatcher looks for due deliveries (fan-out also wakes it at once).
    webhooks_poll_seconds: float = 0.25
    # Bytes of a receiver's response body kept in the delivery log.
    webhooks_response_body_limit: int = 1024

    # ---- affiliate invites and their e-mail (ledger) ----
    # Where the invite e-mail's accept link points; the token is appended as the last segment.
    invite_accept_url_base: str = "https://app.rekomi.com/invites/affiliate"
    # Accept tokens are HMAC-SHA256(secret, invite id + version); only their SHA-256 is stored.
    # Set a long random value in production (every ledger replica needs the same one).
    invite_token_secret: str = "dev-only-invite-token-secret-change-me"
    # SMTP server the ledger's mail worker sends through (development: the local catcher,
    # `python -m services.ledger.invites.adapters.mail_catcher`, listens on 127.0.0.1:1025).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "Rekomi <invites@rekomi.localhost>"
    # At most one e-mail per this many seconds per org, across all ledger replicas.
    mail_org_interval_seconds: float = 1.0
    # How often an idle mail worker looks for due e-mail; attempts before a message is failed.
    mail_poll_seconds: float = 0.25
    mail_max_attempts: int = 6

    # ---- storefront and tax forms (ledger object storage) ----
    # "local": files under storage_local_dir (development and tests); "s3": any S3-compatible
    # store (the ledger talks to it with SigV4-presigned URLs). Either way clients download
    # through the gateway's single-use, HMAC-signed links.
    storage_backend: str = "local"
    storage_local_dir: str = ".run/storage"
    # Public base of the gateway the download links point at (default http://gateway_host:port).
    storage_local_base_url: str = ""
    # Signs download links; every ledger replica must share it. Set a random value in production.
    storage_signing_secret: str = "rekomi-dev-storage-secret"
    storage_s3_endpoint: str = "https://nyc3.digitaloceanspaces.com"
    storage_s3_bucket: str = "rekomi-tax"
    storage_s3_region: str = "us-east-1"
    storage_s3_access_key: str = ""
    storage_s3_secret_key: str = ""
    # Lifetime of a tax-form download link (the reference: 5 minutes).
    tax_form_url_seconds: int = 300

    # ---- imports (bulk migration) ----
    # The dedicated "import" rate policy: import calls per minute per API key, counted on top of
    # (not instead of) the key's general limit.
    import_rate_limit_per_minute: int = 6

    # ---- tracking (clicks, loader, short links) ----
    # Clicks are buffered in the tracking service and written with COPY every this many ms or
    # when this many are waiting: a crash loses at most one interval of clicks (never sales).
    tracking_click_flush_ms: int = 200
    tracking_click_batch_size: int = 1000
    # How long the tracking service trusts its in-memory view of links, program terms and org
    # tracking settings (links are also refreshed at once by affiliate events).
    tracking_cache_seconds: float = 10.0
    # Public base URL of the gateway, as embedded in the install snippet and in the short
    # links shown to affiliates (default http://gateway_host:gateway_port; see public_base_url).
    tracking_public_base_url: str = ""
    # CPC: non-bot clicks are counted per affiliate in UTC buckets of this many seconds (an
    # hour; a divisor of a day keeps buckets aligned to midnight UTC). A bucket closes once it
    # ended this margin ago; a click written later lands in the first open bucket. The job runs
    # every interval on one replica at a time, folding at most ``chunk`` click ids per step.
    tracking_click_bucket_seconds: int = 3600
    tracking_click_aggregation_margin_seconds: float = 300.0
    tracking_click_aggregation_interval_seconds: float = 60.0
    tracking_click_aggregation_chunk: int = 100_000

    # ---- conversions (ledger) ----
    # How often the ledger approves the Pending conversions whose payout grace days have passed,
    # and how many it approves per transaction.
    conversion_approval_interval_seconds: float = 5.0
    conversion_approval_batch: int = 500
    # GET /api/v1/conversions/export.csv: rows per call (the reference: 50,000) and rows per
    # page the gateway asks the ledger for while it streams.
    conversions_export_max_rows: int = 50_000
    conversions_export_page_rows: int = 1000

    # ---- payout runs and transfers (payouts) ----
    # How often the transfer worker looks for Processing payouts to send, and how many it
    # sends at once.
    payouts_send_interval_seconds: float = 0.5
    payouts_send_batch: int = 32
    # How long a worker owns a payout it is sending (see PayoutsDeps.send_lease_seconds).
    payouts_send_lease_seconds: float = 300.0
    # How long the ledger may take to claim a run's commissions (100,000 of them: seconds).
    payouts_claim_timeout_seconds: float = 60.0
    # How often runs left half-written by a dead process are finished or released, and how old
    # a run still Claiming must be to count as left (longer than a claim can take).
    payouts_recovery_interval_seconds: float = 30.0
    payouts_stale_run_seconds: float = 120.0

    # ---- FX rates (ledger; reporting normalization only) ----
    # An ECB-style rates file (XML or CSV, EUR base) the ledger loads at start and then every
    # interval, e.g. https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml. Empty: off
    # (load with `rekomi admin load-fx --url/--file`).
    fx_rates_url: str = ""
    fx_refresh_interval_seconds: float = 86400.0
    fx_fetch_timeout_seconds: float = 30.0

    # ---- payouts: payment providers ----
    # A method is offered only when its credentials are set (services/payouts/adapters/
    # methods.py). The secrets are SecretStr so that a logged Settings never shows them. The
    # API bases point tests at local fakes (localstripe, tests/common/*_server.py).
    stripe_api_key: SecretStr = SecretStr("")
    stripe_api_base: str = "https://api.stripe.com"
    paypal_client_id: str = ""
    paypal_client_secret: SecretStr = SecretStr("")
    paypal_api_base: str = "https://api-m.paypal.com"
    wise_api_token: SecretStr = SecretStr("")
    wise_profile_id: str = ""
    wise_api_base: str = "https://api.transferwise.com"
    # Each provider call is tried this many times on a 5xx, 429, timeout or dropped connection
    # (waits of backoff x 1, 2, 4, ... seconds, at most 8 s), then the outcome is unknown.
    payouts_provider_attempts: int = 4
    payouts_provider_backoff_seconds: float = 0.5
    # One HTTP request to a provider (connect + send + answer) may take this long.
    payouts_provider_timeout_seconds: float = 30.0
    # A PayPal payout batch is read every interval until its item settles or the wait ends
    # (then the outcome is unknown and the same attempt is asked again later).
    paypal_poll_interval_seconds: float = 2.0
    paypal_poll_timeout_seconds: float = 60.0

    # ---- processes ----
    # How many webhooks processes `rekomi run` starts (each consumes events and dispatches;
    # leases keep each delivery with one of them). Extra replicas serve health and
    # metrics on the ports after the last service's.
    webhooks_replicas: int = 1
    # How much lower `rekomi run` sets the CPU priority (nice) of the services that work off
    # the answer path of sales and clicks (BACKGROUND_SERVICES): on one machine a burst of S2S
    # sales is answered first and booked right after, instead of every process queueing for
    # the same cores. 0 keeps every service at the launcher's own priority.
    background_nice: int = 10
    # Set by the launcher for an extra replica: its own health/metrics port.
    ops_port_override: int = 0

    @property
    def public_base_url(self) -> str:
        """Where clients reach the gateway: the install snippet's and short links' base."""
        return self.tracking_public_base_url or f"http://{self.gateway_host}:{self.gateway_port}"

    def ops_port(self, service: str) -> int:
        if self.ops_port_override:
            return self.ops_port_override
        return self.ops_base_port + SERVICES.index(service)

    def replica_ops_port(self, replica: int) -> int:
        """The health/metrics port of extra replica ``replica`` (1, 2, ...)."""
        return self.ops_base_port + len(SERVICES) + replica - 1


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
