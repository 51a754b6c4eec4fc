-- Seats: standing roles in an organisation ("National Point of Contact for UNSCR 1540") whose
-- training requirements outlive the people who hold them. Holdings record who held a seat when.

CREATE TABLE seats (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id      uuid NOT NULL REFERENCES organisations (id),
    title                text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    required_course_ids  uuid[] NOT NULL DEFAULT '{}',
    -- How long a new holder has to earn the required certificates.
    days_to_certify      integer NOT NULL DEFAULT 90 CHECK (days_to_certify >= 1),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX seats_title_idx ON seats (organisation_id, lower(title));
CREATE INDEX seats_created_idx ON seats (created_at, id);
CREATE TRIGGER seats_updated_at BEFORE UPDATE ON seats FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE seat_holdings (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seat_id        uuid NOT NULL REFERENCES seats (id),
    user_id        uuid NOT NULL REFERENCES users (id),
    starts_on      date NOT NULL,
    ends_on        date,
    handover_note  text,
    assigned_by    uuid REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
-- At most one current holder per seat.
CREATE UNIQUE INDEX seat_holdings_one_current_idx ON seat_holdings (seat_id) WHERE ends_on IS NULL;
CREATE INDEX seat_holdings_seat_idx ON seat_holdings (seat_id, starts_on);
CREATE INDEX seat_holdings_user_idx ON seat_holdings (user_id);
