-- A window's trace fans out into shards: ranges of source cells (by geohash prefix) that any
-- batch worker picks up. The plan and each shard's partial evidence live in Postgres, keyed by
-- the window's generation, so a crashed or repeated shard job rewrites the same rows and the
-- window's combine step reads a complete, exact set.
CREATE TABLE trace_shards (
  window_id    bigint NOT NULL REFERENCES windows (id),
  generation   integer NOT NULL,
  shard        integer NOT NULL,
  cell_from    text NOT NULL,            -- inclusive
  cell_to      text NOT NULL,            -- exclusive
  source_pings integer NOT NULL,
  done         boolean NOT NULL DEFAULT false,
  pairs        integer,
  PRIMARY KEY (window_id, generation, shard)
);

-- One shard's partial (contact, source) evidence: the contact's co-located slots and cells.
CREATE TABLE trace_pairs (
  window_id  bigint NOT NULL,
  generation integer NOT NULL,
  shard      integer NOT NULL,
  contact_id bigint NOT NULL,
  source_id  bigint NOT NULL,
  slots      bigint[] NOT NULL,
  cells      text[] NOT NULL,
  PRIMARY KEY (window_id, generation, shard, contact_id, source_id),
  FOREIGN KEY (window_id, generation, shard) REFERENCES trace_shards ON DELETE CASCADE
);
