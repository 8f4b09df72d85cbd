-- API tokens, stored as SHA-256 hashes.

-- name: authenticate
-- The token's principal when it is live (not revoked, not expired, and a person token's
-- person not deactivated, however the token was made); last_used_at is refreshed in the
-- same statement, at most once a minute, so most requests only read.
WITH t AS (
    SELECT id, workspace_id, person_id, last_used_at FROM api_tokens a
    WHERE token_hash = %(token_hash)s AND revoked_at IS NULL
      AND (expires_at IS NULL OR expires_at > %(now)s)
      AND (person_id IS NULL OR EXISTS (
          SELECT 1 FROM people p WHERE p.id = a.person_id AND p.deactivated_at IS NULL))
), touched AS (
    UPDATE api_tokens SET last_used_at = %(now)s
    WHERE id IN (SELECT id FROM t
                 WHERE last_used_at IS NULL OR last_used_at < %(now)s - interval '1 minute')
)
SELECT id, workspace_id, person_id FROM t;

-- name: insert
INSERT INTO api_tokens (workspace_id, token_hash, label, created_at, person_id, expires_at,
                        made_by)
VALUES (%(workspace_id)s, %(token_hash)s, %(label)s, %(now)s, %(person_id)s, %(expires_at)s,
        %(made_by)s)
RETURNING id, workspace_id, person_id, label, created_at, last_used_at, expires_at, revoked_at,
          made_by;

-- name: list
SELECT id, workspace_id, person_id, label, created_at, last_used_at, expires_at, revoked_at,
       made_by
FROM api_tokens
WHERE workspace_id = %(workspace_id)s
  AND (%(person_id)s::bigint IS NULL OR person_id = %(person_id)s)
ORDER BY id;

-- name: get
SELECT id, workspace_id, person_id, label, created_at, last_used_at, expires_at, revoked_at,
       made_by
FROM api_tokens WHERE workspace_id = %(workspace_id)s AND id = %(id)s;

-- name: get_for_share
-- The token whose request makes another, locked: a revocation (which locks it FOR UPDATE
-- before it gathers the tokens made with it) waits for the new one, or is seen here.
SELECT id, workspace_id, person_id, label, created_at, last_used_at, expires_at, revoked_at,
       made_by
FROM api_tokens WHERE workspace_id = %(workspace_id)s AND id = %(id)s FOR SHARE;

-- name: lock
SELECT id FROM api_tokens WHERE workspace_id = %(workspace_id)s AND id = %(id)s FOR UPDATE;

-- name: live_for_person
-- How many tokens acting as a person still work.
SELECT count(*) AS n FROM api_tokens
WHERE workspace_id = %(workspace_id)s AND person_id = %(person_id)s AND revoked_at IS NULL
  AND (expires_at IS NULL OR expires_at > %(now)s);

-- name: revoke
-- The token and every token made with it, or with those, and so on (made_by).
WITH RECURSIVE tree AS (
    SELECT id FROM api_tokens WHERE workspace_id = %(workspace_id)s AND id = %(id)s
    UNION
    SELECT t.id FROM api_tokens t JOIN tree ON t.made_by = tree.id
), revoked AS (
    UPDATE api_tokens SET revoked_at = coalesce(revoked_at, %(now)s)
    WHERE id IN (SELECT id FROM tree)
    RETURNING id, workspace_id, person_id, label, created_at, last_used_at, expires_at,
              revoked_at, made_by
)
SELECT * FROM revoked WHERE id = %(id)s;

-- name: revoke_labelled
-- Revoke the live tokens of a workspace with this label (e.g. yesterday's sign-in links),
-- and the tokens made with them, as `revoke` does.
WITH RECURSIVE tree AS (
    SELECT id FROM api_tokens
    WHERE workspace_id = %(workspace_id)s AND label = %(label)s AND revoked_at IS NULL
    UNION
    SELECT t.id FROM api_tokens t JOIN tree ON t.made_by = tree.id
)
UPDATE api_tokens SET revoked_at = %(now)s
WHERE id IN (SELECT id FROM tree) AND revoked_at IS NULL;
