-- Course authoring: courses, their instructors, modules, lessons, quizzes, questions, options.
-- Positions are unique per parent but checked at commit (DEFERRABLE), so a reorder can move
-- every item in one transaction without colliding midway.

CREATE TABLE courses (
    id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug                       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    title                      text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    summary                    text NOT NULL DEFAULT '',
    language                   text NOT NULL DEFAULT 'en',
    status                     text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    revision                   integer NOT NULL DEFAULT 0,
    self_enrolment             boolean NOT NULL DEFAULT true,
    certificate_validity_days  integer CHECK (certificate_validity_days > 0),
    created_by                 uuid REFERENCES users (id),
    published_at               timestamptz,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX courses_status_idx ON courses (status, created_at, id);
CREATE TRIGGER courses_updated_at BEFORE UPDATE ON courses FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE course_instructors (
    course_id   uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id),
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (course_id, user_id)
);
CREATE INDEX course_instructors_user_idx ON course_instructors (user_id);

CREATE TABLE modules (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    course_id          uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    position           integer NOT NULL CHECK (position >= 0),
    title              text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    summary            text NOT NULL DEFAULT '',
    requires_previous  boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT modules_position_unique UNIQUE (course_id, position) DEFERRABLE INITIALLY DEFERRED
);
CREATE TRIGGER modules_updated_at BEFORE UPDATE ON modules FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE lessons (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    module_id          uuid NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
    position           integer NOT NULL CHECK (position >= 0),
    title              text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    body_markdown      text NOT NULL DEFAULT '',
    -- Rendered from body_markdown and sanitised when saved, so no client has to trust it.
    body_html          text NOT NULL DEFAULT '',
    estimated_minutes  integer CHECK (estimated_minutes > 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT lessons_position_unique UNIQUE (module_id, position) DEFERRABLE INITIALLY DEFERRED
);
CREATE TRIGGER lessons_updated_at BEFORE UPDATE ON lessons FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE quizzes (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- One quiz per module: the module completes when its quiz is passed.
    module_id              uuid NOT NULL UNIQUE REFERENCES modules (id) ON DELETE CASCADE,
    title                  text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    pass_mark_percent      integer NOT NULL CHECK (pass_mark_percent BETWEEN 0 AND 100),
    max_attempts           integer CHECK (max_attempts >= 1),
    time_limit_seconds     integer CHECK (time_limit_seconds >= 1),
    questions_per_attempt  integer CHECK (questions_per_attempt >= 1),
    shuffle_questions      boolean NOT NULL DEFAULT false,
    shuffle_options        boolean NOT NULL DEFAULT false,
    grading_method         text NOT NULL DEFAULT 'highest' CHECK (grading_method IN ('highest', 'latest')),
    review_policy          text NOT NULL DEFAULT 'after_submit'
                           CHECK (review_policy IN ('never', 'after_submit', 'after_pass', 'after_last_attempt')),
    partial_credit         boolean NOT NULL DEFAULT false,
    accent_insensitive     boolean NOT NULL DEFAULT false,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER quizzes_updated_at BEFORE UPDATE ON quizzes FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE questions (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    quiz_id           uuid NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
    position          integer NOT NULL CHECK (position >= 0),
    kind              text NOT NULL CHECK (kind IN ('single_choice', 'multiple_choice', 'true_false', 'short_text', 'numeric')),
    prompt            text NOT NULL,
    points            integer NOT NULL DEFAULT 1 CHECK (points >= 1),
    explanation       text,
    accepted_answers  text[] NOT NULL DEFAULT '{}',
    numeric_answer    double precision,
    tolerance         double precision CHECK (tolerance >= 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT questions_position_unique UNIQUE (quiz_id, position) DEFERRABLE INITIALLY DEFERRED
);
CREATE TRIGGER questions_updated_at BEFORE UPDATE ON questions FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE question_options (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    question_id  uuid NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    position     integer NOT NULL CHECK (position >= 0),
    label        text NOT NULL,
    is_correct   boolean NOT NULL DEFAULT false,
    CONSTRAINT question_options_position_unique UNIQUE (question_id, position) DEFERRABLE INITIALLY DEFERRED
);
