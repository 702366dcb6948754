-- Requests are written only by the tracer, ten thousand and more per window, with the user ids of
-- pings of the window it has claimed (each with a code, whose row references users) and that
-- window's id; history rows only by the code writer, next to the update of the person's code row
-- (which references users); users and windows are never deleted. Their foreign-key checks (a
-- lookup and a row lock in users or windows for every row) cost as much as the rows themselves,
-- as the exposures' did (20261126000100): on the 2-million-ping bench window, 83 ms of the 163 ms
-- insert of its 10,196 requests and 16 ms of the 36 ms insert of its 3,419 history rows.
ALTER TABLE code_changes
  DROP CONSTRAINT code_changes_user_id_fkey,
  DROP CONSTRAINT code_changes_window_id_fkey;
ALTER TABLE code_history DROP CONSTRAINT code_history_user_id_fkey;
