"""Prometheus metrics, defined once so every module increments the same objects.

Each process (API, worker) exposes its own registry; see the README's operations
section for where each is scraped.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "handoff_http_requests_total",
    "HTTP requests by GraphQL operation and status",
    ["operation", "status"],
)
HTTP_LATENCY = Histogram(
    "handoff_http_request_seconds",
    "HTTP request latency by GraphQL operation",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
HANDOFFS_CREATED = Counter("handoff_handoffs_created_total", "Handoffs created")
RATE_LIMITED = Counter(
    "handoff_rate_limited_total", "Requests refused by a token's rate limit", ["bucket"]
)
RATE_LIMITER_UNAVAILABLE = Counter(
    "handoff_rate_limiter_unavailable_total",
    "Requests let through because the rate limiter's Redis could not be reached",
)
FOLLOW_UPS_DUE = Counter("handoff_follow_ups_due_total", "Follow-ups handed to the queue", ["kind"])
FOLLOW_UPS_DELIVERED = Counter(
    "handoff_follow_ups_delivered_total", "Follow-ups carried out", ["kind"]
)
FOLLOW_UPS_LATE = Counter(
    "handoff_follow_ups_late_total", "Follow-ups carried out more than 1 s after due", ["kind"]
)
FOLLOW_UP_LATENESS = Histogram(
    "handoff_follow_up_lateness_seconds",
    "Carried out at minus due at",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
FOLLOW_UPS_RECLAIMED = Counter(
    "handoff_follow_ups_reclaimed_total",
    "Follow-ups claimed again after their job's lease ran out (worker killed, Redis flushed)",
)
RELAY_LAG = Gauge("handoff_relay_lag_seconds", "Age of the oldest due follow-up not yet handled")
QUEUE_DEPTH = Gauge("handoff_queue_depth", "Jobs waiting in the arq queue")
# Per endpoint (label `endpoint`: its id). One series per endpoint and outcome/state: an
# installation has tens to hundreds of endpoints, not millions.
WEBHOOK_ATTEMPTS = Counter(
    "handoff_webhook_attempts_total",
    "Webhook delivery attempts by endpoint and outcome",
    ["endpoint", "outcome"],
)
WEBHOOK_BACKLOG = Gauge(
    "handoff_webhook_backlog", "Open deliveries (pending or failed) of an endpoint", ["endpoint"]
)
WEBHOOK_OLDEST_AGE = Gauge(
    "handoff_webhook_oldest_pending_seconds",
    "Age of an endpoint's oldest open delivery (0 when none)",
    ["endpoint"],
)
WEBHOOK_ENDPOINT_STATE = Gauge(
    "handoff_webhook_endpoint_state",
    "1 for the endpoint's current state (healthy, probing, disabled), 0 for the others",
    ["endpoint", "state"],
)
WEBHOOK_SENDER_TAKEOVERS = Counter(
    "handoff_webhook_sender_takeovers_total",
    "Senders started for an endpoint whose previous sender's lease ran out",
)
# Live updates (GraphQL subscriptions over WebSocket and SSE), per API process.
LIVE_CONNECTIONS = Gauge("handoff_live_connections", "Open live-update connections", ["transport"])
LIVE_SUBSCRIPTIONS = Gauge(
    "handoff_live_subscriptions", "Running subscriptions by field", ["field"]
)
LIVE_MESSAGES = Counter(
    "handoff_live_messages_total", "Subscription messages sent by field", ["field"]
)
LIVE_SLOW_CONSUMERS = Counter(
    "handoff_live_slow_consumers_total",
    "Subscriptions dropped because their client fell too far behind",
)
LIVE_CLOSED = Counter(
    "handoff_live_closed_total",
    "Live-update connections the server closed, by reason",
    ["reason"],
)
