-- Quiz attempts. An attempt freezes the questions it drew (attempt_questions.snapshot), so
-- later edits never change its content, grade or review.

CREATE TABLE quiz_attempts (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    quiz_id         uuid NOT NULL REFERENCES quizzes (id) ON DELETE RESTRICT,
    enrolment_id    uuid NOT NULL REFERENCES enrolments (id),
    user_id         uuid NOT NULL REFERENCES users (id),
    number          integer NOT NULL CHECK (number >= 1),
    -- The attempts allowed when this one started (quiz limit plus grants); NULL = unlimited.
    attempt_limit   integer,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'submitted')),
    started_at      timestamptz NOT NULL DEFAULT now(),
    deadline_at     timestamptz,
    answers         jsonb NOT NULL DEFAULT '[]',
    answers_saved_at timestamptz,
    submitted_at    timestamptz,
    -- Set once, at grading.
    score_percent   double precision,
    passed          boolean,
    grade           jsonb,
    -- started_at is the creation time.
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT quiz_attempts_number_unique UNIQUE (enrolment_id, quiz_id, number),
    CONSTRAINT quiz_attempts_within_limit CHECK (attempt_limit IS NULL OR number <= attempt_limit),
    CHECK ((status = 'submitted') = (submitted_at IS NOT NULL AND grade IS NOT NULL))
);
-- One open attempt per trainee (enrolment) and quiz.
CREATE UNIQUE INDEX quiz_attempts_one_open_idx ON quiz_attempts (enrolment_id, quiz_id) WHERE status = 'open';
CREATE INDEX quiz_attempts_quiz_idx ON quiz_attempts (quiz_id, started_at, id);
CREATE INDEX quiz_attempts_deadline_idx ON quiz_attempts (deadline_at) WHERE status = 'open';
CREATE TRIGGER quiz_attempts_updated_at BEFORE UPDATE ON quiz_attempts FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE attempt_questions (
    attempt_id   uuid NOT NULL REFERENCES quiz_attempts (id),
    -- RESTRICT: a question trainees have answered cannot be deleted.
    question_id  uuid NOT NULL REFERENCES questions (id) ON DELETE RESTRICT,
    position     integer NOT NULL,
    snapshot     jsonb NOT NULL,
    PRIMARY KEY (attempt_id, question_id)
);

-- Extra attempts an instructor grants one trainee on one quiz.
CREATE TABLE quiz_attempt_grants (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    enrolment_id  uuid NOT NULL REFERENCES enrolments (id),
    quiz_id       uuid NOT NULL REFERENCES quizzes (id) ON DELETE RESTRICT,
    extra         integer NOT NULL CHECK (extra BETWEEN 1 AND 100),
    granted_by    uuid NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quiz_attempt_grants_idx ON quiz_attempt_grants (enrolment_id, quiz_id);
