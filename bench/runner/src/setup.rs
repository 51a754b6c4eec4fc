//! Setup: log the demo trainees in and discover, per trainee, what the scenarios can work on
//! (active enrolments, open lessons, quizzes with attempts left, certificate codes).

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use serde::Deserialize;
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::Cli;
use crate::client::{Api, call_json};

/// Logins are argon2 (~36 ms of CPU each); 32 in flight keeps both cores busy without queueing
/// far beyond what the server can hash.
const SETUP_TASKS: usize = 32;
/// A quiz without an attempt limit would feed the quiz scenario forever from one item; this
/// many attempts per such item keeps the work spread over trainees like the limited ones.
const UNLIMITED_ATTEMPTS_CAP: u32 = 3;

pub struct Trainee {
    pub email: String,
    /// `Bearer <access token>`, ready for the `Authorization` header.
    pub token: HeaderValue,
}

/// One request target of a trainee: the path and whose token it needs.
pub struct Target {
    pub trainee: usize,
    pub path: String,
}

/// A quiz a trainee may still attempt, and how many times.
pub struct QuizItem {
    pub trainee: usize,
    pub quiz_id: Uuid,
    pub remaining: u32,
}

pub struct Fixture {
    pub trainees: Vec<Trainee>,
    /// Outline paths of active enrolments.
    pub outlines: Vec<Target>,
    /// Completion paths of lessons that are neither completed nor locked.
    pub lessons: Vec<Target>,
    pub quizzes: Vec<QuizItem>,
    /// Verification paths of the trainees' certificates.
    pub verifications: Vec<String>,
}

#[derive(Deserialize)]
struct EnrolmentProgress {
    id: Uuid,
    status: String,
}

#[derive(Deserialize)]
struct Outline {
    modules: Vec<Module>,
}

#[derive(Deserialize)]
struct Module {
    lessons: Vec<Item>,
    quizzes: Vec<QuizProgress>,
}

#[derive(Deserialize)]
struct Item {
    id: Uuid,
    status: String,
}

#[derive(Deserialize)]
struct QuizProgress {
    id: Uuid,
    status: String,
    attempts_used: i64,
    attempts_allowed: Option<i32>,
}

#[derive(Deserialize)]
struct Certificate {
    code: String,
}

/// What one trainee's discovery found, per active enrolment.
#[derive(Default)]
struct Found {
    enrolments: Vec<Uuid>,
    lessons: Vec<Vec<Uuid>>,
    quizzes: Vec<Vec<(Uuid, u32)>>,
    codes: Vec<String>,
}

pub async fn prepare(api: &Api, cli: &Cli) -> anyhow::Result<Fixture> {
    println!("setup: logging in {} trainees ({SETUP_TASKS} at a time)", cli.trainees);
    let started = Instant::now();
    let emails: Vec<String> =
        (1..=cli.trainees).map(|n| cli.email_pattern.replace("{n}", &n.to_string())).collect();
    let password = Arc::new(cli.password.clone());
    let tokens = in_parallel(emails.clone(), |email| {
        let (api, password) = (api.clone(), password.clone());
        async move { api.login(&email, &password).await.map_err(|e| format!("login {email}: {e}")) }
    })
    .await
    .map_err(anyhow::Error::msg)
    .context("setup failed while logging in")?;
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "setup: {} logins in {elapsed:.1} s ({:.0} logins/s)",
        tokens.len(),
        tokens.len() as f64 / elapsed.max(1e-9)
    );
    let trainees: Vec<Trainee> =
        emails.into_iter().zip(tokens).map(|(email, token)| Trainee { email, token }).collect();

    let started = Instant::now();
    let found = in_parallel(trainees.iter().map(|t| t.token.clone()).collect(), |token| {
        let api = api.clone();
        async move { discover(&api, &token).await }
    })
    .await
    .map_err(anyhow::Error::msg)
    .context("setup failed while discovering enrolments")?;
    let fixture = assemble(trainees, found);
    println!(
        "setup: discovery in {:.1} s: {} active enrolments, {} open lessons, {} quizzes with attempts \
         left ({} attempts), {} certificates",
        started.elapsed().as_secs_f64(),
        fixture.outlines.len(),
        fixture.lessons.len(),
        fixture.quizzes.len(),
        fixture.quizzes.iter().map(|q| u64::from(q.remaining)).sum::<u64>(),
        fixture.verifications.len(),
    );
    if fixture.outlines.is_empty() {
        anyhow::bail!("setup found no active enrolment: nothing to measure");
    }
    Ok(fixture)
}

