-- Webhook endpoints, deliveries and attempts. Every API-facing query is scoped by
-- workspace_id; the worker's queries are keyed by endpoint id.

-- name: endpoint_insert
INSERT INTO webhook_endpoints
    (workspace_id, url, description, event_types, secret, created_at, updated_at)
VALUES (%(workspace_id)s, %(url)s, %(description)s, %(event_types)s, %(secret)s, %(now)s, %(now)s)
RETURNING *;

-- name: endpoint_list
SELECT * FROM webhook_endpoints WHERE workspace_id = %(workspace_id)s ORDER BY id;

-- name: endpoint_get
SELECT * FROM webhook_endpoints WHERE workspace_id = %(workspace_id)s AND id = %(id)s;

-- name: endpoint_update
UPDATE webhook_endpoints SET
    url = coalesce(%(url)s, url),
    description = coalesce(%(description)s, description),
    event_types = coalesce(%(event_types)s, event_types),
    enabled = coalesce(%(enabled)s, enabled),
    disabled_at = CASE
        WHEN %(enabled)s IS TRUE THEN NULL
        WHEN %(enabled)s IS FALSE AND enabled THEN %(now)s
        ELSE disabled_at END,
    disabled_reason = CASE
        WHEN %(enabled)s IS TRUE THEN NULL
        WHEN %(enabled)s IS FALSE AND enabled THEN 'disabled through the API'
        ELSE disabled_reason END,
    failing_since = CASE WHEN %(enabled)s IS TRUE AND NOT enabled THEN NULL ELSE failing_since END,
    updated_at = %(now)s
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING *;

-- name: endpoint_rotate_secret
UPDATE webhook_endpoints SET secret = %(secret)s, updated_at = %(now)s
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING *;

-- name: endpoint_delete
DELETE FROM webhook_endpoints WHERE workspace_id = %(workspace_id)s AND id = %(id)s RETURNING id;

-- name: endpoint_records
SELECT * FROM webhook_endpoint_records
WHERE endpoint_id = ANY(%(endpoint_ids)s) ORDER BY endpoint_id, id;

-- name: ping_insert
WITH ev AS (
    INSERT INTO events (workspace_id, type, payload, occurred_at, public_id, dispatched_at)
    VALUES (%(workspace_id)s, 'ping', %(payload)s, %(now)s, %(public_id)s, %(now)s)
    RETURNING id
)
INSERT INTO webhook_deliveries
    (workspace_id, endpoint_id, event_id, status, next_attempt_at, created_at)
SELECT %(workspace_id)s, %(endpoint_id)s, ev.id, 'PENDING', %(now)s, %(now)s FROM ev
RETURNING id;

-- name: dispatch
-- Fan a batch of undispatched outbox events out to every enabled endpoint subscribed to
-- their type, and mark them dispatched, in one statement (one transaction).
WITH batch AS (
    SELECT id, workspace_id, type FROM events
    WHERE dispatched_at IS NULL
    ORDER BY id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), ins AS (
    INSERT INTO webhook_deliveries
        (workspace_id, endpoint_id, event_id, status, next_attempt_at, created_at)
    SELECT b.workspace_id, e.id, b.id, 'PENDING', %(now)s, %(now)s
    FROM batch b
    JOIN webhook_endpoints e
      ON e.workspace_id = b.workspace_id AND e.enabled AND b.type = ANY (e.event_types)
    ORDER BY b.id, e.id
    ON CONFLICT (endpoint_id, event_id) DO NOTHING
    RETURNING endpoint_id
), upd AS (
    UPDATE events SET dispatched_at = %(now)s WHERE id IN (SELECT id FROM batch) RETURNING id
)
SELECT (SELECT count(*) FROM upd) AS events,
       (SELECT count(*) FROM ins) AS deliveries,
       coalesce((SELECT array_agg(DISTINCT endpoint_id) FROM ins), '{}') AS endpoint_ids;

-- name: due_endpoints
-- Enabled endpoints whose first open delivery (in event order) is due: later ones wait
-- behind it, so an endpoint holding a retry is not woken up for them.
SELECT e.id FROM webhook_endpoints e
WHERE e.enabled AND (
    SELECT d.next_attempt_at FROM webhook_deliveries d
    WHERE d.endpoint_id = e.id AND d.status IN ('PENDING', 'FAILED')
    ORDER BY d.event_id LIMIT 1
) <= %(now)s
ORDER BY e.id
LIMIT %(limit)s;

-- name: sender_endpoint
SELECT id, workspace_id, url, secret, enabled, failing_since FROM webhook_endpoints WHERE id = %(id)s;

