-- Recovery in seconds and a strict order per webhook endpoint (issue 17).
--
-- follow_ups.lease_until: an ENQUEUED row belongs to its queued job until then; after
-- it the relay claims the row again (replaces the fixed HANDOFF_REQUEUE_AFTER_SECONDS).
-- A batch that is running holds its rows' locks, which the relay's SKIP LOCKED respects.
ALTER TABLE follow_ups ADD COLUMN lease_until timestamptz;
UPDATE follow_ups SET lease_until = greatest(due_at, enqueued_at) WHERE state = 'ENQUEUED';

-- events.position: the outbox order, given by the (serialized) dispatcher as it finds
-- events committed. Every delivery's per-endpoint sequence follows it.
ALTER TABLE events ADD COLUMN position bigint;
CREATE UNIQUE INDEX events_position ON events (position) WHERE position IS NOT NULL;
CREATE TABLE outbox_cursor (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    last_position bigint NOT NULL
);
WITH ordered AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n FROM events WHERE dispatched_at IS NOT NULL
)
UPDATE events SET position = ordered.n FROM ordered WHERE events.id = ordered.id;
INSERT INTO outbox_cursor (last_position)
SELECT coalesce(max(position), 0) FROM events;

-- Per endpoint: the last sequence number given out, its health (HEALTHY, or PROBING
-- with the next probe at probe_at after probe_failures failed probes in a row), and
-- the lease of the one sender that may send for it (token and expiry).
ALTER TABLE webhook_endpoints
    ADD COLUMN last_sequence bigint NOT NULL DEFAULT 0,
    ADD COLUMN health text NOT NULL DEFAULT 'HEALTHY' CHECK (health IN ('HEALTHY', 'PROBING')),
    ADD COLUMN probe_at timestamptz,
    ADD COLUMN probe_failures integer NOT NULL DEFAULT 0,
    ADD COLUMN sender_token text,
    ADD COLUMN sender_lease_until timestamptz;

-- webhook_deliveries.sequence: the delivery's position in its endpoint's order,
-- 1, 2, 3, ... without gaps; sent as `webhook-sequence` and in the body.
ALTER TABLE webhook_deliveries ADD COLUMN sequence bigint;
WITH ordered AS (
    SELECT id, row_number() OVER (PARTITION BY endpoint_id ORDER BY event_id) AS n
    FROM webhook_deliveries
)
UPDATE webhook_deliveries d SET sequence = ordered.n FROM ordered WHERE d.id = ordered.id;
ALTER TABLE webhook_deliveries ALTER COLUMN sequence SET NOT NULL;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_sequence
    UNIQUE (endpoint_id, sequence);
UPDATE webhook_endpoints e SET last_sequence = coalesce(
    (SELECT max(sequence) FROM webhook_deliveries d WHERE d.endpoint_id = e.id), 0);
-- Endpoints that were failing go on as PROBING at their head delivery's next attempt.
UPDATE webhook_endpoints e SET health = 'PROBING', probe_failures = 1,
    probe_at = coalesce((SELECT min(next_attempt_at) FROM webhook_deliveries d
                         WHERE d.endpoint_id = e.id AND d.status = 'FAILED'), e.failing_since)
WHERE e.failing_since IS NOT NULL AND e.enabled;

-- the sender walks an endpoint's open deliveries in sequence order
DROP INDEX webhook_deliveries_open;
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (endpoint_id, sequence)
    WHERE status IN ('PENDING', 'FAILED');
