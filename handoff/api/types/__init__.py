"""GraphQL object types. Each wraps a storage model and resolves relations via loaders."""

from handoff.api.types.common import (
    Connection,
    FollowUpKind,
    FollowUpState,
    HandoffStatus,
    Info,
    Node,
    Routing,
    WorkItemStatus,
    connection,
    decode_cursor,
    encode_cursor,
)
from handoff.api.types.handoffs import FollowUp, Handoff, HandoffNote, Team, WorkItem
from handoff.api.types.people import (
    DeliveryPolicy,
    Person,
    Window,
    WorkingPattern,
    Workspace,
    workspace_from,
)

__all__ = [
    "Connection",
    "DeliveryPolicy",
    "FollowUp",
    "FollowUpKind",
    "FollowUpState",
    "Handoff",
    "HandoffNote",
    "HandoffStatus",
    "Info",
    "Node",
    "Person",
    "Routing",
    "Team",
    "Window",
    "WorkItem",
    "WorkItemStatus",
    "WorkingPattern",
    "Workspace",
    "connection",
    "decode_cursor",
    "encode_cursor",
    "workspace_from",
]
