-- What live updates (GraphQL subscriptions) read: the outbox by position, and the few
-- rows a subscription starts from. Positions are given by the dispatcher
-- (webhooks.sql: dispatch) after commit, so reading by position never skips an event
-- that committed late with a lower id.

-- name: listen_events
LISTEN handoff_events;

-- name: listen_outbox
LISTEN handoff_outbox;

-- name: try_lead
-- The API process whose LISTEN session holds this lock runs the dispatcher when woken
-- (one per database, not one per process); it is released with the session.
SELECT pg_try_advisory_lock(%(namespace)s::int, 1);

-- name: last_position
SELECT last_position FROM outbox_cursor;

-- name: after_position
-- Every workspace's events after an outbox position, in outbox order (pings are one
-- endpoint's business). For a reassignment, who held the handoff before it (the
-- receiver of its previous event).
SELECT e.position, e.workspace_id, e.type, e.handoff_id, e.person_id, e.payload,
       e.occurred_at, e.public_id,
       CASE WHEN e.type = 'handoff.reassigned' THEN (
           SELECT p.payload -> 'receiver' ->> 'id' FROM events p
           WHERE p.handoff_id = e.handoff_id AND p.id < e.id
           ORDER BY p.id DESC LIMIT 1)
       END AS previous_receiver
FROM events e
WHERE e.position > %(after)s AND e.type <> 'ping'
ORDER BY e.position
LIMIT %(limit)s;

-- name: replay
-- One workspace's events in (after, upto], in outbox order, optionally only some types
-- or those that may concern one handoff (its own events and digests).
SELECT e.position, e.workspace_id, e.type, e.handoff_id, e.person_id, e.payload,
       e.occurred_at, e.public_id,
       CASE WHEN e.type = 'handoff.reassigned' THEN (
           SELECT p.payload -> 'receiver' ->> 'id' FROM events p
           WHERE p.handoff_id = e.handoff_id AND p.id < e.id
           ORDER BY p.id DESC LIMIT 1)
       END AS previous_receiver
FROM events e
WHERE e.workspace_id = %(workspace_id)s
  AND e.position > %(after)s AND e.position <= %(upto)s
  AND e.type <> 'ping'
  AND (%(types)s::text[] IS NULL OR e.type = ANY(%(types)s::text[]))
  AND (%(handoff_id)s::bigint IS NULL OR e.handoff_id = %(handoff_id)s
       OR e.type = 'digest.delivered')
ORDER BY e.position
LIMIT %(limit)s;

-- name: dispatched_at
-- When the event at an outbox position was dispatched (position 0: the first event's).
SELECT dispatched_at FROM events WHERE position = greatest(%(position)s::bigint, 1);

-- name: inbox_ids
-- A receiver's inbox as a subscription starts from it (optionally only one sender's).
SELECT h.id, i.delivered_at FROM handoff_inbox i
JOIN handoffs h ON h.id = i.handoff_id
WHERE i.receiver_id = %(receiver_id)s AND h.workspace_id = %(workspace_id)s
  AND (%(sender_id)s::bigint IS NULL OR h.sender_id = %(sender_id)s)
ORDER BY i.delivered_at, i.handoff_id;

-- name: live_tokens
-- Which of these tokens still work (not revoked, not expired, the person still active):
-- the same rule as tokens.authenticate.
SELECT id FROM api_tokens a
WHERE id = ANY(%(ids)s::bigint[]) AND revoked_at IS NULL
  AND (expires_at IS NULL OR expires_at > %(now)s)
  AND (person_id IS NULL OR EXISTS (
      SELECT 1 FROM people p WHERE p.id = a.person_id AND p.deactivated_at IS NULL));

-- name: token_expiry
SELECT expires_at FROM api_tokens WHERE id = %(id)s;

-- name: parties_at
-- Whom a handoff's last event at or before an outbox position named as its sender and
-- receiver: whose it was at a cursor a subscription resumes from.
SELECT payload #>> '{sender,id}' AS sender, payload #>> '{receiver,id}' AS receiver
FROM events
WHERE workspace_id = %(workspace_id)s AND handoff_id = %(handoff_id)s
  AND position IS NOT NULL AND position <= %(position)s
ORDER BY position DESC
LIMIT 1;
