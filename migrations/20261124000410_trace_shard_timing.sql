-- How long each shard took (the window's stats report the slowest and the sum), for operators.
ALTER TABLE trace_shards ADD COLUMN duration_ms integer;
