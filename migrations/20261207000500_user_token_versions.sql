-- The version of a person's phone tokens: a token carries the version it was issued at and is
-- refused once the version moved on, so one person's tokens can be revoked without changing the
-- signing key. It sits beside the code because the Redis read model mirrors this row: every
-- path that fills the cache (a read's miss, a write-through, the rebuild) carries it along.
-- Adding a column with a constant default rewrites no rows.
ALTER TABLE health_codes
  ADD COLUMN token_version bigint NOT NULL DEFAULT 0 CHECK (token_version >= 0);
