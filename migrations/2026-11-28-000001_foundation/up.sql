-- Foundation: shared helpers, generated secrets and the transactional email outbox.

-- Keeps updated_at honest without every UPDATE having to remember it.
CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Values the service generates once and every instance must share (for example the JWT
-- secret when JWT_SECRET is unset).
CREATE TABLE app_settings (
    key         text PRIMARY KEY,
    value       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Emails are written here in the same transaction as the change that causes them and
-- delivered by the worker, so a crash loses none and a rollback sends none.
CREATE TABLE email_outbox (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind             text NOT NULL,
    recipient        text NOT NULL,
    subject          text NOT NULL,
    body_text        text NOT NULL,
    body_html        text,
    -- Unique when present, so a reminder scanned twice is queued once.
    dedup_key        text UNIQUE,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    -- While status = 'sending': the claiming worker's lease; past it, another worker may reclaim.
    locked_until     timestamptz,
    last_error       text,
    sent_at          timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX email_outbox_leased_idx ON email_outbox (locked_until) WHERE status = 'sending';
CREATE INDEX email_outbox_status_created_idx ON email_outbox (status, created_at, id);

CREATE TRIGGER email_outbox_updated_at BEFORE UPDATE ON email_outbox
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
