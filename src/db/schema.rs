// Diesel table definitions, kept by hand in step with migrations/ (one crate-wide file that
// every domain's store.rs shares).

diesel::table! {
    app_settings (key) {
        key -> Text,
        value -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    email_outbox (id) {
        id -> Uuid,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Nullable<Text>,
        dedup_key -> Nullable<Text>,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        attachment_certificate_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        email_key -> Text,
        full_name -> Text,
        role -> Text,
        organisation_id -> Nullable<Uuid>,
        preferred_language -> Text,
        status -> Text,
        email_verified_at -> Nullable<Timestamptz>,
        password_hash -> Text,
        token_version -> Int4,
        reminder_emails -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        family_id -> Uuid,
        token_hash -> Bytea,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    account_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        purpose -> Text,
        token_hash -> Bytea,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    invitations (id) {
        id -> Uuid,
        email -> Text,
        full_name -> Nullable<Text>,
        role -> Text,
        organisation_id -> Nullable<Uuid>,
        course_ids -> Array<Uuid>,
        token_hash -> Bytea,
        invited_by -> Nullable<Uuid>,
        expires_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        accepted_user_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        cohort_ids -> Array<Uuid>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Int8,
        email_key -> Text,
        client_ip -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(account_tokens -> users (user_id));

diesel::table! {
    courses (id) {
        id -> Uuid,
        slug -> Text,
        title -> Text,
        summary -> Text,
        language -> Text,
        status -> Text,
        revision -> Int4,
        self_enrolment -> Bool,
        certificate_validity_days -> Nullable<Int4>,
        created_by -> Nullable<Uuid>,
        published_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    course_instructors (course_id, user_id) {
        course_id -> Uuid,
        user_id -> Uuid,
        added_at -> Timestamptz,
    }
}

diesel::table! {
    modules (id) {
        id -> Uuid,
        course_id -> Uuid,
        position -> Int4,
        title -> Text,
        summary -> Text,
        requires_previous -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    lessons (id) {
        id -> Uuid,
        module_id -> Uuid,
        position -> Int4,
        title -> Text,
        body_markdown -> Text,
        body_html -> Text,
        estimated_minutes -> Nullable<Int4>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    quizzes (id) {
        id -> Uuid,
        module_id -> Uuid,
        title -> Text,
        pass_mark_percent -> Int4,
        max_attempts -> Nullable<Int4>,
        time_limit_seconds -> Nullable<Int4>,
        questions_per_attempt -> Nullable<Int4>,
        shuffle_questions -> Bool,
        shuffle_options -> Bool,
        grading_method -> Text,
        review_policy -> Text,
        partial_credit -> Bool,
        accent_insensitive -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    questions (id) {
        id -> Uuid,
        quiz_id -> Uuid,
        position -> Int4,
        kind -> Text,
        prompt -> Text,
        points -> Int4,
        explanation -> Nullable<Text>,
        accepted_answers -> Array<Text>,
        numeric_answer -> Nullable<Float8>,
        tolerance -> Nullable<Float8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    question_options (id) {
        id -> Uuid,
        question_id -> Uuid,
        position -> Int4,
        label -> Text,
        is_correct -> Bool,
    }
}

diesel::joinable!(course_instructors -> courses (course_id));
diesel::joinable!(course_instructors -> users (user_id));
diesel::joinable!(modules -> courses (course_id));
diesel::joinable!(lessons -> modules (module_id));
diesel::joinable!(quizzes -> modules (module_id));
diesel::joinable!(questions -> quizzes (quiz_id));
diesel::joinable!(question_options -> questions (question_id));

diesel::table! {
    cohorts (id) {
        id -> Uuid,
        course_id -> Uuid,
        name -> Text,
        starts_on -> Date,
        ends_on -> Date,
        enrolment_closes_on -> Nullable<Date>,
        capacity -> Nullable<Int4>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    enrolments (id) {
        id -> Uuid,
        user_id -> Uuid,
        course_id -> Uuid,
        cohort_id -> Nullable<Uuid>,
        status -> Text,
        course_revision -> Int4,
        enrolled_at -> Timestamptz,
        due_on -> Nullable<Date>,
        completed_at -> Nullable<Timestamptz>,
        withdrawn_at -> Nullable<Timestamptz>,
        enrolled_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    lesson_completions (enrolment_id, lesson_id) {
        enrolment_id -> Uuid,
        lesson_id -> Uuid,
        completed_at -> Timestamptz,
    }
}

diesel::table! {
    domain_events (id) {
        id -> Uuid,
        kind -> Text,
        entity_id -> Uuid,
        payload -> Jsonb,
        created_at -> Timestamptz,
        processed_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(cohorts -> courses (course_id));
diesel::joinable!(enrolments -> courses (course_id));
diesel::joinable!(enrolments -> users (user_id));
diesel::joinable!(enrolments -> cohorts (cohort_id));
diesel::joinable!(lesson_completions -> enrolments (enrolment_id));
diesel::joinable!(lesson_completions -> lessons (lesson_id));

diesel::table! {
    quiz_attempts (id) {
        id -> Uuid,
        quiz_id -> Uuid,
        enrolment_id -> Uuid,
        user_id -> Uuid,
        number -> Int4,
        attempt_limit -> Nullable<Int4>,
        status -> Text,
        started_at -> Timestamptz,
        deadline_at -> Nullable<Timestamptz>,
        answers -> Jsonb,
        answers_saved_at -> Nullable<Timestamptz>,
        submitted_at -> Nullable<Timestamptz>,
        score_percent -> Nullable<Float8>,
        passed -> Nullable<Bool>,
        grade -> Nullable<Jsonb>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    attempt_questions (attempt_id, question_id) {
        attempt_id -> Uuid,
        question_id -> Uuid,
        position -> Int4,
        snapshot -> Jsonb,
    }
}

diesel::table! {
    quiz_attempt_grants (id) {
        id -> Uuid,
        enrolment_id -> Uuid,
        quiz_id -> Uuid,
        extra -> Int4,
        granted_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(quiz_attempts -> quizzes (quiz_id));
diesel::joinable!(quiz_attempts -> enrolments (enrolment_id));
diesel::joinable!(attempt_questions -> quiz_attempts (attempt_id));

diesel::table! {
    certificates (id) {
        id -> Uuid,
        code -> Text,
        enrolment_id -> Uuid,
        user_id -> Uuid,
        course_id -> Uuid,
        course_revision -> Int4,
        cohort_id -> Nullable<Uuid>,
        holder_name -> Text,
        course_title -> Text,
        issued_at -> Timestamptz,
        expires_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        revocation_reason -> Nullable<Text>,
        revoked_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        public_jwk -> Jsonb,
        private_pem -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(certificates -> enrolments (enrolment_id));
diesel::joinable!(certificates -> courses (course_id));

diesel::table! {
    audit_log (seq) {
        seq -> Int8,
        id -> Uuid,
        occurred_at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Nullable<Uuid>,
        summary -> Jsonb,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    organisations (id) {
        id -> Uuid,
        name -> Text,
        kind -> Text,
        country_code -> Nullable<Bpchar>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(users -> organisations (organisation_id));

diesel::table! {
    seats (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        title -> Text,
        required_course_ids -> Array<Uuid>,
        days_to_certify -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    seat_holdings (id) {
        id -> Uuid,
        seat_id -> Uuid,
        user_id -> Uuid,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        handover_note -> Nullable<Text>,
        assigned_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(seats -> organisations (organisation_id));
diesel::joinable!(seat_holdings -> seats (seat_id));

diesel::allow_tables_to_appear_in_same_query!(
    app_settings,
    email_outbox,
    users,
    refresh_tokens,
    account_tokens,
    invitations,
    login_failures,
    courses,
    course_instructors,
    modules,
    lessons,
    quizzes,
    questions,
    question_options,
    cohorts,
    enrolments,
    lesson_completions,
    domain_events,
    quiz_attempts,
    attempt_questions,
    quiz_attempt_grants,
    certificates,
    signing_keys,
    audit_log,
    organisations,
    seats,
    seat_holdings,
);
