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
