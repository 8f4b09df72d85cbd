-- Work items: the unit of work that travels.

-- name: insert
INSERT INTO work_items (workspace_id, title, description, holder_id, created_at, updated_at)
VALUES (%(workspace_id)s, %(title)s, %(description)s, %(holder_id)s, %(now)s, %(now)s)
RETURNING *;

-- name: get
SELECT * FROM work_items WHERE workspace_id = %(workspace_id)s AND id = %(id)s;

-- name: get_for_update
SELECT * FROM work_items WHERE workspace_id = %(workspace_id)s AND id = %(id)s FOR UPDATE;

-- name: by_ids
SELECT * FROM work_items WHERE workspace_id = %(workspace_id)s AND id = ANY(%(ids)s);

-- name: by_ids_any_workspace
SELECT * FROM work_items WHERE id = ANY(%(ids)s);

-- name: page
SELECT * FROM work_items
WHERE workspace_id = %(workspace_id)s AND id > %(after_id)s
  AND (%(status)s::text IS NULL OR status = %(status)s)
  AND (%(holder_id)s::bigint IS NULL OR holder_id = %(holder_id)s)
ORDER BY id
LIMIT %(limit)s;

-- name: follow_handoff
-- A handoff's outcome moves its work item only while it is the item's latest handoff: an
-- older one, acknowledged and since passed on, must not pull the item back.
UPDATE work_items w SET status = %(status)s, holder_id = %(holder_id)s, updated_at = %(now)s
WHERE w.workspace_id = %(workspace_id)s AND w.id = %(id)s
  AND NOT EXISTS (
      SELECT 1 FROM handoffs h
      WHERE h.workspace_id = w.workspace_id AND h.work_item_id = w.id AND h.id > %(handoff_id)s
  )
RETURNING *;

-- name: count
SELECT count(*) FROM work_items
WHERE workspace_id = %(workspace_id)s
  AND (%(status)s::text IS NULL OR status = %(status)s)
  AND (%(holder_id)s::bigint IS NULL OR holder_id = %(holder_id)s);

-- name: by_ids_with_people
-- A page's work items and people in one statement (a round trip fewer than two): a row
-- is a person (its work item columns, prefixed w_, NULL) or a work item (`id` NULL).
SELECT p.id, p.workspace_id, p.name, p.handle, p.email, p.timezone, p.working_pattern,
       p.delivery_policy, p.created_at, p.updated_at, p.deactivated_at, p.erased_at,
       p.successor_id,
       NULL::bigint AS w_id, NULL::bigint AS w_workspace_id, NULL::text AS w_title,
       NULL::text AS w_description, NULL::text AS w_status, NULL::bigint AS w_holder_id,
       NULL::timestamptz AS w_created_at, NULL::timestamptz AS w_updated_at
FROM people p WHERE p.workspace_id = %(workspace_id)s AND p.id = ANY(%(people)s)
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       w.id, w.workspace_id, w.title, w.description, w.status, w.holder_id, w.created_at,
       w.updated_at
FROM work_items w WHERE w.workspace_id = %(workspace_id)s AND w.id = ANY(%(items)s);
