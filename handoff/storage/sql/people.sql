-- People: who they are, their working pattern and delivery policy (the engine's dicts).
-- updated_at moves forward on every change, even under a frozen test clock: parsed
-- patterns are cached by (id, updated_at).

-- name: insert
INSERT INTO people (workspace_id, name, handle, email, timezone, working_pattern, delivery_policy,
                    created_at, updated_at)
VALUES (%(workspace_id)s, %(name)s, %(handle)s, %(email)s, %(timezone)s, %(working_pattern)s,
        %(delivery_policy)s, %(now)s, %(now)s)
ON CONFLICT (workspace_id, handle) DO NOTHING
RETURNING *;

-- name: get
SELECT * FROM people WHERE workspace_id = %(workspace_id)s AND id = %(id)s;

-- name: get_for_update
SELECT * FROM people WHERE workspace_id = %(workspace_id)s AND id = %(id)s FOR UPDATE;

-- name: get_for_share
-- A person a handoff is being routed to: their deactivation, time off or new delegation
-- (each FOR UPDATE) waits for the handoff, then sees it; or it reads them as they left it.
SELECT * FROM people WHERE workspace_id = %(workspace_id)s AND id = %(id)s FOR SHARE;

-- name: by_ids
SELECT * FROM people WHERE workspace_id = %(workspace_id)s AND id = ANY(%(ids)s);

-- name: by_ids_any_workspace
-- For the worker, whose rows already name their people.
SELECT * FROM people WHERE id = ANY(%(ids)s);

-- name: page
SELECT * FROM people
WHERE workspace_id = %(workspace_id)s AND id > %(after_id)s
ORDER BY id
LIMIT %(limit)s;

-- name: count
SELECT count(*) FROM people WHERE workspace_id = %(workspace_id)s;

-- name: update
UPDATE people SET
    name = coalesce(%(name)s, name),
    handle = coalesce(%(handle)s, handle),
    email = CASE WHEN %(set_email)s THEN %(email)s ELSE email END,
    updated_at = greatest(%(now)s, updated_at + interval '1 microsecond')
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING *;

-- name: set_pattern
UPDATE people SET working_pattern = %(working_pattern)s, timezone = %(timezone)s,
    updated_at = greatest(%(now)s, updated_at + interval '1 microsecond')
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING *;

-- name: set_policy
UPDATE people SET delivery_policy = %(delivery_policy)s,
    updated_at = greatest(%(now)s, updated_at + interval '1 microsecond')
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING *;

-- name: by_handle
SELECT * FROM people WHERE workspace_id = %(workspace_id)s AND handle = %(handle)s;
