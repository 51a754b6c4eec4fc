//! The reminder scan the worker runs every minute: course deadlines (7 days and 1 day before,
//! overdue the day after) and certificate expiry (90, 30 and 7 days before, and on the day).
//! Each reminder has a deduplication key that is unique in the outbox, so several workers,
//! restarts or repeated scans never send one twice.
//!
//! Deadline reminders respect the person's `reminder_emails` preference; certificate expiry
//! notices are certificate emails and always go out.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::messages::{self, MessageKind};
use crate::db::schema::enrolments;
use crate::enrolments::Enrolment;
use crate::enrolments::enrol::{enrolment_link, format_date};
use crate::http::ApiError;
use crate::state::AppState;

#[derive(QueryableByName)]
struct DueEnrolment {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Date)]
    due_on: NaiveDate,
    #[diesel(sql_type = Text)]
    bucket: String,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    full_name: String,
    #[diesel(sql_type = Text)]
    course_title: String,
}

#[derive(QueryableByName)]
struct ExpiringCertificate {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    #[diesel(sql_type = Text)]
    bucket: String,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    full_name: String,
    #[diesel(sql_type = Text)]
    course_title: String,
}

/// Finds due reminders and queues them; returns how many were queued.
pub async fn scan(state: &AppState) -> Result<usize, ApiError> {
    let mut conn = state.pool.get().await?;
    let mut queued = deadlines(state, &mut conn).await?;
    queued += expiries(state, &mut conn).await?;
    if queued > 0 {
        tracing::info!(queued, "reminders queued");
    }
    Ok(queued)
}

async fn deadlines(state: &AppState, conn: &mut AsyncPgConnection) -> Result<usize, ApiError> {
    // The bucket is computed here so that only reminders not yet queued come back.
    let due: Vec<DueEnrolment> = diesel::sql_query(
        "SELECT * FROM ( \
             SELECT e.id, e.due_on, u.email, u.full_name, c.title AS course_title, \
                    CASE WHEN e.due_on < current_date THEN 'overdue' \
                         WHEN e.due_on <= current_date + 1 THEN '1d' ELSE '7d' END AS bucket \
             FROM enrolments e JOIN users u ON u.id = e.user_id JOIN courses c ON c.id = e.course_id \
             WHERE e.status = 'active' AND e.due_on IS NOT NULL AND e.due_on <= current_date + 7 \
               AND e.due_on >= current_date - 30 AND u.status = 'active' AND u.reminder_emails \
         ) d WHERE NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.dedup_key = 'deadline-' || d.bucket || ':' || d.id) \
         LIMIT 500",
    )
    .load(conn)
    .await?;
    let today = chrono::Utc::now().date_naive();
    let ids: Vec<Uuid> = due.iter().map(|d| d.id).collect();
    let enrolments: Vec<Enrolment> = enrolments::table
        .filter(enrolments::id.eq_any(&ids))
        .select(Enrolment::as_select())
        .load(conn)
        .await?;
    let percents = crate::enrolments::progress::percents(conn, &enrolments).await?;
    let mut queued = 0;
    for item in due {
        let percent_complete = percents.get(&item.id).copied().unwrap_or(0);
        let kind = if item.bucket == "overdue" {
            MessageKind::DeadlineOverdue
        } else {
            MessageKind::DeadlineReminder
        };
        let context = json!({
            "recipient_name": item.full_name, "course_title": item.course_title, "due_on": format_date(item.due_on),
            "days_left": (item.due_on - today).num_days().max(0), "percent_complete": percent_complete,
            "link": enrolment_link(&state.config.public_url, item.id),
        });
        let key = format!("deadline-{}:{}", item.bucket, item.id);
        if messages::queue(conn, &state.config.public_url, kind, &item.email, context, Some(key))
            .await?
            .is_some()
        {
            queued += 1;
        }
    }
    Ok(queued)
}

async fn expiries(state: &AppState, conn: &mut AsyncPgConnection) -> Result<usize, ApiError> {
    let expiring: Vec<ExpiringCertificate> = diesel::sql_query(
        "SELECT * FROM ( \
             SELECT c.id, c.code, c.expires_at, u.email, u.full_name, c.course_title, \
                    CASE WHEN c.expires_at::date <= current_date THEN '0d' \
                         WHEN c.expires_at <= now() + interval '7 days' THEN '7d' \
                         WHEN c.expires_at <= now() + interval '30 days' THEN '30d' ELSE '90d' END AS bucket \
             FROM certificates c JOIN users u ON u.id = c.user_id \
             WHERE c.revoked_at IS NULL AND c.expires_at <= now() + interval '90 days' \
               AND c.expires_at >= now() - interval '2 days' AND u.status = 'active' \
               AND NOT EXISTS (SELECT 1 FROM certificates n WHERE n.user_id = c.user_id AND n.course_id = c.course_id \
                               AND n.issued_at > c.issued_at AND n.revoked_at IS NULL) \
         ) x WHERE NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.dedup_key = 'cert-expiry-' || x.bucket || ':' || x.id) \
         LIMIT 500",
    )
    .load(conn)
    .await?;
    let mut queued = 0;
    for item in expiring {
        let when = match item.bucket.as_str() {
            "0d" => "expires today".to_owned(),
            bucket => format!("expires within {} days", bucket.trim_end_matches('d')),
        };
        let context = json!({
            "recipient_name": item.full_name, "course_title": item.course_title, "code": item.code, "when": when,
            "expires_on": item.expires_at.map(|e| format_date(e.date_naive())),
        });
        let key = format!("cert-expiry-{}:{}", item.bucket, item.id);
        if messages::queue(
            conn,
            &state.config.public_url,
            MessageKind::CertificateExpiring,
            &item.email,
            context,
            Some(key),
        )
        .await?
        .is_some()
        {
            queued += 1;
        }
    }
    Ok(queued)
}
