"""Configuration from `HANDOFF_`-prefixed environment variables."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting the product reads; the README lists them with their defaults."""

    # inf and nan are no duration or size: refused like any other malformed number
    model_config = SettingsConfigDict(env_prefix="HANDOFF_", extra="ignore", allow_inf_nan=False)

    database_url: SecretStr | None = Field(
        default=None, description="PostgreSQL URL; unset with `handoff dev` = embedded server"
    )
    redis_url: SecretStr | None = Field(
        default=None, description="Redis URL; unset with `handoff dev` = embedded server"
    )
    data_dir: Path = Field(default=Path(".handoff"), description="where `handoff dev` keeps data")
    host: str = Field(default="127.0.0.1", min_length=1, description="API bind address")
    port: int = Field(default=8000, ge=1, le=65535, description="API port")
    workers: int = Field(
        default=1, ge=1, le=64, description="API worker processes for `handoff serve`"
    )
    db_pool_min: int = Field(
        default=2, ge=0, description="minimum PostgreSQL connections per process"
    )
    db_pool_max: int = Field(
        default=20, ge=1, description="maximum PostgreSQL connections per process"
    )
    db_acquire_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description="how long an API request waits for a PostgreSQL connection "
        "(503 SERVICE_UNAVAILABLE after)",
    )
    max_page_size: int = Field(
        default=100, ge=1, description="largest `first` a connection accepts"
    )
    max_query_depth: int = Field(default=12, ge=1, description="deepest GraphQL query accepted")
    max_aliases: int = Field(default=30, ge=1, description="most aliases in one GraphQL request")
    max_query_cost: int = Field(
        default=50_000,
        ge=1,
        description="largest estimated cost of a GraphQL operation (each field 1, times "
        "the items of every list around it)",
    )
    max_result_items: int = Field(
        default=50_000,
        ge=1,
        description="most items the lists of one GraphQL answer may hold together "
        "(RESULT_TOO_LARGE beyond it)",
    )
    max_request_bytes: int = Field(
        default=2_000_000, ge=1, description="largest request body (413 beyond it)"
    )
    max_json_depth: int = Field(
        default=32, ge=1, description="deepest nesting of a GraphQL request's JSON (400 beyond it)"
    )
    persisted_queries: int = Field(
        default=1_000,
        ge=0,
        description="query texts each API process keeps for automatic persisted queries (APQ)",
    )
    rate_limit_per_minute: int = Field(
        default=600, ge=0, description="requests a minute per token, sustained (0 = no limit)"
    )
    rate_limit_burst: int = Field(
        default=120, ge=1, description="requests a token may make at once before the rate applies"
    )
    mutation_rate_limit_per_minute: int = Field(
        default=120,
        ge=0,
        description="mutations a minute per token, a bucket of its own (0 = no limit)",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="when set, `GET /metrics` answers only `Authorization: Bearer <it>` (401 "
        "otherwise); unset = open, for a scraper on a private network",
    )
    cors_origins: str = Field(
        default="",
        description="comma-separated origins whose pages may call the API (`*` = any); "
        "empty = same origin only",
    )
    default_reminders: int = Field(
        default=1, ge=0, le=20, description="reminders before escalation for new workspaces"
    )
    health_min_group: int = Field(
        default=5,
        ge=1,
        description="the async-health report answers only for groups of at least this many "
        "people, with at least this many who received handoffs in the range (others get "
        "GroupTooSmall)",
    )
    relay_interval_seconds: float = Field(
        default=2.0,
        gt=0,
        description="how often the relay runs: a whole number of seconds that divides 60",
    )
    relay_horizon_seconds: float = Field(
        default=30.0, gt=0, description="rows due within this horizon are handed to arq"
    )
    batch_size: int = Field(default=500, ge=1, description="follow-ups handled per batch job")
    follow_up_lease_seconds: float = Field(
        default=5.0,
        gt=0,
        description="a queued follow-up batch owns its rows this long after their due instant;"
        " then the relay claims them again (a killed worker costs seconds)",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="allow webhooks to private/loopback addresses (development and tests only)",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="timeout per webhook attempt"
    )
    webhook_senders: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="webhook senders one worker runs at once, on a queue and a database pool "
        "of their own: slow receivers never hold up landings, reminders or escalations",
    )
    webhook_sender_lease_seconds: float = Field(
        default=5.0,
        ge=0.5,
        description="lease of an endpoint's sender, renewed every third of it; a sender that"
        " dies is replaced this long after its last renewal",
    )
    live_max_connections: int = Field(
        default=10_000,
        ge=1,
        description="live-update connections (WebSocket or SSE) one API process holds at most"
        " (about 60 KiB each); past it new ones are told to try again later",
    )
    live_max_connections_per_token: int = Field(
        default=20,
        ge=1,
        description="live-update connections (WebSocket or SSE) one token (a person's tokens"
        " together) may hold open on one API process",
    )
    live_max_subscriptions_per_connection: int = Field(
        default=20, ge=1, description="subscriptions one WebSocket connection may run at once"
    )
    live_keepalive_seconds: float = Field(
        default=15.0,
        gt=0,
        description="a `ping` message (WebSocket) or comment line (SSE) goes out this often",
    )
    live_idle_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description="a WebSocket without a subscription, or that sent nothing (not even a"
        " pong), for this long is closed",
    )
    live_queue_size: int = Field(
        default=500,
        ge=1,
        description="events one subscription may have waiting; beyond it its client is"
        " disconnected as a slow consumer (and resumes with `after`)",
    )
    live_retention_hours: float = Field(
        default=72.0,
        gt=0,
        description="how far back `after` may resume a subscription; an older cursor gets"
        " CURSOR_EXPIRED",
    )
    live_url_token_max_seconds: int = Field(
        default=3600,
        ge=1,
        description="a token in an SSE URL (`access_token`, for EventSource) must expire"
        " within this many seconds",
    )
    live_dispatch: bool = Field(
        default=True,
        description="API processes with subscribers run the outbox dispatcher when an event"
        " commits (positions in milliseconds); false leaves it to the worker's 1 s tick",
    )
    log_format: Literal["json", "text"] = Field(default="json", description="`json` or `text`")
    log_level: str = Field(
        default="INFO",
        pattern=r"(?i)^(debug|info|warning|error|critical)$",
        description="log level",
    )
    queue_name: str = Field(default="handoff:queue", description="arq queue name")

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        # the message never repeats the value: a URL may hold a password
        if value is not None:
            url = urlsplit(value.get_secret_value())
            if url.scheme not in ("redis", "rediss", "unix"):
                raise ValueError("not a Redis URL (redis://, rediss:// or unix://)")
            try:
                url.port  # noqa: B018 (parsing it is the check)
            except ValueError:
                raise ValueError(
                    "the port of this Redis URL is not a number from 0 to 65535"
                ) from None
            # the database number: arq and redis-py read the path as one, and fail on more
            if url.scheme != "unix" and url.path and not re.fullmatch(r"/[0-9]+", url.path):
                raise ValueError(
                    "the path of this Redis URL is not a database number (redis://host:port/0)"
                )
        return value

    @field_validator("relay_interval_seconds")
    @classmethod
    def _relay_interval(cls, value: float) -> float:
        # the relay is an arq cron job on the seconds range(0, 60, step) of every minute
        if value != int(value) or not 1 <= value <= 60 or 60 % int(value):
            raise ValueError(
                "must be a whole number of seconds that divides 60 "
                "(1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)"
            )
        return value

    @model_validator(mode="after")
    def _pool_sizes(self) -> Settings:
        if self.db_pool_min > self.db_pool_max:
            raise ValueError("HANDOFF_DB_POOL_MIN is larger than HANDOFF_DB_POOL_MAX")
        return self

    def allowed_origins(self) -> list[str]:
        """The CORS origins, one per comma-separated entry, without trailing slashes."""
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]

    def require_database_url(self) -> str:
        """The PostgreSQL URL, or a clear error when it is not configured."""
        if self.database_url is None:
            raise RuntimeError("HANDOFF_DATABASE_URL is not set")
        return self.database_url.get_secret_value()

    def require_redis_url(self) -> str:
        """The Redis URL, or a clear error when it is not configured."""
        if self.redis_url is None:
            raise RuntimeError("HANDOFF_REDIS_URL is not set")
        return self.redis_url.get_secret_value()
