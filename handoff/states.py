"""The states and kinds of stored things, defined once.

They are `StrEnum`s: a member equals its text, so SQL keeps plain text columns (with
CHECK constraints listing the same values) and rows read back compare equal to members.
"""

from __future__ import annotations

from enum import StrEnum


class HandoffStatus(StrEnum):
    """Where a handoff stands in its life cycle."""

    SCHEDULED = "SCHEDULED"
    DELIVERED = "DELIVERED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    COMPLETED = "COMPLETED"
    RETURNED = "RETURNED"
    CANCELLED = "CANCELLED"


# A handoff still travelling: it can be reassigned, and it holds its work item.
IN_FLIGHT = frozenset({HandoffStatus.SCHEDULED, HandoffStatus.DELIVERED})
# Not finished: what a delegation moves and hands back, and what leaving reassigns.
OPEN = frozenset({*IN_FLIGHT, HandoffStatus.ACKNOWLEDGED})


class WorkItemStatus(StrEnum):
    """Whether a work item is with someone, on its way, or finished."""

    OPEN = "OPEN"
    IN_HANDOFF = "IN_HANDOFF"
    DONE = "DONE"


class FollowUpKind(StrEnum):
    """What a scheduled follow-up does when it fires."""

    DELIVERY = "DELIVERY"
    REMINDER = "REMINDER"
    ESCALATION = "ESCALATION"
    REPLY = "REPLY"
    # about a delegation (follow_ups.delegation_id), not a handoff
    DELEGATION_START = "DELEGATION_START"
    DELEGATION_END = "DELEGATION_END"


class UrgentFrom(StrEnum):
    """Whose urgent handoffs may break through a person's focus blocks and digest waits."""

    ANYONE = "ANYONE"
    ALLOWED_SENDERS = "ALLOWED_SENDERS"
    NOBODY = "NOBODY"


class UrgencyOutcome(StrEnum):
    """What became of a handoff sent as urgent, for one person it was urgent for."""

    BROKE_THROUGH = "BROKE_THROUGH"
    NOT_NEEDED = "NOT_NEEDED"
    DECLINED = "DECLINED"


class UrgencyDeclined(StrEnum):
    """Why an urgent handoff was delivered as a normal one."""

    REFUSED = "REFUSED"
    NOT_ALLOWED = "NOT_ALLOWED"
    BUDGET_USED = "BUDGET_USED"
    PAUSED = "PAUSED"


class ReplyPreset(StrEnum):
    """The short answers a receiver can send back."""

    OK = "OK"
    WILL_DO = "WILL_DO"
    NEED_INFO = "NEED_INFO"


class FollowUpState(StrEnum):
    """Where a follow-up row stands between PostgreSQL and the queue."""

    PENDING = "PENDING"
    ENQUEUED = "ENQUEUED"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class Routing(StrEnum):
    """How a team picks the member a handoff lands with."""

    FOLLOW_THE_SUN = "FOLLOW_THE_SUN"
    ROUND_ROBIN = "ROUND_ROBIN"
    ALL = "ALL"


class TravelHours(StrEnum):
    """Whose wall clock a traveller's weekly pattern follows."""

    LOCAL = "LOCAL"
    HOME = "HOME"


class TravelHolidays(StrEnum):
    """Whose public holidays a traveller observes."""

    HOME = "HOME"
    VISITED = "VISITED"


class OpenHandoffs(StrEnum):
    """What a delegation does, when it starts, with the handoffs the person already has."""

    REASSIGN = "REASSIGN"
    KEEP = "KEEP"


class DelegationState(StrEnum):
    """Where a delegation stands."""

    SCHEDULED = "SCHEDULED"
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"
    CANCELLED = "CANCELLED"


# A delegation that can still route handoffs.
LIVE_DELEGATION = frozenset({DelegationState.SCHEDULED, DelegationState.ACTIVE})


class PersonStatus(StrEnum):
    """Whether a person still takes part."""

    ACTIVE = "ACTIVE"
    DEACTIVATED = "DEACTIVATED"
    ERASED = "ERASED"


class WebhookDeliveryStatus(StrEnum):
    """Where one event's delivery to one endpoint stands."""

    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    DEAD = "DEAD"


class EndpointHealth(StrEnum):
    """How a webhook endpoint's sender treats it (a disabled endpoint is `enabled = false`).

    HEALTHY: deliveries go out in sequence as they come. PROBING: the last attempt failed
    at the endpoint (refused, timed out, 5xx, ...); only the head delivery is tried, at
    `probe_at`, and the first success makes it HEALTHY and drains the backlog at once.
    """

    HEALTHY = "HEALTHY"
    PROBING = "PROBING"
