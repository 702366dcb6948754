-- The accuracy a phone reported with its position, in whole metres (at most 10: MAX_ACCURACY_METERS
-- of libs/geo). The contact rule grows the position's area by it. NULL: none reported. Adding a
-- nullable column rewrites no partition.
ALTER TABLE pings ADD COLUMN pos_acc smallint;
