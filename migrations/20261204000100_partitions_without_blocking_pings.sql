-- Day partitions created without blocking the readers and writers of pings.
--
-- CREATE TABLE ... PARTITION OF takes ACCESS EXCLUSIVE on pings. Waiting for it behind any open
-- transaction that has read pings, it queues every later reader and writer behind itself. A trace
-- holds such a transaction while it waits for its other transaction, which reads pings too: that
-- wait goes through the app, so Postgres sees no deadlock, and the trace, the traces after it and
-- ingest all waited forever (seen once in CI: every window of the test stuck in `processing`).
-- So a new partition is created on its own and then attached: ATTACH PARTITION takes only SHARE
-- UPDATE EXCLUSIVE on pings, which neither reads nor writes conflict with; it creates the
-- partition's indexes and checks its (empty) rows.
CREATE OR REPLACE FUNCTION hc_ensure_ping_partition(day date) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
-- Never an endless wait (a manual VACUUM of pings holds the same lock): the caller fails and retries.
SET lock_timeout = '5s' AS $$
DECLARE
  part text := 'pings_' || to_char(day, 'YYYYMMDD');
BEGIN
  IF to_regclass(part) IS NOT NULL THEN RETURN; END IF;
  PERFORM pg_advisory_xact_lock(hashtext('hc_ping_partitions'));
  -- Checked again after the lock, reading pg_class with a fresh snapshot (to_regclass may answer
  -- from a stale cache).
  IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relname = part AND n.nspname = current_schema()) THEN
    RETURN;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE pings INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)', part);
  EXECUTE format('ALTER TABLE pings ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
    part, (day::timestamp AT TIME ZONE 'UTC'), ((day + 1)::timestamp AT TIME ZONE 'UTC'));
END $$;

-- Dropping a partition still takes ACCESS EXCLUSIVE on pings (DETACH ... CONCURRENTLY cannot run
-- in a function). Behind an open reader it would block everyone the same way: it gives up after
-- a second instead, and the batch's maintenance tries again on its next run.
ALTER FUNCTION hc_drop_ping_partition(text) SET lock_timeout = '1s';
