//! The background worker: delivers the outbox, queues due reminders every minute and grades
//! quiz attempts whose deadline passed. Runs inside `serve` (unless `WORKER=off`) or
//! alone as `poc-lms worker`; any number may run against one database, since claims use
//! `FOR UPDATE SKIP LOCKED` and expire with a lease.

use std::time::Duration;

use chrono::Utc;
use futures_util::StreamExt;
use tokio::sync::watch;

use super::mailer::Email;
use super::outbox::{self, OutboxEmail};
use crate::http::ApiError;
use crate::state::AppState;

/// Messages of one batch in flight at once.
const SEND_CONCURRENCY: usize = 8;

/// How often the worker looks for reminders that have come due.
const REMINDER_SCAN_INTERVAL: Duration = Duration::from_secs(60);

/// Longest wait between two attempts at one message.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(3600);

/// What one pass over the outbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub released: usize,
}

impl DeliveryReport {
    pub fn claimed(&self) -> usize {
        self.sent + self.retried + self.failed + self.released
    }
}

/// Claims one batch of due messages and delivers them. Stops early, handing the rest back,
/// when `shutdown` turns true.
pub async fn deliver_due(
    state: &AppState,
    shutdown: Option<&watch::Receiver<bool>>,
) -> anyhow::Result<DeliveryReport> {
    let settings = &state.config.outbox;
    let batch = {
        let mut conn = state.pool.get().await?;
        outbox::claim_due(&mut conn, settings.batch_size, settings.lease).await?
    };
    // Several messages at once over the pooled SMTP connections: each SMTP exchange spends
    // most of its time waiting on the network, not on this process.
    let outcomes: Vec<anyhow::Result<Outcome>> = futures_util::stream::iter(batch.iter())
        .map(|message| async move {
            if shutdown.is_some_and(|rx| *rx.borrow()) {
                let mut conn = state.pool.get().await?;
                outbox::release(&mut conn, &[message.id]).await?;
                return Ok(Outcome::Released);
            }
            deliver_one(state, message).await
        })
        .buffer_unordered(SEND_CONCURRENCY)
        .collect()
        .await;
    let mut report = DeliveryReport::default();
    for outcome in outcomes {
        match outcome? {
            Outcome::Sent => report.sent += 1,
            Outcome::Retried => report.retried += 1,
            Outcome::Failed => report.failed += 1,
            Outcome::Released => report.released += 1,
        }
    }
    Ok(report)
}

/// What became of one claimed message.
enum Outcome {
    Sent,
    Retried,
    Failed,
    /// Handed back unsent because the worker is stopping.
    Released,
}

async fn deliver_one(state: &AppState, message: &OutboxEmail) -> anyhow::Result<Outcome> {
    let pdf_attachment = match message.attachment_certificate_id {
        Some(id) => match certificate_pdf(state, id).await {
            Ok(pdf) => pdf,
            // Settled like a failed send, so the message is retried and in the end failed
            // rather than left claimed and reclaimed forever.
            Err(error) => {
                return settle_failure(state, message, &format!("attachment: {error}"), false).await;
            }
        },
        None => None,
    };
    let email = Email {
        to: &message.recipient,
        subject: &message.subject,
        body_text: &message.body_text,
        body_html: message.body_html.as_deref(),
        pdf_attachment,
    };
    match state.mailer.send(&state.config.mail_from, email).await {
        Ok(()) => {
            let mut conn = state.pool.get().await?;
            outbox::mark_sent(&mut conn, message.id).await?;
            state.metrics.emails_sent.inc();
            let waited = (Utc::now() - message.created_at).num_milliseconds().max(0) as f64 / 1000.0;
            state.metrics.email_delivery_latency.observe(waited);
            tracing::info!(email_id = %message.id, kind = %message.kind, "email sent");
            Ok(Outcome::Sent)
        }
        Err(error) => settle_failure(state, message, &error.message, error.permanent).await,
    }
}