/// One trainee's enrolments, their outlines and certificates.
async fn discover(api: &Api, token: &HeaderValue) -> Result<Found, String> {
    let enrolments: Vec<EnrolmentProgress> =
        call_json(api.get("/api/v1/me/enrolments", token), StatusCode::OK).await?;
    let mut found = Found::default();
    for enrolment in enrolments.iter().filter(|e| e.status == "active") {
        let path = format!("/api/v1/enrolments/{}/outline", enrolment.id);
        let outline: Outline = call_json(api.get(&path, token), StatusCode::OK).await?;
        let modules = outline.modules.iter();
        let lessons = modules
            .clone()
            .flat_map(|m| &m.lessons)
            .filter(|l| l.status == "available")
            .map(|l| l.id)
            .collect();
        let quizzes = modules
            .flat_map(|m| &m.quizzes)
            .filter(|q| q.status != "locked")
            .filter_map(|q| {
                let left = match q.attempts_allowed {
                    Some(max) => (i64::from(max) - q.attempts_used).max(0) as u32,
                    None => UNLIMITED_ATTEMPTS_CAP,
                };
                (left > 0).then_some((q.id, left))
            })
            .collect();
        found.enrolments.push(enrolment.id);
        found.lessons.push(lessons);
        found.quizzes.push(quizzes);
    }
    let certificates: Vec<Certificate> =
        call_json(api.get("/api/v1/me/certificates", token), StatusCode::OK).await?;
    found.codes = certificates.into_iter().map(|c| c.code).collect();
    Ok(found)
}

/// Flattens the per-trainee findings into the scenarios' work lists. Lessons and quizzes are
/// interleaved across enrolments (first item of every enrolment, then the second, ...) so
/// neighbouring items rarely contend for the same enrolment row lock.
fn assemble(trainees: Vec<Trainee>, found: Vec<Found>) -> Fixture {
    let mut outlines = Vec::new();
    let mut lesson_rows = Vec::new();
    let mut quiz_rows = Vec::new();
    let mut verifications = Vec::new();
    for (trainee, f) in found.into_iter().enumerate() {
        for id in f.enrolments {
            outlines.push(Target { trainee, path: format!("/api/v1/enrolments/{id}/outline") });
        }
        for lessons in f.lessons {
            lesson_rows.push(
                lessons
                    .into_iter()
                    .map(|id| Target { trainee, path: format!("/api/v1/lessons/{id}/complete") })
                    .collect(),
            );
        }
        for quizzes in f.quizzes {
            quiz_rows.push(
                quizzes
                    .into_iter()
                    .map(|(quiz_id, remaining)| QuizItem { trainee, quiz_id, remaining })
                    .collect(),
            );
        }
        verifications.extend(f.codes.into_iter().map(|code| format!("/api/v1/verify/{code}")));
    }
    Fixture {
        trainees,
        outlines,
        lessons: interleave(lesson_rows),
        quizzes: interleave(quiz_rows),
        verifications,
    }
}

fn interleave<T>(rows: Vec<Vec<T>>) -> Vec<T> {
    let mut iters: Vec<_> = rows.into_iter().map(Vec::into_iter).collect();
    let mut out = Vec::new();
    loop {
        let before = out.len();
        out.extend(iters.iter_mut().filter_map(Iterator::next));
        if out.len() == before {
            return out;
        }
    }
}

/// Runs `work` over `inputs` with [`SETUP_TASKS`] in flight; results in input order, or the
/// first error.
async fn in_parallel<I, O, F, Fut>(inputs: Vec<I>, work: F) -> Result<Vec<O>, String>
where
    O: Send + 'static,
    F: Fn(I) -> Fut,
    Fut: Future<Output = Result<O, String>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(SETUP_TASKS));
    let handles: Vec<_> = inputs
        .into_iter()
        .map(|input| {
            let (permits, job) = (permits.clone(), work(input));
            tokio::spawn(async move {
                let _permit = permits.acquire_owned().await.map_err(|e| e.to_string())?;
                job.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.map_err(|e| e.to_string())??);
    }
    Ok(out)
}
