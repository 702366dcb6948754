-- The location key of each ping: the first ZONE_LENGTH (4) characters of its cell (libs/geo), written
-- by every writer of pings. On a Citus cluster the pings are distributed by it (the next
-- migration), so the contacts around a ping live on the node that holds its zone. NULL on pings
-- stored before this migration on a single server, where nothing reads it; adding a nullable
-- column rewrites no partition.
ALTER TABLE pings ADD COLUMN zone text;
