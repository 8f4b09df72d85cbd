"""The urgency and reply enums of `handoff.states`, as GraphQL enums under their own names
(registered here, once, for the person, handoff and input types that use them)."""

from __future__ import annotations

from handoff.api.types.common import describe_enum
from handoff.states import ReplyPreset, UrgencyDeclined, UrgencyOutcome, UrgentFrom

__all__ = ["ReplyPreset", "UrgencyDeclined", "UrgencyOutcome", "UrgentFrom"]

describe_enum(
    UrgentFrom,
    "Whose urgent handoffs may break through a person's focus blocks and digest waits",
    {
        "ANYONE": "Anyone's, within the weekly budget per sender (the default)",
        "ALLOWED_SENDERS": "Only those of the people on the allow-list, within the budget",
        "NOBODY": "Nobody's: urgent handoffs are delivered like any other",
    },
)
describe_enum(
    UrgencyOutcome,
    "What became of a handoff sent as urgent",
    {
        "BROKE_THROUGH": "It lands at the next working instant, through focus blocks and "
        "digest waits; one of the week's budget is used",
        "NOT_NEEDED": "Nothing held it back, so it lands as an ordinary handoff would; no "
        "budget is used",
        "DECLINED": "It is delivered as a normal handoff; `declinedBecause` says why",
    },
)
describe_enum(
    UrgencyDeclined,
    "Why an urgent handoff was delivered as a normal one",
    {
        "REFUSED": "The receiver takes no urgent handoffs (urgentFrom NOBODY)",
        "NOT_ALLOWED": "The sender is not on the receiver's allow-list",
        "BUDGET_USED": "The sender's break-throughs to the receiver this week (Monday to "
        "Monday in the receiver's zone) reached the budget",
        "PAUSED": "The receiver rated the sender's last three urgent handoffs not urgent; "
        "the sender may not break through for 30 days",
    },
)
describe_enum(
    ReplyPreset,
    "A short answer the receiver can send back",
    {
        "OK": "OK",
        "WILL_DO": "Will do",
        "NEED_INFO": "Need more information",
    },
)
