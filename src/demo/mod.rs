//! `poc-lms seed-demo`: a realistic data set for demonstrations and the load benchmark
//! (bench/README.md). Courses go in through the same import path as `import-content`; people,
//! enrolments, progress and certificates are bulk-inserted with set-based SQL, because writing
//! 100,000 enrolments one API call at a time would take longer than the benchmark itself.
//!
//! What the data looks like:
//! - the default course (course-content/) plus numbered copies of it, each with one cohort;
//! - organisations in the OSCE States' capitals, each with a "National Point of Contact" seat
//!   held by one of its people;
//! - trainees `trainee{n}@demo.example.org` (n from 1) who all share one password, hashed once
//!   with the service's own argon2id settings, plus `admin@` and `instructor@` the same domain;
//! - per enrolment, by a fixed rule: 40 % completed (every lesson done, every quiz passed, a
//!   certificate issued), 50 % active with part of the first module done, 10 % withdrawn.
//!
//! Everything is written in one transaction: a failed seed leaves the database as it was.

mod courses;
mod people;
mod progress;

use std::time::Instant;

use anyhow::Context;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde_json::json;

use crate::AppState;

/// The domain every demo account is under; nothing is ever delivered there.
pub const DEMO_DOMAIN: &str = "demo.example.org";

/// How large the demo data set is.
#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    pub organisations: u32,
    pub users: u32,
    pub enrolments: u32,
    /// Courses to spread enrolments over: the default course and copies of it.
    pub courses: u32,
}

impl DemoSize {
    /// Every person may hold at most one current enrolment per course, so enrolments are
    /// capped by users × courses.
    pub fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.organisations >= 1, "--organisations must be at least 1");
        anyhow::ensure!(self.users >= 1, "--users must be at least 1");
        anyhow::ensure!(self.courses >= 1, "--courses must be at least 1");
        anyhow::ensure!(
            u64::from(self.enrolments) <= u64::from(self.users) * u64::from(self.courses),
            "--enrolments {} is more than --users × --courses ({} × {}): a person can be enrolled \
             in a course only once at a time",
            self.enrolments,
            self.users,
            self.courses
        );
        Ok(())
    }
}

pub fn trainee_email(n: u32) -> String {
    format!("trainee{n}@{DEMO_DOMAIN}")
}

/// Prints each step with the time since the start, so a long seed shows where it is.
pub struct Progress {
    started: Instant,
}

impl Progress {
    fn new() -> Self {
        Self { started: Instant::now() }
    }

    fn step(&self, what: impl std::fmt::Display) {
        eprintln!("[{:>6.1} s] {what}", self.started.elapsed().as_secs_f64());
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// Seeds the demo data set into the database `state` is connected to. Refuses a database that
/// already holds demo accounts, so it never doubles or mixes data sets.
pub async fn seed(state: &AppState, size: DemoSize, password: &str) -> anyhow::Result<()> {
    size.check()?;
    let admin_email = format!("admin@{DEMO_DOMAIN}");
    if let Err(problem) = crate::auth::password::check_policy(password, &admin_email, "password") {
        anyhow::bail!("--password {}", problem.message);
    }
    let progress = Progress::new();
    let mut conn = state.pool.get().await?;
    let existing: Count = diesel::sql_query("SELECT count(*) AS count FROM users WHERE email_key LIKE $1")
        .bind::<Text, _>(format!("%@{DEMO_DOMAIN}"))
        .get_result(&mut conn)
        .await?;
    anyhow::ensure!(
        existing.count == 0,
        "this database already holds {} demo accounts (@{DEMO_DOMAIN}); seed a fresh database instead",
        existing.count
    );

    let bundles = courses::demo_bundles(&state.config.course_content_dir, size.courses)?;
    progress.step("hashing the shared demo password (argon2id)");
    let password_hash = state.passwords.hash(password).await.map_err(|e| anyhow::anyhow!("{e}"))?;

    conn.transaction(async |tx| {
        for bundle in &bundles {
            crate::courses::import::import_bundle(tx, bundle)
                .await
                .map_err(|e| anyhow::anyhow!("importing demo course {}: {e}", bundle.course.slug))?;
        }
        progress.step(format!("{} courses imported", bundles.len()));
        courses::stage(tx, &bundles).await?;
        people::insert(tx, &size, &password_hash, &progress).await?;
        progress::insert(tx, &size, &progress).await?;
        people::seats(tx, &bundles[0].course.id).await?;
        progress.step("seats and holders assigned");
        let summary = json!({
            "organisations": size.organisations, "users": size.users,
            "enrolments": size.enrolments, "courses": size.courses,
        });
        crate::audit::record(
            tx,
            crate::audit::Event {
                actor_id: None,
                action: "demo.seeded",
                entity_type: "system",
                entity_id: None,
                summary,
            },
        )
        .await?;
        Ok::<_, anyhow::Error>(())
    })
    .await
    .context("seeding the demo data")?;
    progress.step("committed; updating planner statistics");
    diesel::sql_query("ANALYZE").execute(&mut conn).await?;
    progress.step(format!(
        "done: {} organisations, {} trainees, {} courses, {} enrolments; sign in as {} (or \
         admin@{DEMO_DOMAIN}) with the demo password",
        size.organisations,
        size.users,
        size.courses,
        size.enrolments,
        trainee_email(1)
    ));
    Ok(())
}
