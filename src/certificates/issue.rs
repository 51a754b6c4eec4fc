//! Issuing a certificate when an enrolment completes: in the completing transaction, once per
//! enrolment (a unique constraint), with the holder's name and the course as they are now.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use super::model::{Certificate, verify_url};
use super::{code, store};
use crate::db::schema::{certificates, courses, email_outbox};
use crate::enrolments::Enrolment;
use crate::http::ApiError;
use crate::notifications::messages::{self, MessageKind};

/// Issues the enrolment's certificate (or returns the one it has) and queues the email that
/// carries its PDF.
pub async fn issue_for(
    tx: &mut AsyncPgConnection,
    public_url: &url::Url,
    enrolment: &Enrolment,
) -> Result<Certificate, ApiError> {
    if let Some(existing) = certificates::table
        .filter(certificates::enrolment_id.eq(enrolment.id))
        .select(Certificate::as_select())
        .first(tx)
        .await
        .optional()?
    {
        return Ok(existing);
    }
    let (title, revision, validity): (String, i32, Option<i32>) = courses::table
        .find(enrolment.course_id)
        .select((courses::title, courses::revision, courses::certificate_validity_days))
        .first(tx)
        .await?;
    let holder = crate::users::store::find(tx, enrolment.user_id).await?.ok_or_else(ApiError::not_found)?;
    let issued_at = Utc::now();
    let certificate: Certificate = diesel::insert_into(certificates::table)
        .values((
            certificates::code.eq(code::generate()),
            certificates::enrolment_id.eq(enrolment.id),
            certificates::user_id.eq(enrolment.user_id),
            certificates::course_id.eq(enrolment.course_id),
            certificates::course_revision.eq(revision),
            certificates::cohort_id.eq(enrolment.cohort_id),
            certificates::holder_name.eq(&holder.full_name),
            certificates::course_title.eq(&title),
            certificates::issued_at.eq(issued_at),
            certificates::expires_at.eq(validity.map(|days| issued_at + Duration::days(i64::from(days)))),
        ))
        .returning(Certificate::as_returning())
        .get_result(tx)
        .await?;
    let context = json!({
        "recipient_name": holder.full_name, "course_title": title, "code": certificate.code,
        "verify_url": verify_url(public_url, &certificate.code),
        "expires_on": certificate.expires_at.map(|e| e.format("%-d %B %Y").to_string()),
    });
    if let Some(email_id) =
        messages::queue(tx, public_url, MessageKind::CertificateIssued, &holder.email, context, None).await?
    {
        diesel::update(email_outbox::table.find(email_id))
            .set(email_outbox::attachment_certificate_id.eq(certificate.id))
            .execute(tx)
            .await?;
    }
    let summary = json!({"code": certificate.code, "user_id": certificate.user_id, "course_id": certificate.course_id, "expires_at": certificate.expires_at});
    crate::audit::log(tx, None, "certificate.issued", "certificate", certificate.id, summary).await?;
    tracing::info!(certificate_id = %certificate.id, enrolment_id = %enrolment.id, "certificate issued");
    Ok(certificate)
}

/// Whether a person may enrol again in a course they completed: when their latest
/// certificate for it has expired, was revoked, or expires within 90 days (recertification).
pub async fn may_recertify(
    tx: &mut AsyncPgConnection,
    user_id: uuid::Uuid,
    course_id: uuid::Uuid,
) -> Result<bool, ApiError> {
    let Some(latest) = store::latest(tx, user_id, course_id).await? else {
        return Ok(false);
    };
    let window = Utc::now() + Duration::days(90);
    Ok(latest.revoked_at.is_some() || latest.expires_at.is_some_and(|e| e <= window))
}
