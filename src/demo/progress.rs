//! Demo enrolments and what their trainees have done: lesson completions, passed quiz attempts
//! and certificates, all by a fixed rule so reruns of the benchmark see the same shape.

use std::collections::HashSet;

use diesel::sql_types::{Array, Integer, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{DemoSize, Progress};

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Enrolment `e` (from 0) belongs to trainee `e % users + 1` and is that trainee's
/// `j = e / users`-th course, course `(n + j) % courses`, so nobody is enrolled twice in one
/// course. `(n + j) % 10` decides the outcome: 0–3 completed, 4–8 active, 9 withdrawn.
pub async fn insert(tx: &mut AsyncPgConnection, size: &DemoSize, progress: &Progress) -> anyhow::Result<()> {
    diesel::sql_query(
        "CREATE TEMP TABLE demo_enrolments ON COMMIT DROP AS \
         SELECT *, CASE WHEN status = 'completed' \
                        THEN enrolled_at + make_interval(days => 1 + (n + j) % 40) END AS completed_at \
         FROM ( \
           SELECT gen_random_uuid() AS id, p.id AS user_id, p.n, s.j, c.course_id, c.cohort_id, c.revision, \
                  c.title, c.validity_days, \
                  CASE WHEN (p.n + s.j) % 10 < 4 THEN 'completed' WHEN (p.n + s.j) % 10 < 9 THEN 'active' \
                       ELSE 'withdrawn' END AS status, \
                  now() - make_interval(days => 45 + (p.n * 7 + s.j * 31) % 400, mins => p.n % 600) AS enrolled_at \
           FROM (SELECT e % $1 + 1 AS n, e / $1 AS j FROM generate_series(0, $2 - 1) e) s \
           JOIN demo_people p ON p.n = s.n JOIN demo_courses c ON c.k = (s.n + s.j) % $3) planned",
    )
    .bind::<Integer, _>(i32::try_from(size.users)?)
    .bind::<Integer, _>(i32::try_from(size.enrolments)?)
    .bind::<Integer, _>(i32::try_from(size.courses)?)
    .execute(tx)
    .await?;
    diesel::sql_query(
        "INSERT INTO enrolments (id, user_id, course_id, cohort_id, status, course_revision, enrolled_at, \
                                 due_on, completed_at, withdrawn_at, created_at) \
         SELECT id, user_id, course_id, cohort_id, status, revision, enrolled_at, \
                (enrolled_at + interval '90 days')::date, completed_at, \
                CASE WHEN status = 'withdrawn' THEN enrolled_at + interval '10 days' END, enrolled_at \
         FROM demo_enrolments",
    )
    .execute(tx)
    .await?;
    progress.step(format!("{} enrolments", size.enrolments));

    // Completed: every lesson. Active or withdrawn: the first (n + j) % size lessons of the
    // first module, which always leaves at least one lesson of it to do.
    let completions = diesel::sql_query(
        "WITH ranked AS ( \
           SELECT l.id, m.course_id, \
                  m.position = min(m.position) OVER (PARTITION BY m.course_id) AS in_first_module, \
                  row_number() OVER (PARTITION BY l.module_id ORDER BY l.position) AS rank, \
                  count(*) OVER (PARTITION BY l.module_id) AS module_size \
           FROM lessons l JOIN modules m ON m.id = l.module_id \
           WHERE m.course_id IN (SELECT course_id FROM demo_courses)) \
         INSERT INTO lesson_completions (enrolment_id, lesson_id, completed_at) \
         SELECT e.id, r.id, CASE WHEN e.status = 'completed' THEN e.completed_at - interval '3 hours' \
                                 ELSE e.enrolled_at + make_interval(days => r.rank::int) END \
         FROM demo_enrolments e JOIN ranked r ON r.course_id = e.course_id \
         WHERE e.status = 'completed' OR (r.in_first_module AND r.rank <= (e.n + e.j) % r.module_size)",
    )
    .execute(tx)
    .await?;
    progress.step(format!("{completions} lesson completions"));

    // Completed enrolments passed every quiz at the first attempt. The grade keeps the totals
    // (the per-question breakdown and frozen questions are left out to keep the seed fast).
    let attempts = diesel::sql_query(
        "WITH quiz_totals AS ( \
           SELECT q.id, m.course_id, q.max_attempts, q.pass_mark_percent, \
                  (SELECT coalesce(sum(points), 0) FROM questions WHERE quiz_id = q.id)::int AS possible \
           FROM quizzes q JOIN modules m ON m.id = q.module_id \
           WHERE m.course_id IN (SELECT course_id FROM demo_courses)), \
         scored AS ( \
           SELECT q.*, e.id AS enrolment_id, e.user_id, e.completed_at, \
                  (greatest(q.pass_mark_percent, 70) + (e.n + e.j) % (101 - greatest(q.pass_mark_percent, 70)))::float8 \
                    AS score \
           FROM demo_enrolments e JOIN quiz_totals q ON q.course_id = e.course_id WHERE e.status = 'completed') \
         INSERT INTO quiz_attempts (quiz_id, enrolment_id, user_id, number, attempt_limit, status, started_at, \
                                    answers_saved_at, submitted_at, score_percent, passed, grade) \
         SELECT id, enrolment_id, user_id, 1, max_attempts, 'submitted', completed_at - interval '2 hours', \
                completed_at - interval '110 minutes', completed_at - interval '110 minutes', score, true, \
                jsonb_build_object('earned', round((score * possible / 100)::numeric, 2), 'possible', possible, \
                                   'score_percent', score, 'passed', true, 'questions', '[]'::jsonb) \
         FROM scored",
    )
    .execute(tx)
    .await?;
    progress.step(format!("{attempts} passed quiz attempts"));

    certificates(tx).await?;
    progress.step("certificates issued for every completed enrolment");
    Ok(())
}

/// Codes come from the service's own generator (they are random, so the database cannot make
/// them); everything else is joined from the completed enrolments in one statement.
async fn certificates(tx: &mut AsyncPgConnection) -> anyhow::Result<()> {
    let completed: Vec<Id> =
        diesel::sql_query("SELECT id FROM demo_enrolments WHERE status = 'completed'").load(tx).await?;
    let ids: Vec<Uuid> = completed.into_iter().map(|row| row.id).collect();
    let mut seen = HashSet::with_capacity(ids.len());
    let codes: Vec<String> = std::iter::repeat_with(crate::certificates::code::generate)
        .filter(|code| seen.insert(code.clone()))
        .take(ids.len())
        .collect();
    diesel::sql_query(
        "INSERT INTO certificates (code, enrolment_id, user_id, course_id, course_revision, cohort_id, \
                                   holder_name, course_title, issued_at, expires_at) \
         SELECT issued.code, e.id, e.user_id, e.course_id, e.revision, e.cohort_id, u.full_name, e.title, \
                e.completed_at, e.completed_at + make_interval(days => e.validity_days) \
         FROM unnest($1::uuid[], $2::text[]) AS issued(enrolment_id, code) \
         JOIN demo_enrolments e ON e.id = issued.enrolment_id JOIN users u ON u.id = e.user_id",
    )
    .bind::<Array<SqlUuid>, _>(&ids)
    .bind::<Array<Text>, _>(&codes)
    .execute(tx)
    .await?;
    Ok(())
}
