-- CITUS STEP: runs only where the citus extension is installed (a distributed deployment, see
-- docs/deployment.md "Distributed"); on a single Postgres server this migration does nothing.
--
-- Pings are distributed by their zone (the location key of the previous migration) and stay
-- partitioned by day inside every shard: the day partitions of pings are distributed with it,
-- created and dropped through the coordinator by hc_ensure_ping_partition / hc_drop_ping_partition
-- as on one server, so retention still drops whole partitions, on every worker.
--
-- Every other table stays local to the coordinator: they are small next to the pings, written in
-- transactions that must be atomic with each other (a code, its history and its audit row), and
-- read by the tracer after the pings' matching has run on the workers.
--
-- A unique key of a distributed table must hold its distribution column: the ping key becomes
-- (user_id, ts, zone). A retried batch carries the same cells, so it still stores nothing twice.
--
-- Citus opens its connections to the workers as the current role: the app role (which the apps
-- switch to) must be able to log in there; on the coordinator it still needs a password to.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
    RETURN;
  END IF;
  ALTER TABLE pings ALTER COLUMN zone SET NOT NULL;
  ALTER TABLE pings DROP CONSTRAINT pings_pkey;
  ALTER TABLE pings ADD PRIMARY KEY (user_id, ts, zone);
  PERFORM create_distributed_table('pings', 'zone');
  ALTER ROLE hc_app LOGIN;
END $$;
