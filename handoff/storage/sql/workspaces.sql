-- name: workspace_upsert
INSERT INTO workspaces (name, reminders_before_escalation, created_at)
VALUES (%(name)s, %(reminders)s, %(now)s)
ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
RETURNING *;

-- name: workspace_get
SELECT * FROM workspaces WHERE id = %(workspace_id)s;


-- name: token_workspace
SELECT workspace_id FROM api_tokens WHERE token_hash = %(token_hash)s AND revoked_at IS NULL;

-- name: token_insert
INSERT INTO api_tokens (workspace_id, token_hash, label, created_at)
VALUES (%(workspace_id)s, %(token_hash)s, %(label)s, %(now)s);

-- name: workspace_set_reminders
UPDATE workspaces SET reminders_before_escalation = %(reminders)s
WHERE id = %(workspace_id)s
RETURNING *;
