-- What /readyz asks of the database.

-- name: ping
SELECT 1;

-- name: migrations_table_exists
SELECT to_regclass('schema_migrations') IS NOT NULL;

-- name: applied_migrations
SELECT version FROM schema_migrations;