-- name: due_batch
-- The leading run of due open deliveries of one endpoint, in event order; stops before
-- the first open delivery that is not due yet (it holds the ones after it).
WITH open AS (
    SELECT d.id, d.event_id, d.next_attempt_at, d.attempts, d.cycle_attempts
    FROM webhook_deliveries d
    WHERE d.endpoint_id = %(endpoint_id)s AND d.status IN ('PENDING', 'FAILED')
    ORDER BY d.event_id
    LIMIT %(limit)s
)
SELECT o.id, o.event_id, o.attempts, o.cycle_attempts,
       ev.type, ev.payload, ev.occurred_at, ev.public_id
FROM open o JOIN events ev ON ev.id = o.event_id
WHERE o.event_id < coalesce(
    (SELECT min(event_id) FROM open WHERE next_attempt_at > %(now)s), 9223372036854775807)
ORDER BY o.event_id;

-- name: record_attempts
-- Record a batch of attempts: update each delivery and append its attempt row.
WITH r AS (
    SELECT * FROM unnest(
        %(ids)s::bigint[], %(statuses)s::text[], %(next_at)s::timestamptz[],
        %(at)s::timestamptz[], %(outcomes)s::text[], %(codes)s::integer[],
        %(latencies)s::integer[], %(excerpts)s::text[], %(errors)s::text[]
    ) AS r (id, status, next_at, at, outcome, code, latency, excerpt, error)
), upd AS (
    UPDATE webhook_deliveries d SET
        status = r.status,
        attempts = d.attempts + 1,
        cycle_attempts = d.cycle_attempts + 1,
        next_attempt_at = r.next_at,
        last_attempt_at = r.at,
        last_status_code = r.code,
        last_error = r.error,
        completed_at = CASE WHEN r.status IN ('SUCCEEDED', 'DEAD') THEN r.at END
    FROM r WHERE d.id = r.id
    RETURNING d.id, d.attempts
)
INSERT INTO webhook_attempts
    (delivery_id, number, attempted_at, outcome, status_code, latency_ms, response_excerpt, error)
SELECT upd.id, upd.attempts, r.at, r.outcome, r.code, r.latency, r.excerpt, r.error
FROM upd JOIN r ON r.id = upd.id;

-- name: endpoint_health
UPDATE webhook_endpoints SET failing_since = CASE
        WHEN %(failed_at)s::timestamptz IS NULL THEN NULL
        WHEN %(succeeded)s THEN %(failed_at)s::timestamptz
        ELSE coalesce(failing_since, %(failed_at)s::timestamptz) END
WHERE id = %(endpoint_id)s
RETURNING failing_since, enabled;

-- name: endpoint_auto_disable
WITH upd AS (
    UPDATE webhook_endpoints
    SET enabled = false, disabled_at = %(now)s, disabled_reason = %(reason)s, updated_at = %(now)s
    WHERE id = %(endpoint_id)s AND enabled
    RETURNING id, workspace_id, failing_since
)
INSERT INTO webhook_endpoint_records
    (workspace_id, endpoint_id, type, occurred_at, reason, failing_since)
SELECT workspace_id, id, 'webhook.disabled', %(now)s, %(reason)s, failing_since FROM upd
RETURNING id;

-- name: delivery_list
SELECT d.*, ev.type AS event_type, ev.public_id AS message_id, ev.occurred_at AS event_occurred_at
FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id
WHERE d.workspace_id = %(workspace_id)s AND d.endpoint_id = %(endpoint_id)s
  AND (%(status)s::text IS NULL OR d.status = %(status)s)
  AND (%(before)s::bigint IS NULL OR d.id < %(before)s)
ORDER BY d.id DESC
LIMIT %(limit)s;

-- name: delivery_get
SELECT d.*, ev.type AS event_type, ev.public_id AS message_id, ev.occurred_at AS event_occurred_at
FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id
WHERE d.workspace_id = %(workspace_id)s AND d.id = %(id)s;

-- name: delivery_redeliver
-- Start a new retry cycle now; the webhook-id (the event's public id) stays the same.
UPDATE webhook_deliveries SET
    status = 'PENDING', cycle_attempts = 0, next_attempt_at = %(now)s, completed_at = NULL
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING id;

-- name: attempts_for
SELECT * FROM webhook_attempts WHERE delivery_id = ANY(%(delivery_ids)s) ORDER BY delivery_id, number;

-- name: try_lock_endpoint
-- One sender per endpoint at a time: a session advisory lock (namespace, endpoint id).
SELECT pg_try_advisory_lock(%(namespace)s::int, %(endpoint_id)s::int);

-- name: unlock_endpoint
SELECT pg_advisory_unlock(%(namespace)s::int, %(endpoint_id)s::int);
