-- The cache sweep re-publishes the codes changed in the last minutes (a backstop for a process
-- that died between a code's commit and its cache write): it finds them by this index.
CREATE INDEX health_codes_updated_at ON health_codes (updated_at);
