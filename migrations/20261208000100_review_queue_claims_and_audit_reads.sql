-- The officials' console: claims on pending requests, and the indexes its lists read.
--
-- A claim is who works a pending request and until when; an expired claim is as good as none, so
-- nothing has to clear it. Nullable columns without a default rewrite no rows.
ALTER TABLE code_changes
  ADD COLUMN claimed_by text,
  ADD COLUMN claim_expires_at timestamptz;

-- The review queue (pending requests, up to hundreds of thousands in an outbreak) is paged in
-- the order a reviewer chose: oldest first is the primary key's order, exposure and window need
-- their own. Partial, so the requests tracing stores applied (the many) pay nothing for them.
CREATE INDEX code_changes_pending_exposure ON code_changes (exposure_seconds, id) WHERE status = 'pending';
CREATE INDEX code_changes_pending_window ON code_changes (window_id, id) WHERE status = 'pending';
-- A reviewer's own claims (to release them); a decided request leaves the index.
CREATE INDEX code_changes_pending_claims ON code_changes (claimed_by) WHERE status = 'pending' AND claimed_by IS NOT NULL;
-- Requests decided by one official (not the millions tracing applies: `tracing`).
CREATE INDEX code_changes_decided_by_admin ON code_changes (decided_by, id) WHERE decided_by LIKE 'admin:%';

-- The audit trail is read newest first, filtered by actor, action or time (a person: the
-- target index). Reads of personal data are audited too, so the trail grows with every look.
CREATE INDEX admin_audit_actor ON admin_audit (actor, id);
CREATE INDEX admin_audit_action ON admin_audit (action, id);
CREATE INDEX admin_audit_at ON admin_audit (at);
