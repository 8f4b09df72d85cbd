-- Person tokens act as one person; workspace tokens (person_id NULL) act for the workspace.
-- last_used_at is refreshed at most once a minute; expires_at is optional.
ALTER TABLE api_tokens
    ADD COLUMN person_id bigint,
    ADD COLUMN last_used_at timestamptz,
    ADD COLUMN expires_at timestamptz,
    ADD FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id)
        ON DELETE CASCADE;
CREATE INDEX api_tokens_person ON api_tokens (person_id) WHERE person_id IS NOT NULL;
CREATE INDEX api_tokens_workspace ON api_tokens (workspace_id, id);
