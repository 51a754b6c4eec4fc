//! Demo organisations, people and seats.

use diesel::sql_types::{Integer, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{DEMO_DOMAIN, DemoSize, Progress};

/// Given and family names to combine, in several of the OSCE region's scripts and spellings, so
/// lists, reports and certificates show realistic variety (DejaVu covers every one of them).
const GIVEN: &str = "'{Anna,Ivan,Marie,Jonas,Aigerim,Luca,Elena,Tomasz,Sofía,Arman,Ingrid,Mehmet,Олена,Giorgi,Katarzyna,Nikos,Zeynep,Pierre,Дмитрий,Laura}'";
const FAMILY: &str = "'{Petrova,Müller,Kowalski,Dubois,Nurlanova,Rossi,Jensen,Yılmaz,Шевченко,Beridze,García,Novák,Papadopoulos,Smith,Ivanova,Horvat,Lindqvist,Popescu,Kuznetsov,Brennan}'";

/// Organisations (`demo_orgs`, `k` from 0) spread over the OSCE States' capitals, then the
/// trainees (`demo_people`, `n` from 1) spread over the organisations, plus one admin and one
/// instructor who teaches every demo course.
pub async fn insert(
    tx: &mut AsyncPgConnection,
    size: &DemoSize,
    password_hash: &str,
    progress: &Progress,
) -> anyhow::Result<()> {
    let organisations = i32::try_from(size.organisations)?;
    let users = i32::try_from(size.users)?;
    diesel::sql_query(
        "CREATE TEMP TABLE demo_orgs ON COMMIT DROP AS \
         SELECT g - 1 AS k, gen_random_uuid() AS id FROM generate_series(1, $1) g",
    )
    .bind::<Integer, _>(organisations)
    .execute(tx)
    .await?;
    diesel::sql_query(
        "INSERT INTO organisations (id, name, kind, country_code) \
         SELECT o.id, 'Demo agency ' || lpad((o.k + 1)::text, 4, '0') || coalesce(', ' || s.name, ''), \
                'other', s.country_code \
         FROM demo_orgs o LEFT JOIN ( \
           SELECT name, country_code, (row_number() OVER (ORDER BY name) - 1)::int AS r, \
                  count(*) OVER ()::int AS total \
           FROM organisations WHERE kind = 'state') s ON s.r = o.k % s.total",
    )
    .execute(tx)
    .await?;
    progress.step(format!("{organisations} organisations"));

    diesel::sql_query(
        "CREATE TEMP TABLE demo_people ON COMMIT DROP AS \
         SELECT g AS n, gen_random_uuid() AS id, o.id AS organisation_id \
         FROM generate_series(1, $1) g JOIN demo_orgs o ON o.k = g % $2",
    )
    .bind::<Integer, _>(users)
    .bind::<Integer, _>(organisations)
    .execute(tx)
    .await?;
    diesel::sql_query(format!(
        "INSERT INTO users (id, email, full_name, role, organisation_id, email_verified_at, \
                            password_hash, created_at) \
         SELECT p.id, 'trainee' || p.n || '@{DEMO_DOMAIN}', \
                ({GIVEN}::text[])[1 + p.n % 20] || ' ' || ({FAMILY}::text[])[1 + (p.n / 20) % 20], \
                'trainee', p.organisation_id, now(), $1, now() - interval '500 days' \
         FROM demo_people p"
    ))
    .bind::<Text, _>(password_hash)
    .execute(tx)
    .await?;
    diesel::sql_query(format!(
        "INSERT INTO users (email, full_name, role, email_verified_at, password_hash) \
         VALUES ('admin@{DEMO_DOMAIN}', 'Demo Administrator', 'admin', now(), $1), \
                ('instructor@{DEMO_DOMAIN}', 'Demo Instructor', 'instructor', now(), $1)"
    ))
    .bind::<Text, _>(password_hash)
    .execute(tx)
    .await?;
    diesel::sql_query(format!(
        "INSERT INTO course_instructors (course_id, user_id) \
         SELECT d.course_id, u.id FROM demo_courses d, users u WHERE u.email_key = 'instructor@{DEMO_DOMAIN}'"
    ))
    .execute(tx)
    .await?;
    progress.step(format!("{users} trainees, an admin and an instructor"));
    Ok(())
}

/// One "National Point of Contact" seat per demo organisation, requiring the default course and
/// held since 100 days ago by the organisation's first trainee (if it has one).
pub async fn seats(tx: &mut AsyncPgConnection, default_course: &Uuid) -> anyhow::Result<()> {
    diesel::sql_query(
        "WITH made AS ( \
           INSERT INTO seats (organisation_id, title, required_course_ids) \
           SELECT id, 'National Point of Contact', ARRAY[$1] FROM demo_orgs RETURNING id, organisation_id) \
         INSERT INTO seat_holdings (seat_id, user_id, starts_on) \
         SELECT made.id, first.id, current_date - 100 FROM made \
         JOIN LATERAL (SELECT id FROM demo_people p WHERE p.organisation_id = made.organisation_id \
                       ORDER BY n LIMIT 1) first ON true",
    )
    .bind::<SqlUuid, _>(default_course)
    .execute(tx)
    .await?;
    Ok(())
}
