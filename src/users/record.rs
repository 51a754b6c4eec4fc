//! A person's whole training record as one document, for handover and archive: profile,
//! enrolments, quiz attempts, certificates and seats held. Five queries whatever its size.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::UserProfile;
use crate::certificates::model::{CertificateView, status};
use crate::db::schema::{courses, enrolments, organisations, quiz_attempts, quizzes, seat_holdings, seats};
use crate::enrolments::{Enrolment, EnrolmentView};
use crate::http::ApiError;

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordEnrolment {
    #[serde(flatten)]
    pub enrolment: EnrolmentView,
    pub course_title: String,
}

#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct RecordAttempt {
    pub attempt_id: Uuid,
    pub quiz_id: Uuid,
    pub quiz_title: String,
    pub enrolment_id: Uuid,
    pub number: i32,
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub score_percent: Option<f64>,
    pub passed: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct RecordHolding {
    pub seat_id: Uuid,
    pub seat_title: String,
    pub organisation_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub handover_note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingRecord {
    pub generated_at: DateTime<Utc>,
    pub person: UserProfile,
    pub organisation_name: Option<String>,
    pub enrolments: Vec<RecordEnrolment>,
    pub attempts: Vec<RecordAttempt>,
    pub certificates: Vec<CertificateView>,
    pub seat_holdings: Vec<RecordHolding>,
}

pub async fn build(
    conn: &mut AsyncPgConnection,
    user: &super::User,
    public_url: &url::Url,
) -> Result<TrainingRecord, ApiError> {
    let organisation_name = match user.organisation_id {
        Some(id) => organisations::table.find(id).select(organisations::name).first(conn).await.optional()?,
        None => None,
    };
    let enrolment_rows: Vec<(Enrolment, String)> = enrolments::table
        .inner_join(courses::table)
        .filter(enrolments::user_id.eq(user.id))
        .order(enrolments::enrolled_at)
        .select((Enrolment::as_select(), courses::title))
        .load(conn)
        .await?;
    let attempts: Vec<RecordAttempt> = quiz_attempts::table
        .inner_join(quizzes::table)
        .filter(quiz_attempts::user_id.eq(user.id))
        .order(quiz_attempts::started_at)
        .select((
            quiz_attempts::id,
            quiz_attempts::quiz_id,
            quizzes::title,
            quiz_attempts::enrolment_id,
            quiz_attempts::number,
            quiz_attempts::status,
            quiz_attempts::started_at,
            quiz_attempts::submitted_at,
            quiz_attempts::score_percent,
            quiz_attempts::passed,
        ))
        .load(conn)
        .await?;
    let certificates = crate::certificates::store::for_user(conn, user.id).await?;
    let superseded = crate::certificates::store::superseded(conn, &certificates).await?;
    let now = Utc::now();
    let seat_holdings: Vec<RecordHolding> = seat_holdings::table
        .inner_join(seats::table.inner_join(organisations::table))
        .filter(seat_holdings::user_id.eq(user.id))
        .order(seat_holdings::starts_on)
        .select((
            seats::id,
            seats::title,
            organisations::name,
            seat_holdings::starts_on,
            seat_holdings::ends_on,
            seat_holdings::handover_note,
        ))
        .load(conn)
        .await?;
    Ok(TrainingRecord {
        generated_at: now,
        person: UserProfile::from(user),
        organisation_name,
        enrolments: enrolment_rows
            .iter()
            .map(|(e, title)| RecordEnrolment {
                enrolment: EnrolmentView::from(e),
                course_title: title.clone(),
            })
            .collect(),
        attempts,
        certificates: certificates
            .iter()
            .map(|c| CertificateView::new(c, status(c, superseded.contains(&c.id), now), public_url))
            .collect(),
        seat_holdings,
    })
}
