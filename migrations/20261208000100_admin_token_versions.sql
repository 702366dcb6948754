-- The version of an admin's session tokens: a token carries the version it was issued at, and
-- the account read every admin request makes refuses it once the version moved on. A password
-- reset or a disable moves it on, so the sessions opened before end at once, and enabling the
-- account again does not bring them back. Adding a column with a constant default rewrites no rows.
ALTER TABLE admins
  ADD COLUMN token_version bigint NOT NULL DEFAULT 0 CHECK (token_version >= 0);
