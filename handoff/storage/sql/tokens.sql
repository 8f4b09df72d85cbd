-- API tokens, stored as SHA-256 hashes.

-- name: workspace_of
SELECT workspace_id FROM api_tokens WHERE token_hash = %(token_hash)s AND revoked_at IS NULL;

-- name: insert
INSERT INTO api_tokens (workspace_id, token_hash, label, created_at)
VALUES (%(workspace_id)s, %(token_hash)s, %(label)s, %(now)s);
