-- name: work_item_insert
INSERT INTO work_items (workspace_id, title, description, holder_id, created_at, updated_at)
VALUES (%(workspace_id)s, %(title)s, %(description)s, %(holder_id)s, %(now)s, %(now)s)
RETURNING *;

-- name: work_item_get
SELECT * FROM work_items WHERE workspace_id = %(workspace_id)s AND id = %(id)s;

-- name: work_item_get_for_update
SELECT * FROM work_items WHERE workspace_id = %(workspace_id)s AND id = %(id)s FOR UPDATE;

-- name: work_items_by_ids
SELECT * FROM work_items WHERE workspace_id = %(workspace_id)s AND id = ANY(%(ids)s);

-- name: work_items_page
SELECT * FROM work_items
WHERE workspace_id = %(workspace_id)s AND id > %(after_id)s
  AND (%(status)s::text IS NULL OR status = %(status)s)
  AND (%(holder_id)s::bigint IS NULL OR holder_id = %(holder_id)s)
ORDER BY id
LIMIT %(limit)s;

-- name: work_item_set_state
UPDATE work_items SET status = %(status)s, holder_id = %(holder_id)s, updated_at = %(now)s
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING *;
