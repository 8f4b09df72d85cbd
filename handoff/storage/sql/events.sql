-- name: event_insert
INSERT INTO events (workspace_id, type, handoff_id, person_id, payload, occurred_at, public_id)
VALUES (%(workspace_id)s, %(type)s, %(handoff_id)s, %(person_id)s, %(payload)s, %(occurred_at)s, %(public_id)s)
RETURNING id;

-- name: events_list
SELECT id, workspace_id, type, handoff_id, person_id, payload, occurred_at, public_id
FROM events
WHERE workspace_id = %(workspace_id)s AND id > %(after_id)s
  AND (%(type)s::text IS NULL OR type = %(type)s)
ORDER BY id
LIMIT %(limit)s;
