-- The audit trail: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE), each row
-- carrying the hash of the previous row and of its own content, so any edit made behind the
-- trigger's back breaks the chain and `poc-lms audit-verify` finds it.

CREATE TABLE audit_log (
    seq          bigserial PRIMARY KEY,
    id           uuid NOT NULL UNIQUE,
    occurred_at  timestamptz NOT NULL,
    actor_id     uuid,
    action       text NOT NULL,
    entity_type  text NOT NULL,
    entity_id    uuid,
    summary      jsonb NOT NULL DEFAULT '{}',
    prev_hash    text NOT NULL,
    hash         text NOT NULL
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, seq);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, seq);
CREATE INDEX audit_log_time_idx ON audit_log (occurred_at, seq);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
