"""Domain objects read from PostgreSQL rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, ClassVar, TypeVar

import orjson

from handoff.calendar import DeliveryPolicy, WorkingPattern
from handoff.states import (
    EndpointHealth,
    FollowUpKind,
    FollowUpState,
    HandoffStatus,
    PersonStatus,
    Routing,
    WebhookDeliveryStatus,
    WorkItemStatus,
)
from handoff.storage.from_row import FromRow


@dataclass(frozen=True)
class Workspace(FromRow):
    id: int
    name: str
    reminders_before_escalation: int
    created_at: datetime


# a jsonb column's value: parsed, or its text as read with `FromRow.RAW_JSON`
Json = dict[str, Any] | bytes


def _as_dict(value: Json) -> dict[str, Any]:
    return orjson.loads(value) if isinstance(value, bytes) else value


@dataclass(frozen=True)
class Person(FromRow):
    id: int
    workspace_id: int
    name: str
    handle: str
    email: str | None
    timezone: str
    # `working_pattern` and `delivery_policy` as read: their JSON text (bytes) when the
    # query ran through `run.one/many`, which leave it unparsed (`RAW_JSON`), else a dict.
    # Most reads need neither (an inbox's senders), or only the parsed pattern, which the
    # per-process cache below keeps: the text is parsed at most once per change.
    pattern_json: Json = field(compare=False, repr=False)
    policy_json: Json = field(compare=False, repr=False)
    created_at: datetime
    updated_at: datetime
    deactivated_at: datetime | None = None
    erased_at: datetime | None = None
    # who took over their work when they left (a person), if anyone
    successor_id: int | None = None

    COLUMN_OF: ClassVar[dict[str, str]] = {
        "pattern_json": "working_pattern",
        "policy_json": "delivery_policy",
    }
    # a query may leave these out: they read as their defaults
    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"deactivated_at", "erased_at", "successor_id"})
    RAW_JSON: ClassVar[bool] = True

    def __eq__(self, other: object) -> bool:
        # the same person as stored, whichever form the JSON columns were read in
        if type(other) is not Person:
            return NotImplemented
        return (
            self._compared() == other._compared()
            and self.pattern_data == other.pattern_data
            and self.policy_data == other.policy_data
        )

    __hash__ = None  # type: ignore[assignment]  # equal persons hold equal dicts

    def _compared(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in fields(self) if f.compare)

    @cached_property
    def pattern_data(self) -> dict[str, Any]:
        """The stored working pattern as a dict."""
        return _as_dict(self.pattern_json)

    @cached_property
    def policy_data(self) -> dict[str, Any]:
        """The stored delivery policy as a dict."""
        return _as_dict(self.policy_json)

    @property
    def status(self) -> PersonStatus:
        """Active, deactivated (left the team) or erased (personal data replaced)."""
        if self.erased_at is not None:
            return PersonStatus.ERASED
        if self.deactivated_at is not None:
            return PersonStatus.DEACTIVATED
        return PersonStatus.ACTIVE

    @cached_property
    def pattern(self) -> WorkingPattern:
        return _parsed(
            _PATTERNS, self, self.pattern_json, lambda: WorkingPattern.from_dict(self.pattern_data)
        )

    @cached_property
    def policy(self) -> DeliveryPolicy:
        return _parsed(
            _POLICIES, self, self.policy_json, lambda: DeliveryPolicy.from_dict(self.policy_data)
        )


# Per-process caches of parsed patterns and policies: rows are read on every request, but
# change rarely. Keyed by (person id, updated_at); a hit also needs equal data, so an edit
# that kept updated_at (a frozen test clock) is never served stale.
_CACHE_LIMIT = 10_000
_PATTERNS: dict[tuple[int, datetime], tuple[Json, WorkingPattern]] = {}
_POLICIES: dict[tuple[int, datetime], tuple[Json, DeliveryPolicy]] = {}
_P = TypeVar("_P", WorkingPattern, DeliveryPolicy)


def _parsed(
    cache: dict[tuple[int, datetime], tuple[Json, _P]],
    person: Person,
    stored: Json,
    build: Callable[[], _P],
) -> _P:
    key = (person.id, person.updated_at)
    hit = cache.get(key)
    if hit is not None and hit[0] == stored:  # text against text: a memcmp
        return hit[1]
    value = build()
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = (stored, value)
    return value


@dataclass(frozen=True)
class Team(FromRow):
    id: int
    workspace_id: int
    name: str
    routing: Routing
    rr_counter: int
    created_at: datetime


@dataclass(frozen=True)
class WorkItem(FromRow):
    id: int
    workspace_id: int
    title: str
    description: str
    status: WorkItemStatus
    holder_id: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Handoff(FromRow):
    id: int
    workspace_id: int
    work_item_id: int
    sender_id: int
    receiver_id: int
    team_id: int | None
    summary: str
    done: str
    next_steps: str
    open_questions: list[str]
    respond_within: timedelta | None
    status: HandoffStatus
    created_at: datetime
    deliver_at: datetime
    respond_by: datetime | None
    explanation: list[str]
    max_reminders: int
    reminders_sent: int
    escalated_at: datetime | None
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    completed_at: datetime | None
    returned_at: datetime | None
    return_note: str | None
    cancelled_at: datetime | None
    updated_at: datetime
    idempotency_key: str | None
    # set when a delegation sent it on: the addressee, the people whose delegations it
    # passed through (addressee first) and those delegations
    addressed_to_id: int | None = None
    delegated_via: list[int] = field(default_factory=list)
    delegation_ids: list[int] = field(default_factory=list)
    # a digest of the createHandoff request that made it with an idempotency key
    request_fingerprint: bytes | None = None
    # the explanation's first lines, on why it goes to its receiver (kept when it is
    # planned again from the receiver's hours)
    route_reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FollowUp(FromRow):
    id: int
    workspace_id: int
    handoff_id: int
    person_id: int
    kind: FollowUpKind
    due_at: datetime
    state: FollowUpState
    version: int
    digest: bool
    explanation: list[str]
    created_at: datetime
    handled_at: datetime | None


@dataclass(frozen=True)
class ApiToken(FromRow):
    """A token as listed: never its secret (only the hash is stored, and not returned)."""

    id: int
    workspace_id: int
    person_id: int | None
    label: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    made_by: int | None = None


@dataclass(frozen=True)
class Event(FromRow):
    """An outbox event: something that happened, as webhooks carry it."""

    id: int
    workspace_id: int
    type: str
    handoff_id: int | None
    person_id: int | None
    payload: dict[str, Any]
    occurred_at: datetime


# -- webhooks -------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookEndpoint(FromRow):
    """Where a workspace's events are POSTed. The secret is kept out of the repr so it
    never reaches a log line."""

    id: int
    workspace_id: int
    url: str
    description: str
    event_types: list[str]
    secret: str = field(repr=False)
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime
    previous_secret_until: datetime | None
    health: EndpointHealth = EndpointHealth.HEALTHY
    probe_at: datetime | None = None


@dataclass(frozen=True)
class WebhookEndpointRecord(FromRow):
    """A `webhook.disabled` record: the endpoint was switched off for failing."""

    id: int
    endpoint_id: int
    type: str
    occurred_at: datetime
    reason: str
    failing_since: datetime | None


@dataclass(frozen=True)
class WebhookDelivery(FromRow):
    """One event to one endpoint; every attempt shares its message id."""

    id: int
    workspace_id: int
    endpoint_id: int
    event_id: int
    event_type: str
    message_id: str
    event_occurred_at: datetime
    status: WebhookDeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True)
class WebhookAttempt(FromRow):
    """One HTTP attempt of a webhook delivery."""

    id: int
    delivery_id: int
    number: int
    attempted_at: datetime
    outcome: str
    status_code: int | None
    latency_ms: int
    response_excerpt: str | None
    error: str | None
