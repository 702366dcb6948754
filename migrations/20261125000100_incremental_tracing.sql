-- Tracing through time (retro-trace, late pings): a window already traced is traced again for a
-- few pings or one person only, and the result merged into its evidence.

-- Pings stored after a window's trace had started, per window whose result they can change (their
-- own window, and the neighbouring one when they lie in an edge slot: a source reaches one slot
-- across a window edge). Ingest writes them in the commit that stores the pings; the batch's
-- late-ping pass of a traced window takes all of a window's rows at once and deletes them in the
-- transaction that merges their result. windows.late_pings stays true while rows are pending.
CREATE TABLE pending_late_pings (
  seq       bigint GENERATED ALWAYS AS IDENTITY,
  window_id bigint NOT NULL,
  user_id   bigint NOT NULL,
  ts        timestamptz NOT NULL,
  PRIMARY KEY (window_id, user_id, ts)
);

-- A retro-trace: a person set red with an infectious start in the past is traced as a source in
-- every window already traced since then, window by window. `next_window` moves on in the
-- transaction that merges a window's result, so a crashed job resumes where it stopped.
CREATE TABLE retro_traces (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id        bigint NOT NULL REFERENCES users (id),
  first_window   bigint NOT NULL,
  last_window    bigint NOT NULL,
  next_window    bigint NOT NULL,
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
  windows_traced integer NOT NULL DEFAULT 0,
  error          text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz,
  CHECK (first_window <= last_window)
);
CREATE INDEX retro_traces_pending ON retro_traces (id) WHERE status = 'pending';

-- Late pings marked before this migration have no rows above: those windows get one full trace
-- (claiming it clears the mark).
UPDATE windows SET generation = generation + 1, status = 'closing', updated_at = now()
WHERE status = 'done' AND late_pings;
