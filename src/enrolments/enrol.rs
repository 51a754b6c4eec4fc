//! Enrolling and withdrawing, with cohort capacity and an arrival-ordered waitlist. Every
//! decision about a cohort's seats is taken under that cohort's row lock, in the transaction
//! that writes it, so concurrent requests can never overfill a cohort.

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::cohorts::{self, Cohort};
use super::{ACTIVE, COMPLETED, Enrolment, WAITLISTED, WITHDRAWN};
use crate::courses::model::Course;
use crate::db::schema::enrolments;
use crate::http::ApiError;
use crate::notifications::messages::{self, MessageKind};
use crate::users::User;

/// Who is enrolled where, and by whom.
pub struct EnrolmentRequest<'a> {
    pub course: &'a Course,
    pub user: &'a User,
    pub cohort_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub enrolled_by: Option<Uuid>,
}

pub fn format_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

fn cohort_context(cohort: Option<&Cohort>) -> (serde_json::Value, serde_json::Value) {
    match cohort {
        Some(c) => {
            (json!(c.name), json!(format!("{} to {}", format_date(c.starts_on), format_date(c.ends_on))))
        }
        None => (serde_json::Value::Null, serde_json::Value::Null),
    }
}

/// Enrols `request.user`, waitlisting them when the cohort is full. Must run inside a
/// transaction (`tx`); the caller commits. A second current enrolment is a 409.
pub async fn enrol(
    tx: &mut AsyncPgConnection,
    public_url: &url::Url,
    request: EnrolmentRequest<'_>,
) -> Result<Enrolment, ApiError> {
    let EnrolmentRequest { course, user, cohort_id, due_on, enrolled_by } = request;
    if !course.is_published() {
        return Err(ApiError::Conflict("the course is not open: it is not published".into()));
    }
    let cohort = match cohort_id {
        Some(id) => {
            let cohort = cohorts::lock(tx, id).await?.filter(|c| c.course_id == course.id);
            Some(cohort.ok_or_else(|| ApiError::validation("cohort_id", "is not a cohort of this course"))?)
        }
        None => None,
    };
    if let Some(c) = &cohort
        && !c.is_open(Utc::now().date_naive())
    {
        return Err(ApiError::Conflict(format!("enrolment in the cohort \"{}\" has closed", c.name)));
    }
    let earlier: Vec<String> = enrolments::table
        .filter(enrolments::user_id.eq(user.id))
        .filter(enrolments::course_id.eq(course.id))
        .filter(enrolments::status.eq_any([ACTIVE, WAITLISTED, COMPLETED]))
        .select(enrolments::status)
        .load(tx)
        .await?;
    if earlier.iter().any(|s| s != COMPLETED) {
        return Err(ApiError::Conflict("already enrolled in this course".into()));
    }
    if !earlier.is_empty() && !crate::certificates::issue::may_recertify(tx, user.id, course.id).await? {
        return Err(ApiError::Conflict(
            "this course is already completed; you can take it again within 90 days of your certificate's expiry".into(),
        ));
    }
    let full = match &cohort {
        Some(Cohort { id, capacity: Some(capacity), .. }) => {
            cohorts::seats_taken(tx, *id).await? >= i64::from(*capacity)
        }
        _ => false,
    };
    let status = if full { WAITLISTED } else { ACTIVE };
    let due_on = due_on.or(cohort.as_ref().map(|c| c.ends_on));
    let enrolment: Enrolment = diesel::insert_into(enrolments::table)
        .values((
            enrolments::user_id.eq(user.id),
            enrolments::course_id.eq(course.id),
            enrolments::cohort_id.eq(cohort_id),
            enrolments::status.eq(status),
            enrolments::course_revision.eq(course.revision),
            enrolments::due_on.eq(due_on),
            enrolments::enrolled_by.eq(enrolled_by),
        ))
        .returning(Enrolment::as_returning())
        .get_result(tx)
        .await
        .map_err(|e| match ApiError::from(e) {
            ApiError::Conflict(_) => ApiError::Conflict("already enrolled in this course".into()),
            other => other,
        })?;
    let (cohort_name, cohort_dates) = cohort_context(cohort.as_ref());
    let kind = if full { MessageKind::EnrolmentWaitlisted } else { MessageKind::EnrolmentConfirmed };
    let context = json!({
        "recipient_name": user.full_name, "course_title": course.title, "cohort_name": cohort_name,
        "cohort_dates": cohort_dates, "due_on": due_on.map(format_date), "link": enrolment_link(public_url, enrolment.id),
    });
    messages::queue(tx, public_url, kind, &user.email, context, None).await?;
    let summary = serde_json::json!({"user_id": user.id, "course_id": course.id, "cohort_id": cohort_id, "status": status});
    crate::audit::log(tx, enrolled_by, "enrolment.created", "enrolment", enrolment.id, summary).await?;
    tracing::info!(enrolment_id = %enrolment.id, user_id = %user.id, course_id = %course.id, status, "enrolled");
    Ok(enrolment)
}

