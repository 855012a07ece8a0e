"""Every knob of the service, read once from `HANDOVER_*` environment variables (or `.env`)."""

from enum import StrEnum
from functools import cached_property
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.database_url import async_database_url, engine_url

DEVELOPMENT_SECRET = "handover-development-secret-change-me"  # noqa: S105 - refused in production


class Environment(StrEnum):
    development = "development"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HANDOVER_", env_file=".env", extra="ignore")

    environment: Environment = Field(
        Environment.development,
        description="`production` refuses to start with the development secret key; "
        "`development` protects nothing (see [Development mode](#development-mode-does-not-"
        "protect-secrets)).",
    )
    database_url: str = Field(
        "sqlite:///./handover.db",
        description="SQLite file or `postgresql://user:pass@host/db`; the async driver "
        "(aiosqlite, asyncpg) is added for you. A PostgreSQL URL may carry libpq's parameters "
        "as a provider hands them out (`?sslmode=verify-full&sslrootcert=/path/ca.pem`, "
        "`connect_timeout=…`, `application_name=…`) or asyncpg's (`?ssl=require`); see "
        "[Running Handover](operations.md#running-on-postgresql-and-several-replicas).",
    )
    auto_migrate: bool | None = Field(
        None,
        description="Apply migrations on `serve`. Default: yes on SQLite, no on PostgreSQL "
        "(replicas must not race; run `handover migrate` once per release).",
    )
    bootstrap: bool = Field(
        True,
        description="On the first start against an empty database, create a default "
        "organization and print an admin key once.",
    )
    secret_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_SECRET),
        description="Signs pagination cursors. Must be set (≥ 32 characters) in production.",
    )
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Largest request body accepted.")
    idempotency_ttl_hours: int = Field(
        24, ge=1, le=24 * 30, description="How long an `Idempotency-Key` replays its answer."
    )
    idempotency_lock_seconds: int = Field(
        60, ge=5, description="After this, an in-flight Idempotency-Key whose request died is free."
    )
    rate_limit: str = Field(
        "1200/minute",
        pattern=r"^\d+/(second|minute|hour)$",
        description="Requests each API key may make per window (`N/second`, `N/minute`, "
        "`N/hour`); beyond it a 429 problem with `Retry-After`.",
    )
    crm_rate_limit: str = Field(
        "600/minute",
        pattern=r"^\d+/(second|minute|hour)$",
        description="Verified requests each CRM connection may push to its intake URL per "
        "window (counted after the signature is checked).",
    )
    crm_unverified_rate_limit: str = Field(
        "60/minute",
        pattern=r"^\d+/(second|minute|hour)$",
        description="Requests that fail verification accepted per CRM connection's intake URL "
        "per window, in a bucket of their own: beyond it a 429, and nothing is kept.",
    )
    organization_rate_limit: str = Field(
        "3600/minute",
        pattern=r"^\d+/(second|minute|hour)$",
        description="Requests all API keys of one organization may make together per window.",
    )
    failed_auth_rate_limit: str = Field(
        "30/minute",
        pattern=r"^\d+/(second|minute|hour)$",
        description="Failed authentications (401) one client address may have per window; "
        "past it, every request of that address that needs a key gets 429, its key unread.",
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated networks of the proxies in front (e.g. `10.0.0.0/8`): "
        "from them, the client address is the last `X-Forwarded-For` entry not in them. "
        "Empty: `X-Forwarded-For` is ignored.",
    )
    rate_limit_storage: str = Field(
        "memory://",
        description="Where every rate limit counts (API keys, organizations, failed "
        "authentications, CRM connections, share links): `memory://` (one process) or "
        "`redis://host:6379` (shared by several replicas).",
    )
    rate_limit_storage_timeout_seconds: float = Field(
        0.5,
        gt=0,
        le=30,
        description="How long a request waits for the rate-limit storage; past it (or when "
        "Redis refuses), the process counts in its own memory and tries again 5 s later.",
    )
    api_key_touch_seconds: int = Field(
        60, ge=0, description="`last_used_at` is written at most this often per key."
    )
    db_pool_size: int = Field(
        20, ge=1, le=200, description="PostgreSQL connections each process keeps open."
    )
    db_max_overflow: int = Field(
        10, ge=0, le=200, description="Connections a process may open beyond the pool under load."
    )
    db_poll_pool_size: int = Field(
        10,
        ge=1,
        le=200,
        description="PostgreSQL connections of each of the fast path's two pools (status polls "
        "and the CRM intake; change list; app/fastpath/pools.py), beside the engine's "
        "`db_pool_size` + `db_max_overflow`.",
    )
    db_ping_after_idle_seconds: float = Field(
        10.0,
        ge=0,
        le=3600,
        description="A pooled PostgreSQL connection idle this long is pinged before use (0: "
        "always); one in steady use is not, since a failure on it is noticed on use anyway.",
    )
    sqlite_busy_timeout_ms: int = Field(
        15_000, ge=0, description="How long a SQLite writer waits for the lock."
    )
    log_level: str = Field(
        "INFO",
        pattern="^(DEBUG|INFO|WARNING|ERROR)$",
        description="`DEBUG`, `INFO` (one access line per request), `WARNING` or `ERROR`.",
    )
    log_json: bool = Field(True, description="JSON log lines (false: human-readable console).")
    metrics_enabled: bool = Field(
        True, description="Serve Prometheus metrics at `/metrics` (no key; keep it internal)."
    )
    metrics_backlog_seconds: float = Field(
        5.0,
        ge=0,
        le=300,
        description="How old the webhook backlog `/metrics` reports may be: each process reads "
        "it from the database at most this often, however often `/metrics` is asked.",
    )
    webhook_allow_http: bool = Field(
        False, description="Allow plain-http webhook URLs (development and tests only)."
    )
    webhook_allowed_cidrs: str = Field(
        "",
        description="Comma-separated networks webhooks may reach although not public "
        "(e.g. `127.0.0.0/8` for a local receiver). Empty: public addresses only.",
    )
    webhook_allow_public: bool = Field(
        True,
        description="Send to public addresses (false confines deliveries to "
        "HANDOVER_WEBHOOK_ALLOWED_CIDRS: tests, air-gapped installs).",
    )
    webhook_retry_schedule: str = Field(
        "5,300,1800,7200,18000,36000,50400,72000,86400",
        description="Seconds to wait before each retry (±20% jitter); after the last, failed.",
    )
    webhook_timeout_seconds: float = Field(
        10.0, gt=0, le=60, description="How long one webhook attempt may take before it failed."
    )
    webhook_disable_after_days: float = Field(
        5, gt=0, description="An endpoint failing continuously this long is disabled."
    )
    webhook_encryption_key: SecretStr | None = Field(
        None,
        description="Fernet key encrypting webhook secrets at rest; default: derived from "
        "HANDOVER_SECRET_KEY.",
    )
    public_base_url: str | None = Field(
        None,
        pattern=r"^https?://[^/?#]+(/[^?#]*)?$",
        description="The URL this service is reached at (scheme, host, path prefix): intake, "
        "share and calendar URLs start with it, and HubSpot signs it. Default: the address "
        "each request came in on (`serve --port 18100`: http://127.0.0.1:18100); behind a "
        "proxy, set it.",
    )
    crm_max_body_bytes: int = Field(
        262_144, ge=1024, description="Largest CRM intake request accepted (413 beyond)."
    )
    crm_signature_tolerance_seconds: int = Field(
        300, ge=1, description="CRM requests signed longer ago (or ahead) than this are refused."
    )
    crm_inbound_retention_days: int = Field(
        30,
        ge=1,
        description="How long raw CRM requests are kept for support (`handover "
        "purge-inbound-requests`; one still waiting to be planned stays).",
    )
    sync_retention_days: int = Field(
        7,
        ge=1,
        le=366,
        description='How long deletions are kept for sync tokens (docs/api.md, "How to stay in '
        'sync"); an older token is a 410 and its client lists again from scratch.',
    )
    crm_enrich_deadline_seconds: float = Field(
        600,
        ge=0,
        description="How long the worker retries a CRM whose API does not answer before it "
        "plans a deal from what it knows, flagged `crm_incomplete` (completed later).",
    )
    crm_sync_interval_seconds: float = Field(
        900, gt=0, description="How often each connection with API access is synced."
    )
    crm_worker_batch_size: int = Field(
        1,
        ge=1,
        le=500,
        description="Kept CRM requests a worker claims at once. Planning is CPU-bound, so one "
        "at a time lets every worker take a share of a burst.",
    )
    crm_plan_max_attempts: int = Field(
        10, ge=1, description="A kept request whose planning fails this often is `failed`."
    )
    crm_writeback_window_seconds: float = Field(
        10.0,
        ge=0,
        le=3600,
        description="How long a deal's delivery fields wait after a change before they are "
        "written back: the changes of that window go as one update carrying the latest state.",
    )
    crm_writeback_batch_size: int = Field(
        100,
        ge=1,
        le=1000,
        description="Write-backs a dispatcher claims at once (HubSpot takes 100 deals a call).",
    )
    crm_writeback_max_attempts: int = Field(
        12, ge=1, le=100, description="A write-back that fails this often is `failed`."
    )
    share_submission_limit: str = Field(
        "20/hour",
        description="Feedback and survey answers accepted per share link (a `limits` rate "
        "string such as `20/hour` or `5/minute;50/day`).",
    )
    dispatcher_enabled: bool = Field(
        True,
        description="Run the webhook dispatcher inside `serve` (`handover worker` also runs it).",
    )
    dispatcher_batch_size: int = Field(
        50, ge=1, le=1000, description="Deliveries a dispatcher claims at a time."
    )
    dispatcher_concurrency: int = Field(
        20, ge=1, le=500, description="Webhook attempts in flight per worker process."
    )
    dispatcher_batches_in_flight: int = Field(
        2,
        ge=1,
        le=16,
        description="Batches a dispatcher works on at once: one's database work overlaps "
        "another's sends (the sends in flight stay capped at `dispatcher_concurrency`).",
    )
    dispatcher_lease_seconds: int = Field(
        60,
        ge=5,
        description="How long a claimed delivery stays another worker's to leave alone; a "
        "worker that died is taken over after it.",
    )
    dispatcher_poll_seconds: float = Field(
        1.0,
        gt=0,
        le=60,
        description="How often an idle worker looks for due work (webhook deliveries, kept CRM "
        "requests, write-backs); a look that finds none only reads.",
    )
    lean_project_polls: bool = Field(
        True,
        description="On PostgreSQL, answer status polls (200 from the kept document, 304) and "
        "the plain change list and a sync pass's first page ahead of the routes, in one "
        "statement each (app/fastpath/; see "
        "[Performance](../bench/README.md)).",
    )
    clock_enabled: bool = Field(
        True,
        description="Run the clock sweep (time-based events) inside `serve` "
        "(`handover worker` also runs it).",
    )
    clock_interval_seconds: float = Field(
        60.0, gt=0, le=3600, description="How often the clock sweeps for crossings."
    )
    clock_catch_up_days: int = Field(
        7,
        ge=1,
        le=366,
        description="A due or review date crossed at most this many days ago still raises its "
        "event (a sweep that was down catches up); older crossings stay silent.",
    )
    kpi_refresh_minutes: int = Field(
        60,
        ge=1,
        le=24 * 60,
        description="The clock re-evaluates a KPI target no write touched for this long, so "
        "that time alone (a due date passing, data ageing out of a window) moves its status.",
    )
    meeting_upcoming_minutes: int = Field(
        60, ge=1, le=7 * 24 * 60, description="`meeting.upcoming` is raised this long before."
    )

    @field_validator("database_url")
    @classmethod
    def _readable_url(cls, url: str) -> str:
        try:
            engine_url(url)  # refused at start, not at the first connection
        except ArgumentError as exc:
            raise ValueError(f"not a database URL ({exc})") from None
        return url

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.environment is Environment.production:
            secret = self.secret_key.get_secret_value()
            if secret == DEVELOPMENT_SECRET or len(secret) < 32:
                raise ValueError("HANDOVER_SECRET_KEY must be set to 32+ characters in production")
        return self

    @property
    def retry_delays(self) -> list[float]:
        return [float(part) for part in self.webhook_retry_schedule.split(",") if part.strip()]

    @property
    def allowed_networks(self) -> list[IPv4Network | IPv6Network]:
        parts = [part.strip() for part in self.webhook_allowed_cidrs.split(",") if part.strip()]
        return [ip_network(part, strict=False) for part in parts]

    @property
    def trusted_proxy_networks(self) -> list[IPv4Network | IPv6Network]:
        parts = [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]
        return [ip_network(part, strict=False) for part in parts]

    @cached_property
    def async_database_url(self) -> str:
        return async_database_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.async_database_url).get_backend_name() == "sqlite"

    @property
    def should_auto_migrate(self) -> bool:
        return self.is_sqlite if self.auto_migrate is None else self.auto_migrate


def _shown_default(name: str) -> str:
    """A setting's default as the reference shows it: what a reader would type, or why unset."""
    field = Settings.model_fields[name]
    value = field.get_default(call_default_factory=True)
    if name == "secret_key":
        return "a development value"
    if value is None:
        return "unset"
    if value in ("", [], ()):
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, SecretStr):
        return "set"
    if isinstance(value, (list, tuple)):
        return "`" + ",".join(str(item) for item in value) + "`"
    return f"`{value.value if isinstance(value, StrEnum) else value}`"


def settings_reference() -> str:
    """The configuration reference of docs/configuration.md, made from the settings themselves so
    that it cannot fall behind them (tests/test_docs.py compares the two)."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        meaning = (field.description or "").replace("|", "\\|")
        rows.append(f"| `HANDOVER_{name.upper()}` | {_shown_default(name)} | {meaning} |")
    return "\n".join(rows) + "\n"
