-- Each history row keeps the whole code its version wrote, so revoking an applied change can
-- restore the previous code exactly (a yellow's expiry, a red's infectious start).
ALTER TABLE code_history ADD COLUMN expires_at timestamptz, ADD COLUMN infectious_from timestamptz;
CREATE INDEX code_history_change ON code_history (change_id) WHERE change_id IS NOT NULL;
