-- Every query of exposures names the window first (a window's evidence, a request's evidence by
-- window and contact): the primary key (window_id, contact_id, source_id) answers them all. The
-- index by contact was never read, and every exposure row paid for it: the bench window writes
-- ten thousand of them in its trace.
DROP INDEX exposures_contact;