/// A message that could not be sent: failed for good when the cause is permanent or its
/// attempts are used up, otherwise scheduled again after a backoff.
async fn settle_failure(
    state: &AppState,
    message: &OutboxEmail,
    error: &str,
    permanent: bool,
) -> anyhow::Result<Outcome> {
    let mut conn = state.pool.get().await?;
    if permanent || message.attempts >= state.config.outbox.max_attempts {
        outbox::mark_failed(&mut conn, message.id, error).await?;
        state.metrics.emails_failed.inc();
        tracing::warn!(email_id = %message.id, kind = %message.kind, attempts = message.attempts, error, "email failed");
        return Ok(Outcome::Failed);
    }
    let delay = retry_delay(state.config.outbox.retry_base, message.attempts, rand::random::<f64>());
    outbox::schedule_retry(&mut conn, message.id, error, delay).await?;
    tracing::warn!(email_id = %message.id, attempts = message.attempts, retry_in_s = delay.as_secs(), error, "email delivery failed; will retry");
    Ok(Outcome::Retried)
}

/// The certificate's PDF, rendered now (it is deterministic, so it matches the one online).
async fn certificate_pdf(state: &AppState, id: uuid::Uuid) -> anyhow::Result<Option<(String, Vec<u8>)>> {
    let certificate = {
        let mut conn = state.pool.get().await?;
        crate::certificates::store::find(&mut conn, id).await?
    };
    let Some(certificate) = certificate else { return Ok(None) };
    match crate::certificates::documents::pdf(state, &certificate).await {
        Ok(pdf) => Ok(Some((format!("{}.pdf", certificate.code), pdf))),
        // A name the embedded font cannot draw will never render: the email goes without the
        // PDF (the verification link in it still works) instead of never going at all.
        Err(ApiError::Conflict(reason)) => {
            tracing::warn!(certificate_id = %certificate.id, %reason, "sending the email without its PDF");
            Ok(None)
        }
        Err(error) => Err(anyhow::anyhow!("{error:?}")),
    }
}

/// Exponential backoff: `base * 2^(attempt-1)`, capped, then spread by ±20 % so that messages
/// failing together do not retry in lockstep. `unit` is a random number in [0, 1).
pub fn retry_delay(base: Duration, attempt: i32, unit: f64) -> Duration {
    let exponent = attempt.saturating_sub(1).clamp(0, 20) as u32;
    let raw = base.saturating_mul(2u32.saturating_pow(exponent)).min(MAX_RETRY_DELAY);
    raw.mul_f64(0.8 + 0.4 * unit.clamp(0.0, 1.0))
}

/// Runs until `shutdown` turns true, finishing the message in hand first.
pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    tracing::info!("background worker started");
    let mut last_scan: Option<std::time::Instant> = None;
    loop {
        if *shutdown.borrow() {
            break;
        }
        if last_scan.is_none_or(|at| at.elapsed() >= REMINDER_SCAN_INTERVAL) {
            last_scan = Some(std::time::Instant::now());
            if let Err(error) = super::reminders::scan(&state).await {
                tracing::warn!(error = %error, "reminder scan failed");
            }
        }
        // Attempts left open past their deadline are graded here if nobody touches them.
        if let Err(error) = crate::quizzes::attempts::grade_expired(&state).await {
            tracing::warn!(error = %error, "grading expired attempts failed");
        }
        let idle = match deliver_due(&state, Some(&shutdown)).await {
            Ok(report) => report.claimed() == 0,
            Err(error) => {
                tracing::warn!(error = format!("{error:#}"), "outbox pass failed");
                true
            }
        };
        if idle {
            tokio::select! {
                _ = tokio::time::sleep(state.config.outbox.poll_interval) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
    tracing::info!("background worker stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_secs(30);
        assert_eq!(retry_delay(base, 1, 0.5), Duration::from_secs(30));
        assert_eq!(retry_delay(base, 2, 0.5), Duration::from_secs(60));
        assert_eq!(retry_delay(base, 3, 0.5), Duration::from_secs(120));
        assert_eq!(retry_delay(base, 30, 0.5), MAX_RETRY_DELAY);
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        let base = Duration::from_secs(100);
        assert_eq!(retry_delay(base, 1, 0.0), Duration::from_secs(80));
        assert_eq!(retry_delay(base, 1, 1.0), Duration::from_secs(120));
    }
}
