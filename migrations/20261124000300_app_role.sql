-- The apps connect as the schema owner but switch to `hc_app` on connect (libs/db: pool option
-- `-c role=hc_app`); migrations keep running as the owner. `hc_app` may read and write the
-- tables, but the record of what happened (admin_audit, code_history) is SELECT/INSERT only, so
-- a bug or an injected statement in an app cannot rewrite the audit trail. Tables created by
-- later migrations get the read/write grants by default; an append-only one must REVOKE them.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hc_app') THEN
    CREATE ROLE hc_app NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object THEN
  NULL; -- another database of the same server created it at the same moment
END $$;

-- The connecting user must be a member to `SET ROLE hc_app` (a superuser is anyway).
GRANT hc_app TO CURRENT_USER;

DO $$
DECLARE
  s text := quote_ident(current_schema());
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %s TO hc_app', s);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %s TO hc_app', s);
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %s TO hc_app', s);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %s GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO hc_app', s);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %s GRANT USAGE, SELECT ON SEQUENCES TO hc_app', s);
END $$;

REVOKE UPDATE, DELETE, TRUNCATE ON admin_audit, code_history FROM hc_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM hc_app;

-- Partitions are created and dropped by the apps (ingest on demand, batch's maintenance) but
-- owned by the schema owner: these two functions run with the owner's rights.
ALTER FUNCTION hc_ensure_ping_partition(date) SECURITY DEFINER SET search_path FROM CURRENT;

-- Drops one day partition of pings, and nothing else: the name must be a partition of pings.
CREATE FUNCTION hc_drop_ping_partition(part text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  IF part !~ '^pings_[0-9]{8}$' OR NOT EXISTS (
    SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'pings'::regclass AND c.relname = part
  ) THEN
    RETURN;
  END IF;
  EXECUTE format('DROP TABLE %I', part);
END $$;
REVOKE ALL ON FUNCTION hc_drop_ping_partition(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hc_drop_ping_partition(text) TO hc_app;
