-- Tracing now inserts its automatic requests already applied, in the transaction that writes the
-- codes, so an automatic request left pending is rare: one a later pass raised from review to
-- automatic, or one an older version left after a crash. The tracer looks for them in every
-- trace; this index, empty most of the time, finds them without reading the window's requests.
CREATE INDEX code_changes_pending_auto ON code_changes (window_id) WHERE status = 'pending' AND auto;
