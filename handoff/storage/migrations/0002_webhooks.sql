-- Webhook endpoints, one row per (endpoint, event) logical delivery, every attempt,
-- and the record written when an endpoint is disabled for failing.

CREATE TABLE webhook_endpoints (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    url text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    event_types text[] NOT NULL CHECK (cardinality(event_types) >= 1),
    -- whsec_<base64>: stored at rest because every attempt is signed with it; shown to
    -- the client once (create / rotate) and never logged
    secret text NOT NULL CHECK (secret LIKE 'whsec\_%'),
    enabled boolean NOT NULL DEFAULT true,
    disabled_at timestamptz,
    disabled_reason text,
    -- first failed attempt since the last success; NULL while healthy
    failing_since timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (workspace_id, id)
);
CREATE INDEX webhook_endpoints_ws ON webhook_endpoints (workspace_id, id);

CREATE TABLE webhook_deliveries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint NOT NULL,
    endpoint_id bigint NOT NULL,
    event_id bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    -- PENDING: not attempted yet (or redelivery requested); FAILED: last attempt failed,
    -- next one at next_attempt_at; SUCCEEDED: a 2xx; DEAD: retries exhausted
    status text NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'DEAD')),
    attempts integer NOT NULL DEFAULT 0,
    -- attempts in the current retry cycle (a redelivery starts a new cycle)
    cycle_attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_attempt_at timestamptz,
    last_status_code integer,
    last_error text,
    created_at timestamptz NOT NULL,
    completed_at timestamptz,
    UNIQUE (endpoint_id, event_id),
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, endpoint_id)
        REFERENCES webhook_endpoints (workspace_id, id) ON DELETE CASCADE
);
-- open deliveries of an endpoint in event order: what the sender walks
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (endpoint_id, event_id)
    WHERE status IN ('PENDING', 'FAILED');
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status IN ('PENDING', 'FAILED');
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

CREATE TABLE webhook_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    number integer NOT NULL,
    attempted_at timestamptz NOT NULL,
    outcome text NOT NULL,
    status_code integer,
    latency_ms integer NOT NULL,
    -- at most 1 KB of the response body
    response_excerpt text CHECK (length(response_excerpt) <= 1024),
    error text,
    UNIQUE (delivery_id, number)
);

-- A `webhook.disabled` record: why and when an endpoint was switched off.
CREATE TABLE webhook_endpoint_records (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint NOT NULL,
    endpoint_id bigint NOT NULL,
    type text NOT NULL CHECK (type IN ('webhook.disabled')),
    occurred_at timestamptz NOT NULL,
    reason text NOT NULL,
    failing_since timestamptz,
    FOREIGN KEY (workspace_id, endpoint_id)
        REFERENCES webhook_endpoints (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_endpoint_records_endpoint ON webhook_endpoint_records (endpoint_id, id);
