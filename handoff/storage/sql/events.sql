-- The event outbox: what webhooks carry, written in the transaction of the change.

-- name: insert
INSERT INTO events (workspace_id, type, handoff_id, person_id, payload, occurred_at, public_id)
VALUES (%(workspace_id)s, %(type)s, %(handoff_id)s, %(person_id)s, %(payload)s, %(occurred_at)s,
        %(public_id)s)
RETURNING id;

-- name: insert_many
-- One json array parameter instead of arrays of json text: psycopg escapes text arrays in
-- Python, which dominated a 500-row batch.
INSERT INTO events (workspace_id, type, handoff_id, person_id, payload, occurred_at, public_id)
SELECT (e->>'ws')::bigint, e->>'type', (e->>'h')::bigint, (e->>'p')::bigint, e->'data',
       %(now)s, e->>'pub'
FROM jsonb_array_elements(%(rows)s::jsonb) AS e;

-- name: for_handoffs
-- A handoff's history: its events in the order they happened.
SELECT id, workspace_id, type, handoff_id, person_id, payload, occurred_at
FROM events
WHERE workspace_id = %(workspace_id)s AND handoff_id = ANY(%(ids)s)
ORDER BY handoff_id, id;

-- name: escalated_from
-- The members a team handoff was escalated away from (its history says who): routing it
-- again within the team must not hand it back to them.
SELECT DISTINCT (payload #>> '{escalation,from,id}') AS from_id FROM events
WHERE workspace_id = %(workspace_id)s AND handoff_id = %(handoff_id)s
  AND type = 'handoff.escalated' AND payload #>> '{escalation,to}' = 'team';
