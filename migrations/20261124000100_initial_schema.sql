-- The whole data model of DESIGN §1. Hand-written; applied once by the migrate step.

-- Rows that record what happened (history, audit) are append-only.
CREATE FUNCTION hc_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TABLE users (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per person: the truth the Redis read model mirrors. `version` orders cache writes.
CREATE TABLE health_codes (
  user_id         bigint PRIMARY KEY REFERENCES users (id),
  color           text NOT NULL CHECK (color IN ('green', 'yellow', 'red')),
  reason          text NOT NULL,
  version         bigint NOT NULL CHECK (version > 0),
  updated_at      timestamptz NOT NULL,
  expires_at      timestamptz,
  infectious_from timestamptz,
  CHECK ((color = 'yellow') = (expires_at IS NOT NULL)),
  CHECK ((color = 'red') = (infectious_from IS NOT NULL))
);
CREATE INDEX health_codes_red ON health_codes (user_id, infectious_from) WHERE color = 'red';
CREATE INDEX health_codes_yellow_expiry ON health_codes (expires_at) WHERE color = 'yellow';

CREATE TABLE code_history (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id),
  from_color text CHECK (from_color IN ('green', 'yellow', 'red')),
  to_color   text NOT NULL CHECK (to_color IN ('green', 'yellow', 'red')),
  reason     text NOT NULL,
  actor      text NOT NULL,
  change_id  bigint,
  version    bigint NOT NULL,
  at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX code_history_user ON code_history (user_id, id);
CREATE TRIGGER code_history_append_only BEFORE UPDATE OR DELETE ON code_history
  FOR EACH ROW EXECUTE FUNCTION hc_forbid_change();

-- Only geohash cells are stored, never coordinates. Partitioned by day (UTC) so retention drops
-- whole partitions; a ping is identified by (user, ts), which makes retried batches harmless.
CREATE TABLE pings (
  user_id bigint NOT NULL,
  ts      timestamptz NOT NULL,
  cell    text NOT NULL,
  PRIMARY KEY (user_id, ts)
) PARTITION BY RANGE (ts);
-- Tracing looks up contacts by (cell, time range) around each source ping.
CREATE INDEX pings_cell_ts ON pings (cell, ts);

-- Creates the day partition holding `day` if it is missing; safe under concurrency. The check
-- after the lock reads pg_class with a fresh snapshot (to_regclass may answer from a stale cache).
CREATE FUNCTION hc_ensure_ping_partition(day date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  part text := 'pings_' || to_char(day, 'YYYYMMDD');
BEGIN
  IF to_regclass(part) IS NOT NULL THEN RETURN; END IF;
  PERFORM pg_advisory_xact_lock(hashtext('hc_ping_partitions'));
  IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relname = part AND n.nspname = current_schema()) THEN
    RETURN;
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF pings FOR VALUES FROM (%L) TO (%L)',
    part, (day::timestamp AT TIME ZONE 'UTC'), ((day + 1)::timestamp AT TIME ZONE 'UTC'));
END $$;

-- A tracing window (id = floor(epoch seconds / window length)) and its state.
-- `generation` is bumped for every (re)trace request; job ids carry it so that BullMQ's
-- de-duplication by id stops duplicate jobs without stopping a deliberate rerun.
CREATE TABLE windows (
  id         bigint PRIMARY KEY,
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL,
  status     text NOT NULL DEFAULT 'open'
             CHECK (status IN ('open', 'closing', 'processing', 'done', 'failed')),
  generation integer NOT NULL DEFAULT 0,
  late_pings boolean NOT NULL DEFAULT false,
  attempts   integer NOT NULL DEFAULT 0,
  stats      jsonb NOT NULL DEFAULT '{}',
  error      text,
  traced_at  timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX windows_not_done ON windows (id) WHERE status <> 'done';

-- Evidence: exposure of a contact to one source in one window.
CREATE TABLE exposures (
  window_id  bigint NOT NULL REFERENCES windows (id),
  contact_id bigint NOT NULL REFERENCES users (id),
  source_id  bigint NOT NULL REFERENCES users (id),
  seconds    integer NOT NULL CHECK (seconds > 0),
  slots      bigint[] NOT NULL,
  cells      text[] NOT NULL,
  PRIMARY KEY (window_id, contact_id, source_id)
);
CREATE INDEX exposures_contact ON exposures (contact_id, window_id);

CREATE TABLE code_changes (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id          bigint NOT NULL REFERENCES users (id),
  window_id        bigint NOT NULL REFERENCES windows (id),
  from_color       text NOT NULL CHECK (from_color IN ('green', 'yellow', 'red')),
  to_color         text NOT NULL CHECK (to_color IN ('green', 'yellow', 'red')),
  status           text NOT NULL
                   CHECK (status IN ('pending', 'applied', 'rejected', 'superseded', 'revoked')),
  auto             boolean NOT NULL,
  reason           text NOT NULL,
  exposure_seconds integer NOT NULL,
  expires_at       timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  decided_at       timestamptz,
  decided_by       text,
  note             text,
  UNIQUE (user_id, window_id, to_color)
);
CREATE INDEX code_changes_pending ON code_changes (created_at, id) WHERE status = 'pending';
CREATE INDEX code_changes_status ON code_changes (status, id);

CREATE TABLE admins (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username      text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin', 'reviewer')),
  disabled      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE admin_audit (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  admin_id    bigint REFERENCES admins (id),
  actor       text NOT NULL,
  action      text NOT NULL,
  target_type text NOT NULL,
  target_id   text NOT NULL,
  before      jsonb,
  after       jsonb,
  note        text,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX admin_audit_target ON admin_audit (target_type, target_id, id);
CREATE TRIGGER admin_audit_append_only BEFORE UPDATE OR DELETE ON admin_audit
  FOR EACH ROW EXECUTE FUNCTION hc_forbid_change();
