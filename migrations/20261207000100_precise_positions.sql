-- Positions finer than the index cell, and how close a contact came.
--
-- A ping keeps the position its phone reported, to about a metre at most: a geohash of up to 10
-- characters, stored as its centre (1e-7 degrees) and length beside the index cell. NULL means
-- the cell says all that is known (a phone that sent a geohash of the cell's length, and every
-- ping stored before this migration): the contact rule then takes the cell's rectangle, which can
-- only widen a contact. Adding nullable columns rewrites no partition.
ALTER TABLE pings
  ADD COLUMN pos_lat integer,
  ADD COLUMN pos_lon integer,
  ADD COLUMN pos_len smallint CHECK (pos_len BETWEEN 1 AND 12);

-- The closest pings of a (contact, source) pair, what a reviewer reads as "4 m, 2 min apart".
-- NULL on evidence traced before this migration and once the window's pings passed retention.
ALTER TABLE trace_pairs
  ADD COLUMN meters real,
  ADD COLUMN seconds_apart integer;
ALTER TABLE exposures
  ADD COLUMN meters real,
  ADD COLUMN seconds_apart integer;
