-- made_by: the token whose request made this one (null when the CLI or the seed made it,
-- or it was made before this migration). Revoking a token revokes the tokens it made,
-- and theirs: a leaked token cannot leave children behind that outlive it.
ALTER TABLE api_tokens ADD COLUMN made_by bigint REFERENCES api_tokens (id) ON DELETE SET NULL;
CREATE INDEX api_tokens_made_by ON api_tokens (made_by) WHERE made_by IS NOT NULL;
