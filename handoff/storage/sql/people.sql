-- name: person_insert
INSERT INTO people (workspace_id, name, handle, email, timezone, working_pattern, delivery_policy,
                    created_at, updated_at)
VALUES (%(workspace_id)s, %(name)s, %(handle)s, %(email)s, %(timezone)s, %(working_pattern)s,
        %(delivery_policy)s, %(now)s, %(now)s)
ON CONFLICT (workspace_id, handle) DO NOTHING
RETURNING *;

-- name: person_get
SELECT * FROM people WHERE workspace_id = %(workspace_id)s AND id = %(id)s;

-- name: person_get_for_update
SELECT * FROM people WHERE workspace_id = %(workspace_id)s AND id = %(id)s FOR UPDATE;

-- name: people_by_ids
SELECT * FROM people WHERE workspace_id = %(workspace_id)s AND id = ANY(%(ids)s);

-- name: people_page
SELECT * FROM people
WHERE workspace_id = %(workspace_id)s AND id > %(after_id)s
ORDER BY id
LIMIT %(limit)s;

-- name: person_update
UPDATE people SET
    name = coalesce(%(name)s, name),
    handle = coalesce(%(handle)s, handle),
    email = CASE WHEN %(set_email)s THEN %(email)s ELSE email END,
    updated_at = %(now)s
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING *;

-- name: person_handle_taken
SELECT EXISTS (
    SELECT 1 FROM people
    WHERE workspace_id = %(workspace_id)s AND handle = %(handle)s AND id <> %(id)s
) AS taken;

-- name: person_set_pattern
UPDATE people SET working_pattern = %(working_pattern)s, timezone = %(timezone)s, updated_at = %(now)s
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING *;

-- name: person_set_policy
UPDATE people SET delivery_policy = %(delivery_policy)s, updated_at = %(now)s
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING *;
