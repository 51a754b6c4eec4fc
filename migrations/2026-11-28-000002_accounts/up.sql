-- Accounts: users, refresh-token families, single-use emailed tokens, invitations and the
-- failed-login counters that back brute-force protection across instances.

CREATE TABLE users (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- As the person typed it (trimmed); compared case-insensitively through email_key.
    email               text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    email_key           text GENERATED ALWAYS AS (lower(email)) STORED,
    full_name           text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    role                text NOT NULL CHECK (role IN ('trainee', 'instructor', 'admin')),
    -- Foreign key added when organisations exist.
    organisation_id     uuid,
    preferred_language  text NOT NULL DEFAULT 'en',
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deactivated')),
    email_verified_at   timestamptz,
    password_hash       text NOT NULL,
    -- Bumped on password change/reset and deactivation: access tokens carry it, so older
    -- tokens stop working at the next request.
    token_version       integer NOT NULL DEFAULT 0,
    reminder_emails     boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key_idx ON users (email_key);
CREATE INDEX users_created_idx ON users (created_at, id);
CREATE INDEX users_role_idx ON users (role) WHERE status = 'active';
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Opaque refresh tokens, stored only as SHA-256 hashes. Every rotation adds a row to the same
-- family; presenting a rotated (used) token revokes the whole family.
CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id),
    family_id   uuid NOT NULL,
    token_hash  bytea NOT NULL UNIQUE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id) WHERE revoked_at IS NULL;

-- Single-use tokens sent by email (verification, password reset), stored hashed.
CREATE TABLE account_tokens (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id),
    purpose     text NOT NULL CHECK (purpose IN ('verify_email', 'password_reset')),
    token_hash  bytea NOT NULL UNIQUE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);

CREATE TABLE invitations (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email             text NOT NULL,
    full_name         text,
    role              text NOT NULL CHECK (role IN ('trainee', 'instructor', 'admin')),
    organisation_id   uuid,
    course_ids        uuid[] NOT NULL DEFAULT '{}',
    token_hash        bytea NOT NULL UNIQUE,
    invited_by        uuid REFERENCES users (id),
    expires_at        timestamptz NOT NULL,
    accepted_at       timestamptz,
    accepted_user_id  uuid REFERENCES users (id),
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invitations_email_idx ON invitations (lower(email));

-- One row per failed login; counted over a sliding window per email and per client address.
CREATE TABLE login_failures (
    id          bigserial PRIMARY KEY,
    email_key   text NOT NULL,
    client_ip   text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email_idx ON login_failures (email_key, created_at);
CREATE INDEX login_failures_ip_idx ON login_failures (client_ip, created_at);
