-- Workspaces (tenants).

-- name: upsert
INSERT INTO workspaces (name, reminders_before_escalation, created_at)
VALUES (%(name)s, %(reminders)s, %(now)s)
ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
RETURNING *;

-- name: get
SELECT * FROM workspaces WHERE id = %(workspace_id)s;

-- name: set_reminders
UPDATE workspaces SET reminders_before_escalation = %(reminders)s
WHERE id = %(workspace_id)s
RETURNING *;
