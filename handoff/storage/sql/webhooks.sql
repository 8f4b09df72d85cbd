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
    -- re-enabled, or pointed elsewhere: try at once, as a healthy endpoint with no failures
    -- behind it (the old address's must not count toward the new one's three days)
    failing_since = CASE WHEN (%(enabled)s IS TRUE AND NOT enabled)
                           OR (%(url)s::text IS NOT NULL AND %(url)s::text <> url)
                    THEN NULL ELSE failing_since END,
    health = CASE WHEN (%(enabled)s IS TRUE AND NOT enabled)
                    OR (%(url)s::text IS NOT NULL AND %(url)s::text <> url)
             THEN 'HEALTHY' ELSE health END,
    probe_failures = CASE WHEN (%(enabled)s IS TRUE AND NOT enabled)
                            OR (%(url)s::text IS NOT NULL AND %(url)s::text <> url)
                     THEN 0 ELSE probe_failures END,
    updated_at = %(now)s
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING *;

-- name: endpoint_rotate_secret
-- With an overlap, the secret being replaced signs too until then (the right-hand sides
-- read the row as it was); without one, it is gone at once. An overlap is not started
-- while an earlier one runs (no row): it would cut the earlier secret off before its time.
UPDATE webhook_endpoints SET
    secret = %(secret)s,
    previous_secret = CASE WHEN %(keep_until)s::timestamptz IS NULL THEN NULL ELSE secret END,
    previous_secret_until = %(keep_until)s::timestamptz,
    updated_at = %(now)s
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
  AND (%(keep_until)s::timestamptz IS NULL OR previous_secret_until IS NULL
       OR previous_secret_until <= %(now)s)
RETURNING *;

-- name: endpoint_delete
DELETE FROM webhook_endpoints WHERE workspace_id = %(workspace_id)s AND id = %(id)s RETURNING id;

-- name: endpoint_records
SELECT * FROM webhook_endpoint_records
WHERE endpoint_id = ANY(%(endpoint_ids)s) ORDER BY endpoint_id, id;

-- name: dispatch_lock
-- Dispatching is serialized (a transaction-level advisory lock): the order in which the
-- dispatcher finds events committed is the order every endpoint gets them in.
SELECT pg_advisory_xact_lock(%(namespace)s::int, 0);

-- name: dispatch_try_lock
SELECT pg_try_advisory_xact_lock(%(namespace)s::int, 0);

