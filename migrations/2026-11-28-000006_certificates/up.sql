-- Certificates: issued once per completed enrolment, never deleted (revoked instead). Their
-- status (valid, expired, revoked, superseded) is derived, not stored.

CREATE TABLE certificates (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Short, typeable, at least 60 random bits: POC-XXXX-XXXX-XXXX in Crockford base 32.
    code               text NOT NULL UNIQUE,
    enrolment_id       uuid NOT NULL UNIQUE REFERENCES enrolments (id),
    user_id            uuid NOT NULL REFERENCES users (id),
    course_id          uuid NOT NULL REFERENCES courses (id),
    course_revision    integer NOT NULL,
    cohort_id          uuid REFERENCES cohorts (id),
    -- As they were at issue: a certificate states the name it was issued to.
    holder_name        text NOT NULL,
    course_title       text NOT NULL,
    issued_at          timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz,
    revoked_at         timestamptz,
    revocation_reason  text,
    revoked_by         uuid REFERENCES users (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
);
CREATE INDEX certificates_holder_idx ON certificates (user_id, course_id, issued_at);
CREATE INDEX certificates_expiry_idx ON certificates (expires_at) WHERE revoked_at IS NULL;
CREATE TRIGGER certificates_updated_at BEFORE UPDATE ON certificates FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Keys that sign credentials. Public keys stay forever so old credentials keep verifying; the
-- private key is kept here only when the service generated it (SIGNING_KEY_PATH unset).
CREATE TABLE signing_keys (
    kid          text PRIMARY KEY,
    public_jwk   jsonb NOT NULL,
    private_pem  text,
    active       boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX signing_keys_one_active_idx ON signing_keys (active) WHERE active;

-- An email may carry a certificate's PDF, rendered when it is sent.
ALTER TABLE email_outbox ADD COLUMN attachment_certificate_id uuid REFERENCES certificates (id);
