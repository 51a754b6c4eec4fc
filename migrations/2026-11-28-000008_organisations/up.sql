-- Organisations: States and international organisations. Users belong to one.

CREATE TABLE organisations (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind          text NOT NULL CHECK (kind IN ('state', 'international_organisation', 'other')),
    -- ISO 3166-1 alpha-2, for States (and whatever else has one).
    country_code  char(2) CHECK (country_code ~ '^[A-Z]{2}$'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organisations_name_idx ON organisations (lower(name));
CREATE UNIQUE INDEX organisations_state_code_idx ON organisations (country_code) WHERE kind = 'state';
CREATE INDEX organisations_created_idx ON organisations (created_at, id);
CREATE TRIGGER organisations_updated_at BEFORE UPDATE ON organisations FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- No organisation existed before this table, so any id stored so far points nowhere.
UPDATE users SET organisation_id = NULL WHERE organisation_id IS NOT NULL;
UPDATE invitations SET organisation_id = NULL WHERE organisation_id IS NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_organisation_fk FOREIGN KEY (organisation_id) REFERENCES organisations (id);
ALTER TABLE invitations ADD CONSTRAINT invitations_organisation_fk FOREIGN KEY (organisation_id) REFERENCES organisations (id);
CREATE INDEX users_organisation_idx ON users (organisation_id);
