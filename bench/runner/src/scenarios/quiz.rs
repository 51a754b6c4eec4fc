//! `quiz`: full attempts. One attempt is POST /quizzes/{id}/attempts (draws the questions),
//! PUT /attempts/{id}/answers (every question answered plausibly for its kind), POST
//! /attempts/{id}/submit (graded). The service allows one open attempt per quiz and
//! enrolment, so each (trainee, quiz) item belongs to one task at a time, which spends its
//! remaining attempts in sequence before taking the next item. Target: >= 300 attempts/s.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{Check, Measured, Run, spawn_tasks};
use crate::client::{Errors, call, call_json};
use crate::setup::QuizItem;
use crate::stats::{micros_since, summarise};

#[derive(Deserialize)]
struct Started {
    id: Uuid,
    questions: Vec<Question>,
}

#[derive(Deserialize)]
struct Question {
    id: Uuid,
    kind: String,
    options: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    id: Uuid,
}

/// The service's `Answer`: exactly one of the three value fields, by question kind (it
/// rejects unknown fields, so absent ones are left out rather than sent as null).
#[derive(Serialize)]
struct Answer {
    question_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    option_ids: Option<Vec<Uuid>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<f64>,
}

/// What one task did.
#[derive(Default)]
struct Tally {
    attempt_micros: Vec<u32>,
    requests: u64,
    items: u64,
}

pub async fn run(run: &Run, errors: &Arc<Errors>) -> Result<Measured, String> {
    let items = &run.fixture.quizzes;
    if items.is_empty() {
        return Err("no quiz with attempts left".into());
    }
    let available: u64 = items.iter().map(|i| u64::from(i.remaining)).sum();
    let started = Instant::now();
    let deadline = started + run.duration;
    let next = Arc::new(AtomicUsize::new(0));
    let per_task = spawn_tasks(run.connections, |task| {
        let (run, next, errors) = (run.clone(), next.clone(), errors.clone());
        async move {
            let mut tally = Tally::default();
            while Instant::now() < deadline {
                let Some(item) = run.fixture.quizzes.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    break; // the queue ran dry: this task is done
                };
                tally.items += 1;
                for attempt in 0..item.remaining {
                    if Instant::now() >= deadline {
                        break;
                    }
                    let seed = task + attempt as usize;
                    let began = Instant::now();
                    match full_attempt(&run, item, seed, &mut tally.requests).await {
                        Ok(()) => tally.attempt_micros.push(micros_since(began)),
                        Err(sample) => {
                            errors.record(sample);
                            // The rest of this item's attempts would most likely fail the same way.
                            break;
                        }
                    }
                }
            }
            tally
        }
    })
    .await;
    let seconds = started.elapsed().as_secs_f64();
    let requests: u64 = per_task.iter().map(|t| t.requests).sum();
    let items_taken: u64 = per_task.iter().map(|t| t.items).sum();
    let mut micros: Vec<u32> = per_task.into_iter().flat_map(|t| t.attempt_micros).collect();
    let latency = summarise(&mut micros);
    let count = latency.count as u64;
    let mut notes = vec![format!(
        "{requests} requests; {} of {} items taken, {available} attempts were available",
        items_taken,
        items.len()
    )];
    if items_taken as usize >= items.len() && seconds + 0.05 < run.duration.as_secs_f64() {
        notes.push(format!("item queue ran dry: stopped early after {seconds:.1} s"));
    }
    Ok(Measured {
        unit: "attempts",
        count,
        seconds,
        latency,
        secondary: None,
        notes,
        checks: vec![Check::new(">= 300 attempts/s", count as f64 / seconds >= 300.0)],
    })
}

/// Start, answer and submit one attempt. A failed save still submits, so the attempt does not
/// stay open and block the item's next attempt.
async fn full_attempt(run: &Run, item: &QuizItem, seed: usize, requests: &mut u64) -> Result<(), String> {
    let token = &run.fixture.trainees[item.trainee].token;
    let start = run.api.post(&format!("/api/v1/quizzes/{}/attempts", item.quiz_id), token);
    *requests += 1;
    let attempt: Started = call_json(start, StatusCode::CREATED).await?;
    let body = json!({ "answers": answers(&attempt.questions, seed) });
    *requests += 1;
    let saved = call(
        run.api.put(&format!("/api/v1/attempts/{}/answers", attempt.id), token).json(&body),
        StatusCode::OK,
    )
    .await;
    *requests += 1;
    let submitted =
        call(run.api.post(&format!("/api/v1/attempts/{}/submit", attempt.id), token), StatusCode::OK).await;
    saved.and(submitted)
}

/// An answer to every question, shaped by its kind; `seed` varies the picks between attempts
/// so grading sees a mix of right and wrong answers.
fn answers(questions: &[Question], seed: usize) -> Vec<Answer> {
    questions
        .iter()
        .enumerate()
        .filter_map(|(i, q)| {
            let pick = |n: usize| q.options.get((seed + i + n) % q.options.len().max(1)).map(|o| o.id);
            let (option_ids, text, number) = match q.kind.as_str() {
                "single_choice" | "true_false" => (Some(pick(0).into_iter().collect()), None, None),
                "multiple_choice" => {
                    let mut ids: Vec<Uuid> = pick(0).into_iter().chain(pick(1)).collect();
                    ids.dedup();
                    (Some(ids), None, None)
                }
                "short_text" => (None, Some("Resolution 1540".to_owned()), None),
                "numeric" => (None, None, Some(1540.0)),
                // A kind this runner does not know: leave it unanswered (allowed, earns nothing).
                _ => return None,
            };
            Some(Answer { question_id: q.id, option_ids, text, number })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(kind: &str, options: usize) -> Question {
        Question {
            id: Uuid::from_u128(1),
            kind: kind.into(),
            options: (0..options).map(|n| Choice { id: Uuid::from_u128(10 + n as u128) }).collect(),
        }
    }

    #[test]
    fn answers_match_the_service_shape() {
        let qs = [question("single_choice", 3), question("multiple_choice", 4), question("numeric", 0)];
        let json = serde_json::to_value(answers(&qs, 0)).unwrap();
        assert_eq!(json[0]["option_ids"].as_array().unwrap().len(), 1);
        assert_eq!(json[1]["option_ids"].as_array().unwrap().len(), 2);
        assert_eq!(json[2]["number"], 1540.0);
        assert!(json[2].get("text").is_none() && json[2].get("option_ids").is_none());
    }

    #[test]
    fn a_single_option_multiple_choice_is_not_picked_twice() {
        let json = serde_json::to_value(answers(&[question("multiple_choice", 1)], 0)).unwrap();
        assert_eq!(json[0]["option_ids"].as_array().unwrap().len(), 1);
    }
}
