-- Exposures are evidence derived from pings (which carry no foreign keys either, for ingest speed)
-- and rewritten whole by every trace of a window: one row per (window, contact, source), ten
-- thousand and more per window. Their three foreign-key checks (a lookup and a row lock in users
-- and windows for every row) cost more than the insert itself: 224 ms against 88 ms for the
-- 10,851 exposures of the 2-million-ping bench window. The tracer takes every id from pings of
-- the window it has claimed, so the keys add no safety worth that.
ALTER TABLE exposures
  DROP CONSTRAINT exposures_contact_id_fkey,
  DROP CONSTRAINT exposures_source_id_fkey,
  DROP CONSTRAINT exposures_window_id_fkey;
