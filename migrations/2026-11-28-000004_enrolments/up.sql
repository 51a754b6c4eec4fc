-- Cohorts, enrolments and progress. Records are never deleted: a withdrawal is a status.

CREATE TABLE cohorts (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- A course without enrolments may be deleted with its cohorts; enrolments block that.
    course_id            uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    starts_on            date NOT NULL,
    ends_on              date NOT NULL,
    enrolment_closes_on  date,
    capacity             integer CHECK (capacity >= 1),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on),
    CONSTRAINT cohorts_name_unique UNIQUE (course_id, name)
);
CREATE TRIGGER cohorts_updated_at BEFORE UPDATE ON cohorts FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE enrolments (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          uuid NOT NULL REFERENCES users (id),
    course_id        uuid NOT NULL REFERENCES courses (id),
    cohort_id        uuid REFERENCES cohorts (id),
    status           text NOT NULL CHECK (status IN ('active', 'waitlisted', 'completed', 'withdrawn')),
    -- The course revision the trainee started on.
    course_revision  integer NOT NULL,
    enrolled_at      timestamptz NOT NULL DEFAULT now(),
    due_on           date,
    completed_at     timestamptz,
    withdrawn_at     timestamptz,
    enrolled_by      uuid REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);
-- One current (active or waitlisted) enrolment per person and course; history may hold more.
CREATE UNIQUE INDEX enrolments_one_current_idx ON enrolments (user_id, course_id) WHERE status IN ('active', 'waitlisted');
CREATE INDEX enrolments_course_idx ON enrolments (course_id, created_at, id);
CREATE INDEX enrolments_user_idx ON enrolments (user_id, created_at);
CREATE INDEX enrolments_cohort_waitlist_idx ON enrolments (cohort_id, enrolled_at) WHERE status = 'waitlisted';
CREATE TRIGGER enrolments_updated_at BEFORE UPDATE ON enrolments FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- A lesson a trainee has completed within one enrolment. The lesson cannot be deleted while
-- such records exist (RESTRICT): archive the course instead.
CREATE TABLE lesson_completions (
    enrolment_id  uuid NOT NULL REFERENCES enrolments (id),
    lesson_id     uuid NOT NULL REFERENCES lessons (id) ON DELETE RESTRICT,
    completed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (enrolment_id, lesson_id)
);

-- Facts other parts of the system act on (the certificate issue acts on enrolment_completed).
CREATE TABLE domain_events (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind         text NOT NULL,
    entity_id    uuid NOT NULL,
    payload      jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    CONSTRAINT domain_events_once UNIQUE (kind, entity_id)
);
CREATE INDEX domain_events_unprocessed_idx ON domain_events (created_at) WHERE processed_at IS NULL;

-- Invitations from bulk enrolment remember the cohort to join on acceptance.
ALTER TABLE invitations ADD COLUMN cohort_ids uuid[] NOT NULL DEFAULT '{}';