-- name: dispatch
-- Fan a batch of undispatched outbox events out to every endpoint subscribed to
-- their type that was enabled when they happened, in one statement, under dispatch_lock (taken by an earlier statement of
-- the transaction, so this statement's snapshot sees every dispatch before it). Each
-- event gets the next outbox position; each delivery the next sequence number of its
-- endpoint, in event order, without gaps.
WITH picked AS (
    SELECT id, workspace_id, type, occurred_at FROM events
    WHERE dispatched_at IS NULL
    ORDER BY id
    LIMIT %(limit)s
    FOR UPDATE
), batch AS (
    SELECT id, workspace_id, type, occurred_at, row_number() OVER (ORDER BY id) AS n FROM picked
), cur AS (
    UPDATE outbox_cursor SET last_position = last_position + (SELECT count(*) FROM batch)
    RETURNING last_position - (SELECT count(*) FROM batch) AS base
), pairs AS (
    SELECT b.id AS event_id, b.workspace_id, e.id AS endpoint_id,
           row_number() OVER (PARTITION BY e.id ORDER BY b.id) AS n
    FROM batch b
    -- an endpoint disabled after the event happened still gets it (held until re-enabled):
    -- being switched off between an event and its dispatch must not lose it
    JOIN webhook_endpoints e
      ON e.workspace_id = b.workspace_id AND b.type = ANY (e.event_types)
     AND (e.enabled OR b.occurred_at <= e.disabled_at)
), bump AS (
    UPDATE webhook_endpoints e SET last_sequence = e.last_sequence + c.n
    FROM (SELECT endpoint_id, max(n) AS n FROM pairs GROUP BY endpoint_id) c
    WHERE e.id = c.endpoint_id
    RETURNING e.id, e.last_sequence - c.n AS base
), ins AS (
    INSERT INTO webhook_deliveries
        (workspace_id, endpoint_id, event_id, sequence, status, next_attempt_at, created_at)
    SELECT p.workspace_id, p.endpoint_id, p.event_id, bump.base + p.n, 'PENDING', %(now)s, %(now)s
    FROM pairs p JOIN bump ON bump.id = p.endpoint_id
    ORDER BY p.endpoint_id, p.n
    RETURNING endpoint_id
), upd AS (
    UPDATE events ev SET dispatched_at = %(now)s, position = cur.base + b.n
    FROM batch b, cur WHERE ev.id = b.id
    RETURNING ev.id
)
SELECT (SELECT count(*) FROM upd) AS events,
       (SELECT count(*) FROM ins) AS deliveries,
       coalesce((SELECT array_agg(DISTINCT endpoint_id) FROM ins), '{}') AS endpoint_ids;

-- name: ping_insert
-- A `ping` to one endpoint, after every event dispatched before it (under dispatch_lock,
-- once the caller has dispatched what was waiting): the next outbox position and the
-- endpoint's next sequence number. A probing endpoint is probed now, as a redelivery
-- does: "is it fixed?" is answered at once, not at the next probe hours away.
WITH cur AS (
    UPDATE outbox_cursor SET last_position = last_position + 1 RETURNING last_position
), ev AS (
    INSERT INTO events (workspace_id, type, payload, occurred_at, public_id, dispatched_at,
                        position)
    SELECT %(workspace_id)s, 'ping', %(payload)s, %(now)s, %(public_id)s, %(now)s,
           cur.last_position
    FROM cur
    RETURNING id
), bump AS (
    UPDATE webhook_endpoints SET last_sequence = last_sequence + 1,
        probe_at = CASE WHEN health = 'PROBING' THEN least(probe_at, %(now)s) ELSE probe_at END
    WHERE id = %(endpoint_id)s AND workspace_id = %(workspace_id)s
    RETURNING last_sequence
)
INSERT INTO webhook_deliveries
    (workspace_id, endpoint_id, event_id, sequence, status, next_attempt_at, created_at)
SELECT %(workspace_id)s, %(endpoint_id)s, ev.id, bump.last_sequence, 'PENDING', %(now)s, %(now)s
FROM ev, bump
RETURNING id;

-- name: claim_senders
-- Lease a sender to every enabled endpoint with work due and no live sender: a healthy
-- endpoint with an open delivery, or a probing one whose probe is due. An expired lease
-- (its sender died, or its job was lost with Redis) is taken over. Rows another
-- transaction holds are left for the next tick.
WITH c AS (
    SELECT e.id, e.sender_token IS NOT NULL AS takeover
    FROM webhook_endpoints e
    WHERE e.enabled
      AND (e.sender_lease_until IS NULL OR e.sender_lease_until <= %(now)s)
      AND CASE WHEN e.health = 'PROBING' THEN e.probe_at <= %(now)s
               ELSE EXISTS (SELECT 1 FROM webhook_deliveries d
                            WHERE d.endpoint_id = e.id AND d.status IN ('PENDING', 'FAILED'))
          END
    ORDER BY e.id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE webhook_endpoints e SET
    sender_token = %(token)s || '.' || e.id,
    sender_lease_until = %(until)s
FROM c WHERE e.id = c.id
RETURNING e.id, e.sender_token, c.takeover;

-- name: sender_renew
-- The sender still holds its lease: extend it. No row = the lease was taken over.
UPDATE webhook_endpoints SET sender_lease_until = %(until)s
WHERE id = %(endpoint_id)s AND sender_token = %(token)s
RETURNING id;

-- name: sender_release
UPDATE webhook_endpoints SET sender_token = NULL, sender_lease_until = NULL
WHERE id = %(endpoint_id)s AND sender_token = %(token)s;

-- name: sender_endpoint
SELECT id, workspace_id, url, secret, previous_secret, previous_secret_until, enabled, health,
       probe_at, probe_failures, failing_since, updated_at
FROM webhook_endpoints WHERE id = %(id)s;

-- name: open_head
-- The first open deliveries of one endpoint, in sequence order, with their events.
WITH open AS (
    SELECT d.id, d.event_id, d.sequence, d.attempts, d.cycle_attempts
    FROM webhook_deliveries d
    WHERE d.endpoint_id = %(endpoint_id)s AND d.status IN ('PENDING', 'FAILED')
    ORDER BY d.sequence
    LIMIT %(limit)s
)
SELECT o.id, o.event_id, o.sequence, o.attempts, o.cycle_attempts,
       ev.type, ev.payload, ev.occurred_at, ev.public_id
FROM open o JOIN events ev ON ev.id = o.event_id
ORDER BY o.sequence;

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
-- The endpoint's health after a sender run's attempts (computed by webhooks.health), only
-- if nobody changed the endpoint since the sender read it (`seen`: its updated_at then): a
-- new URL or a re-enable starts afresh, and the old address's failures must not count.
UPDATE webhook_endpoints SET
    health = %(health)s,
    probe_at = %(probe_at)s,
    probe_failures = %(probe_failures)s,
    failing_since = %(failing_since)s
WHERE id = %(endpoint_id)s AND updated_at = %(seen)s
RETURNING id;

-- name: endpoint_auto_disable
WITH upd AS (
    UPDATE webhook_endpoints
    SET enabled = false, disabled_at = %(now)s, disabled_reason = %(reason)s, updated_at = %(now)s
    WHERE id = %(endpoint_id)s AND enabled AND updated_at = %(seen)s
    RETURNING id, workspace_id, failing_since
)
INSERT INTO webhook_endpoint_records
    (workspace_id, endpoint_id, type, occurred_at, reason, failing_since)
SELECT workspace_id, id, 'webhook.disabled', %(now)s, %(reason)s, failing_since FROM upd
RETURNING id;

-- name: endpoint_gauges
-- Per endpoint, for the metrics: state, open deliveries and the oldest one's age.
SELECT e.id, e.enabled, e.health,
       count(d.id) AS backlog,
       min(d.created_at) AS oldest
FROM webhook_endpoints e
LEFT JOIN webhook_deliveries d
  ON d.endpoint_id = e.id AND d.status IN ('PENDING', 'FAILED')
GROUP BY e.id
ORDER BY e.id;

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
-- Send it again now: a new retry cycle, the same webhook-id (the event's public id) and
-- the same sequence number (lower than the ones sent since, so a receiver can tell). A
-- probing endpoint is probed now.
WITH d AS (
    UPDATE webhook_deliveries SET
        status = 'PENDING', cycle_attempts = 0, next_attempt_at = %(now)s, completed_at = NULL
    WHERE workspace_id = %(workspace_id)s AND id = %(id)s
    RETURNING id, endpoint_id
), e AS (
    UPDATE webhook_endpoints SET probe_at = least(probe_at, %(now)s)
    WHERE id = (SELECT endpoint_id FROM d) AND health = 'PROBING'
)
SELECT id FROM d;

-- name: attempts_for
SELECT * FROM webhook_attempts WHERE delivery_id = ANY(%(delivery_ids)s) ORDER BY delivery_id, number;

-- name: try_lock_endpoint
-- One sender per endpoint at a time: a session advisory lock (namespace, endpoint id).
SELECT pg_try_advisory_lock(%(namespace)s::int, %(endpoint_id)s::int);

-- name: unlock_endpoint
SELECT pg_advisory_unlock(%(namespace)s::int, %(endpoint_id)s::int);