pub fn enrolment_link(public_url: &url::Url, enrolment_id: Uuid) -> String {
    let mut url = public_url.clone();
    url.set_path(&format!("enrolments/{enrolment_id}"));
    url.to_string()
}

/// Withdraws a current enrolment (kept in history). When it held a cohort seat, the first
/// person on that cohort's waitlist gets it, in the same transaction.
pub async fn withdraw(
    tx: &mut AsyncPgConnection,
    public_url: &url::Url,
    actor_id: Uuid,
    enrolment_id: Uuid,
    course: &Course,
) -> Result<Enrolment, ApiError> {
    let cohort_id: Option<Uuid> =
        enrolments::table.find(enrolment_id).select(enrolments::cohort_id).first(tx).await?;
    // Lock order everywhere: cohort first, then enrolments.
    let cohort = match cohort_id {
        Some(id) => cohorts::lock(tx, id).await?,
        None => None,
    };
    let current: Enrolment =
        enrolments::table.find(enrolment_id).select(Enrolment::as_select()).for_update().first(tx).await?;
    if !current.is_current() {
        return Err(ApiError::Conflict(format!(
            "the enrolment is {} and cannot be withdrawn",
            current.status
        )));
    }
    let withdrawn: Enrolment = diesel::update(enrolments::table.find(enrolment_id))
        .set((enrolments::status.eq(WITHDRAWN), enrolments::withdrawn_at.eq(diesel::dsl::now)))
        .returning(Enrolment::as_returning())
        .get_result(tx)
        .await?;
    let user = crate::users::store::find(tx, current.user_id).await?.ok_or_else(ApiError::not_found)?;
    let context = json!({
        "recipient_name": user.full_name, "course_title": course.title,
        "withdrawn_on": format_date(Utc::now().date_naive()),
    });
    messages::queue(tx, public_url, MessageKind::EnrolmentWithdrawn, &user.email, context, None).await?;
    if current.status == ACTIVE
        && let Some(cohort) = &cohort
    {
        promote_from_waitlist(tx, public_url, cohort, course).await?;
    }
    // Audited after the promotion so that the audit lock is always the last one taken.
    let summary = serde_json::json!({"from": current.status, "to": WITHDRAWN});
    crate::audit::log(tx, Some(actor_id), "enrolment.withdrawn", "enrolment", enrolment_id, summary).await?;
    tracing::info!(%enrolment_id, "enrolment withdrawn");
    Ok(withdrawn)
}

/// Fills free seats of `cohort` from its waitlist, first come first served.
async fn promote_from_waitlist(
    tx: &mut AsyncPgConnection,
    public_url: &url::Url,
    cohort: &Cohort,
    course: &Course,
) -> Result<(), ApiError> {
    let free = match cohort.capacity {
        Some(capacity) => i64::from(capacity) - cohorts::seats_taken(tx, cohort.id).await?,
        None => i64::MAX,
    };
    if free <= 0 {
        return Ok(());
    }
    let next: Vec<Enrolment> = enrolments::table
        .filter(enrolments::cohort_id.eq(cohort.id))
        .filter(enrolments::status.eq(WAITLISTED))
        .order((enrolments::enrolled_at, enrolments::id))
        .limit(free)
        .select(Enrolment::as_select())
        .for_update()
        .load(tx)
        .await?;
    let (cohort_name, cohort_dates) = cohort_context(Some(cohort));
    for waiting in next {
        diesel::update(enrolments::table.find(waiting.id))
            .set(enrolments::status.eq(ACTIVE))
            .execute(tx)
            .await?;
        let user = crate::users::store::find(tx, waiting.user_id).await?.ok_or_else(ApiError::not_found)?;
        let context = json!({
            "recipient_name": user.full_name, "course_title": course.title, "cohort_name": cohort_name,
            "cohort_dates": cohort_dates, "due_on": waiting.due_on.map(format_date), "link": enrolment_link(public_url, waiting.id),
        });
        messages::queue(tx, public_url, MessageKind::EnrolmentPromoted, &user.email, context, None).await?;
        tracing::info!(enrolment_id = %waiting.id, "promoted from the waitlist");
    }
    Ok(())
}
