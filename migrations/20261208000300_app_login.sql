-- The apps log in as a login role of their own, a member of hc_app and nothing more (the migrate
-- step creates it from DATABASE_URL's user, libs/db/app-login.ts): RESET ROLE then gives a
-- session no other rights back. What remains is what every role gets by default: CREATE in the
-- schema (granted to PUBLIC before PostgreSQL 15, and kept by clusters upgraded since) would let
-- the apps run DDL. Revoked here; a schema owned by another role keeps its grants (a warning).
DO $$
BEGIN
  EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', current_schema());
END $$;
